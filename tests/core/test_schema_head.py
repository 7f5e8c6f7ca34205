"""The schema head comes from Alembic (ScriptDirectory); start-up remembers it until a migration changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk import db as kdb
from kiosk.db import Store, current_revision, head_revision


def test_head_is_alembics_and_a_stale_memory_is_not_trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from alembic.script import ScriptDirectory

    assert head_revision() == ScriptDirectory(str(kdb.MIGRATIONS_DIR)).get_current_head()
    store = Store.open(tmp_path / "data", migrate=True)
    try:
        cache = store.paths.root / "cache" / "schema-head.json"
        assert json.loads(cache.read_text(encoding="utf-8"))["head"] == head_revision()
        asked: list[int] = []
        real = kdb.head_revision
        monkeypatch.setattr(kdb, "head_revision", lambda: asked.append(1) or real())
        kdb.upgrade(store)  # remembered: Alembic is not asked
        assert asked == []
        cache.write_text(json.dumps({"fingerprint": "an older set of migrations", "head": "0001_x"}), encoding="utf-8")
        kdb.upgrade(store)  # the migrations changed since: ask again, and stay at the real head
        assert asked == [1] and current_revision(store) == real()
    finally:
        store.close()
