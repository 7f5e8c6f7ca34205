"""village keys: letters and the case projections keyed by (village, id); letters indexed by number;
server-side e-monitoring sessions and one-time sign-in links (district_tokens)

Before this, the letters, request and complaint projections were keyed by id alone, so a device of one
village could take (or overwrite) another village's row by reusing its id (ids are printed in QR codes).

Data: every existing row already carries its village (the column was NOT NULL from 0001); rows whose
village is empty (hand-made or imported) get it from the synced record of the same id, else from the
signing device (letters). The primary keys are then rebuilt on (village, id).

Revision ID: 0003_village_keys
Revises: 0002_monitoring
Create Date: 2026-12-04 02:00:00
"""

from __future__ import annotations

import warnings

import sqlalchemy as sa
from alembic import op

revision = "0003_village_keys"
down_revision = "0002_monitoring"
branch_labels = None
depends_on = None

# (table, id column, entity of the synced record)
_TABLES = (("letters", "letter_id", "letter"), ("request_projection", "id", "letter_request"),
           ("complaint_projection", "id", "complaint"))


def _fill_villages() -> None:
    for table, id_col, entity in _TABLES:
        op.execute(sa.text(
            f"UPDATE {table} SET village = (SELECT MIN(r.village) FROM records r "
            f"WHERE r.entity = :entity AND r.entity_id = {table}.{id_col}) "
            f"WHERE (village IS NULL OR village = '') AND EXISTS (SELECT 1 FROM records r "
            f"WHERE r.entity = :entity AND r.entity_id = {table}.{id_col})").bindparams(entity=entity))
    op.execute(sa.text(
        "UPDATE letters SET village = (SELECT d.village FROM devices d WHERE d.id = letters.signing_device) "
        "WHERE (village IS NULL OR village = '') AND signing_device IS NOT NULL"))


def _rekey(table: str, columns: list[str]) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(f"{table}_pkey", table, type_="primary")
        op.create_primary_key(f"{table}_pkey", table, columns)
        return
    # SQLite cannot alter a primary key: batch mode copies the table into a new one with the new key
    # (SQLAlchemy warns that the copied columns' old primary-key flags are replaced: that is the point).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*specifies columns .* as primary_key=True", category=sa.exc.SAWarning)
        with op.batch_alter_table(table, recreate="always") as batch:
            batch.create_primary_key(f"pk_{table}", columns)


def upgrade() -> None:
    _fill_villages()
    _rekey("letters", ["village", "letter_id"])
    _rekey("request_projection", ["village", "id"])
    _rekey("complaint_projection", ["village", "id"])
    # Two letters of a village with the same official number text are refused at push: looked up here.
    op.create_index("ix_letters_village_number", "letters", ["village", "number"])
    # e-monitoring sessions and one-time sign-in links, kept server-side so "Keluar" and a used link end them
    op.create_table(
        "district_tokens",
        sa.Column("token_hash", sa.String(length=64), primary_key=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("district_users.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_district_tokens_user_id", "district_tokens", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_district_tokens_user_id", "district_tokens")
    op.drop_table("district_tokens")
    op.drop_index("ix_letters_village_number", "letters")
    _rekey("complaint_projection", ["id"])
    _rekey("request_projection", ["id"])
    _rekey("letters", ["letter_id"])
