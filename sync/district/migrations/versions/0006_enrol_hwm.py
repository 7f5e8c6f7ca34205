"""enrolment facts: the local device id of letters signed before enrolment, number marks per device

Revision ID: 0006_enrol_hwm
Revises: 0003_village_keys (re-chained at the d1 + d2 merge; d2 wrote it on 0002_monitoring)
Create Date: 2026-12-04 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_enrol_hwm"
down_revision = "0005_budget"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_enrolments",
        sa.Column("device_id", sa.String(length=64), sa.ForeignKey("devices.id"), primary_key=True),
        sa.Column("village", sa.String(length=32), nullable=False),
        sa.Column("local_device_id", sa.String(length=64), nullable=True),
        sa.Column("numbers", sa.JSON(), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_device_enrolments_local", "device_enrolments", ["village", "local_device_id"])


def downgrade() -> None:
    op.drop_index("ix_device_enrolments_local", "device_enrolments")
    op.drop_table("device_enrolments")
