"""e-monitoring: district user accounts, device status reports, indexes for the aggregate pages

Revision ID: 0002_monitoring
Revises: 0001
Create Date: 2026-11-28 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_monitoring"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "district_users",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("username", name="uq_district_users_username"),
    )
    op.create_table(
        "device_reports",
        sa.Column("device_id", sa.String(length=64), sa.ForeignKey("devices.id"), primary_key=True),
        sa.Column("village", sa.String(length=32), nullable=False),
        sa.Column("pending", sa.Integer(), nullable=False),
        sa.Column("needs_action", sa.Integer(), nullable=False),
        sa.Column("oldest_pending_at", sa.String(length=40), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_device_reports_village", "device_reports", ["village"])
    # The overview counts a month of letters for every village: a covering range scan by date.
    op.create_index("ix_letters_issued_village", "letters", ["issued_at", "village", "voided"])
    # Village page: letters of one village by day and type.
    op.create_index("ix_letters_village_issued_type", "letters", ["village", "issued_at", "voided", "type_code"])
    op.create_index("ix_complaints_village_received", "complaint_projection",
                    ["village", "received_at", "status", "first_response_at", "due_at"])
    op.create_index("ix_complaints_status_village", "complaint_projection", ["status", "village"])
    op.create_index("ix_requests_status_village", "request_projection", ["status", "village"])


def downgrade() -> None:
    op.drop_index("ix_requests_status_village", "request_projection")
    op.drop_index("ix_complaints_status_village", "complaint_projection")
    op.drop_index("ix_complaints_village_received", "complaint_projection")
    op.drop_index("ix_letters_village_issued_type", "letters")
    op.drop_index("ix_letters_issued_village", "letters")
    op.drop_index("ix_device_reports_village", "device_reports")
    op.drop_table("device_reports")
    op.drop_table("district_users")
