"""APBDes: the village budget per year and version, its lines and the realization ledger.

Revision ID: 0005_apbdes
Revises: 0003_sync
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_apbdes"
down_revision = "0004_books"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "apbdes",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tahun", sa.Integer(), nullable=False),
        sa.Column("versi", sa.Integer(), nullable=False),
        sa.Column("perdes_no", sa.String(60), nullable=False),
        sa.Column("perdes_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("siskeudes_version", sa.String(40), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=True),
        sa.Column("reference_version", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("tahun", "versi", name="uq_apbdes_tahun_versi"),
    )
    op.create_table(
        "apbdes_line",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("apbdes_id", sa.String(36), sa.ForeignKey("apbdes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("no", sa.Integer(), nullable=False),
        sa.Column("kode_rekening", sa.String(20), nullable=False),
        sa.Column("kode_kegiatan", sa.String(12), nullable=True),
        sa.Column("uraian", sa.Text(), nullable=False),
        sa.Column("volume", sa.String(24), nullable=True),
        sa.Column("satuan", sa.String(40), nullable=False),
        sa.Column("harga_satuan", sa.BigInteger(), nullable=True),
        sa.Column("sumber_dana", sa.String(10), nullable=False),
        sa.Column("anggaran", sa.BigInteger(), nullable=False),
        sa.Column("lokasi", sa.String(200), nullable=False),
        sa.Column("keluaran", sa.String(200), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
    )
    op.create_index("ix_apbdes_line_apbdes", "apbdes_line", ["apbdes_id", "no"])
    op.create_table(
        "apbdes_realisasi",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tahun", sa.Integer(), nullable=False),
        sa.Column("tanggal", sa.Date(), nullable=False),
        sa.Column("kode_rekening", sa.String(20), nullable=False),
        sa.Column("kode_kegiatan", sa.String(12), nullable=True),
        sa.Column("sumber_dana", sa.String(10), nullable=False),
        sa.Column("jumlah", sa.BigInteger(), nullable=False),
        sa.Column("jenis", sa.String(10), nullable=False),
        sa.Column("bukti_no", sa.String(60), nullable=False),
        sa.Column("uraian", sa.Text(), nullable=False),
        sa.Column("source_ref", sa.String(200), nullable=True),
        sa.Column("corrects_id", sa.String(36), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(60), nullable=False),
    )
    op.create_index("ix_apbdes_realisasi_year", "apbdes_realisasi", ["tahun", "kode_rekening", "kode_kegiatan"])
    op.create_index("ix_apbdes_realisasi_ref", "apbdes_realisasi", ["tahun", "source_ref"])
    op.create_table(
        "apbdes_laporan",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tahun", sa.Integer(), nullable=False),
        sa.Column("periode", sa.String(12), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("pdf_sha256", sa.String(64), nullable=False),
        sa.Column("submitted_by", sa.String(60), nullable=False),
    )
    # The ledger is append-only: the database itself refuses to change or remove an entry.
    op.execute("CREATE TRIGGER apbdes_realisasi_no_update BEFORE UPDATE ON apbdes_realisasi "
               "BEGIN SELECT RAISE(ABORT, 'apbdes_realisasi is append-only'); END")
    op.execute("CREATE TRIGGER apbdes_realisasi_no_delete BEFORE DELETE ON apbdes_realisasi "
               "BEGIN SELECT RAISE(ABORT, 'apbdes_realisasi is append-only'); END")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS apbdes_realisasi_no_delete")
    op.execute("DROP TRIGGER IF EXISTS apbdes_realisasi_no_update")
    op.drop_table("apbdes_laporan")
    op.drop_index("ix_apbdes_realisasi_ref", table_name="apbdes_realisasi")
    op.drop_index("ix_apbdes_realisasi_year", table_name="apbdes_realisasi")
    op.drop_table("apbdes_realisasi")
    op.drop_index("ix_apbdes_line_apbdes", table_name="apbdes_line")
    op.drop_table("apbdes_line")
    op.drop_table("apbdes")

