"""Monthly population reports: a slim projection of each closed/re-opened report (village totals only),
so the e-monitoring recap of every village reads a few hundred small rows instead of parsing every
report's JSON; filled from the reports already received.

Revision ID: 0004_monthly_reports
Revises: 0002_monitoring
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004_monthly_reports"
down_revision = "0003_village_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "monthly_report_projection",
        sa.Column("village", sa.String(32), primary_key=True),
        sa.Column("report_id", sa.String(64), primary_key=True),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("closed_at", sa.String(40), nullable=True),
        sa.Column("pop_start", sa.Integer(), nullable=True),
        sa.Column("births", sa.Integer(), nullable=True),
        sa.Column("deaths", sa.Integer(), nullable=True),
        sa.Column("moved_in", sa.Integer(), nullable=True),
        sa.Column("moved_out", sa.Integer(), nullable=True),
        sa.Column("pop_end", sa.Integer(), nullable=True),
        sa.Column("families_end", sa.Integer(), nullable=True),
    )
    op.create_index("ix_monthly_report_projection_month", "monthly_report_projection", ["village", "state", "month"])
    conn = op.get_bind()
    rows: list[dict[str, Any]] = []
    for village, entity_id, data, deleted in conn.execute(sa.text(
            "SELECT village, entity_id, data, deleted FROM records WHERE entity = 'monthly_report'")):
        if deleted:
            continue
        row = projection_row(village, entity_id, data if isinstance(data, dict) else json.loads(data))
        if row is not None:
            rows.append(row)
    if rows:
        op.bulk_insert(table, rows)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def projection_row(village: str, report_id: str, data: Any) -> dict[str, Any] | None:
    """As ``sync.district.monthly_reports.projection_row`` when this migration was written (kept here so
    the migration does not change when that module does)."""
    if not isinstance(data, dict) or not data.get("month"):
        return None
    block = (data.get("figures") or {}).get("village") or {}
    total = (block.get("total") or {}).get("all") or {}
    row = {"village": village, "report_id": report_id, "month": str(data["month"])[:7],
           "revision": _int(data.get("revision")) or 0, "state": str(data.get("state") or "")[:12],
           "closed_at": str(data.get("closed_at") or "")[:40] or None,
           "families_end": _int((block.get("families") or {}).get("end"))}
    for key, column in (("start", "pop_start"), ("births", "births"), ("deaths", "deaths"),
                        ("moved_in", "moved_in"), ("moved_out", "moved_out"), ("end", "pop_end")):
        row[column] = _int(total.get(key))
    return row


def downgrade() -> None:
    op.drop_index("ix_monthly_report_projection_month", table_name="monthly_report_projection")
    op.drop_table("monthly_report_projection")
