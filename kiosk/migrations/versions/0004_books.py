"""Administration books: closed monthly population reports (snapshots), temporary residents (Buku
Penduduk Sementara, A.4), incoming letters (Buku Agenda surat masuk) and sent-letter dispatch (Buku
Ekspedisi).

Revision ID: 0004_books
Revises: 0003_sync
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_books"
down_revision = "0003_sync"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monthly_report",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("pdf_hash", sa.String(64), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.Column("closed_by", sa.String(36), nullable=True),
        sa.Column("closed_by_name", sa.String(120), nullable=False),
        sa.Column("reopened_at", sa.DateTime(), nullable=True),
        sa.Column("reopened_by", sa.String(36), nullable=True),
        sa.Column("reopen_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("month", "revision", name="uq_monthly_report_revision"),
    )
    op.create_table(
        "temporary_resident",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(150), nullable=False),
        sa.Column("sex", sa.Integer(), nullable=True),
        sa.Column("id_number", sa.String(40), nullable=False),
        sa.Column("birth_place", sa.String(100), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("occupation", sa.String(100), nullable=False),
        sa.Column("citizenship", sa.Integer(), nullable=False),
        sa.Column("nationality", sa.String(60), nullable=False),
        sa.Column("ancestry", sa.String(60), nullable=False),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("host_name", sa.String(150), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("rt", sa.String(3), nullable=False),
        sa.Column("rw", sa.String(3), nullable=False),
        sa.Column("dusun", sa.String(80), nullable=False),
        sa.Column("arrived_on", sa.Date(), nullable=False),
        sa.Column("departed_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_temporary_resident_arrived", "temporary_resident", ["arrived_on"])
    op.create_table(
        "incoming_letter",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("agenda_number", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("letter_number", sa.String(120), nullable=False),
        sa.Column("letter_date", sa.Date(), nullable=True),
        sa.Column("sender", sa.String(200), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("disposition", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("year", "agenda_number", name="uq_incoming_letter_agenda"),
    )
    op.create_table(
        "letter_dispatch",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("letter_number", sa.String(120), nullable=False),
        sa.Column("letter_date", sa.Date(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("addressee", sa.String(200), nullable=False),
        sa.Column("letter_id", sa.String(36), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("year", "sequence", name="uq_letter_dispatch_sequence"),
    )


def downgrade() -> None:
    op.drop_table("letter_dispatch")
    op.drop_table("incoming_letter")
    op.drop_index("ix_temporary_resident_arrived", table_name="temporary_resident")
    op.drop_table("temporary_resident")
    op.drop_table("monthly_report")
