"""e-budgeting: the villages' APBDes, realization sums, reports and the year's Dana Desa rules

Revision ID: 0005_budget
Revises: 0002_monitoring
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_budget"
down_revision = "0004_monthly_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "budget_apbdes",
        sa.Column("village", sa.String(32), primary_key=True),
        sa.Column("apbdes_id", sa.String(64), primary_key=True),
        sa.Column("tahun", sa.Integer(), nullable=False),
        sa.Column("versi", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("perdes_no", sa.String(60), nullable=False),
        sa.Column("perdes_date", sa.Date(), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=True),
        *[sa.Column(c, sa.BigInteger(), nullable=False) for c in (
            "pendapatan", "belanja", "penerimaan", "pengeluaran", "dana_desa", "dds_belanja", "blt", "pangan",
            "operasional")],
        sa.Column("per_bidang", sa.JSON(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_budget_apbdes_tahun", "budget_apbdes", ["tahun"])
    op.create_table(
        "budget_realization_sums",
        sa.Column("village", sa.String(32), primary_key=True),
        sa.Column("tahun", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(12), primary_key=True),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=True),
    )
    op.create_table(
        "budget_reports",
        sa.Column("village", sa.String(32), primary_key=True),
        sa.Column("tahun", sa.Integer(), primary_key=True),
        sa.Column("periode", sa.String(12), primary_key=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("report_id", sa.String(64), nullable=False),
    )
    op.create_table(
        "budget_rules",
        sa.Column("tahun", sa.Integer(), primary_key=True),
        sa.Column("blt_max", sa.Numeric(5, 2), nullable=False),
        sa.Column("pangan_min", sa.Numeric(5, 2), nullable=False),
        sa.Column("operasional_max", sa.Numeric(5, 2), nullable=False),
        sa.Column("semester1_deadline", sa.Date(), nullable=False),
        sa.Column("final_deadline", sa.Date(), nullable=False),
        sa.Column("set_deadline", sa.Date(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("budget_rules")
    op.drop_table("budget_reports")
    op.drop_table("budget_realization_sums")
    op.drop_index("ix_budget_apbdes_tahun", table_name="budget_apbdes")
    op.drop_table("budget_apbdes")
