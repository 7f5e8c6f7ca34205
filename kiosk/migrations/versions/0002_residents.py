"""Residents: full-text index over folded names for search as you type (FTS5, kept by triggers).

The index is an external-content FTS5 table over ``resident.name_search`` keyed by the resident's
rowid, so every writer (services, the importer's bulk Core inserts, the demo village, sync apply)
keeps it current through the triggers without knowing it exists. Prefix indexes of 1-3 characters
make the first keystrokes cheap. ``VACUUM`` keeps rowids of this table in the SQLite we ship; after
any tool that renumbers rows, ``kiosk.services.residents_search.rebuild_search_index`` restores it.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TRIGGERS = {
    "resident_fts_ai": """
        CREATE TRIGGER resident_fts_ai AFTER INSERT ON resident BEGIN
          INSERT INTO resident_fts(rowid, name_search) VALUES (new.rowid, new.name_search);
        END""",
    "resident_fts_ad": """
        CREATE TRIGGER resident_fts_ad AFTER DELETE ON resident BEGIN
          INSERT INTO resident_fts(resident_fts, rowid, name_search)
          VALUES ('delete', old.rowid, old.name_search);
        END""",
    "resident_fts_au": """
        CREATE TRIGGER resident_fts_au AFTER UPDATE OF name_search ON resident BEGIN
          INSERT INTO resident_fts(resident_fts, rowid, name_search)
          VALUES ('delete', old.rowid, old.name_search);
          INSERT INTO resident_fts(rowid, name_search) VALUES (new.rowid, new.name_search);
        END""",
}


def upgrade() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE resident_fts USING fts5(name_search, content='resident', "
        "content_rowid='rowid', tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')"
    )
    for sql in _TRIGGERS.values():
        op.execute(sql)
    op.execute("INSERT INTO resident_fts(resident_fts) VALUES ('rebuild')")
    # Filters of the resident list; NIK/KK prefix search uses the existing nik and kk indexes (GLOB).
    op.execute("CREATE INDEX IF NOT EXISTS ix_resident_birth_date ON resident (birth_date)")
    op.execute("CREATE INDEX IF NOT EXISTS ix_family_head ON family (head_resident_id)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_family_head")
    op.execute("DROP INDEX IF EXISTS ix_resident_birth_date")
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS resident_fts")
