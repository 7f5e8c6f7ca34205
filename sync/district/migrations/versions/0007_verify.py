"""verify page: what was issued (a summary with NIKs masked) and when a letter was voided

Revision ID: 0007_verify
Revises: 0002_monitoring
Create Date: 2026-12-04 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_verify"
down_revision = "0006_enrol_hwm"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("letters") as batch:
        batch.add_column(sa.Column("summary", sa.Text(), nullable=True))
        batch.add_column(sa.Column("voided_at", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("letters") as batch:
        batch.drop_column("voided_at")
        batch.drop_column("summary")
