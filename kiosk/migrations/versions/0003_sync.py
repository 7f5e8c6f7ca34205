"""Sync: local sync state (cursor, clock offset, backoff...), issues for staff (conflicts, rejected
changes, pulled changes that could not be applied) and the server version of each synced record.

Revision ID: 0003_sync
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_sync"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.JSON(), nullable=True),
    )
    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),  # conflict | rejected | apply_failed
        sa.Column("change_id", sa.String(36), nullable=True),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(64), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),  # {field: {"local": .., "server": ..}}
        sa.Column("server_version", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_by", sa.String(60), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolution", sa.JSON(), nullable=True),
    )
    op.create_index("ix_sync_conflict_open", "sync_conflict", ["resolved_at", "entity", "entity_id"])
    op.create_table(
        "sync_record",
        sa.Column("entity", sa.String(40), primary_key=True),
        sa.Column("entity_id", sa.String(64), primary_key=True),
        sa.Column("server_version", sa.Integer(), nullable=False),  # the base of the next change sent
        sa.Column("applied_version", sa.Integer(), nullable=False, server_default="0"),  # state held here
        sa.Column("deferred", sa.JSON(), nullable=True),  # a pulled state held back by local changes
    )


def downgrade() -> None:
    op.drop_table("sync_record")
    op.drop_index("ix_sync_conflict_open", table_name="sync_conflict")
    op.drop_table("sync_conflict")
    op.drop_table("sync_state")
