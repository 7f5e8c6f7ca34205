"""The store: pragmas, migrations with a backup first, the audit chain and the outbox helper."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.actor import Actor
from kiosk.changes import record_change, verify_audit_chain
from kiosk.db import Store, current_revision, head_revision, upgrade
from kiosk.ids import new_id
from kiosk.models import AuditEntry, OutboxChange, Setting
from kiosk.services import Services


def test_pragmas(services: Services) -> None:
    with services.store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_schema_at_head_and_backup_before_migration(tmp_path: Path) -> None:
    store = Store.open(tmp_path, migrate=False)
    upgrade(store, "head")
    assert current_revision(store) == head_revision()
    # A fresh database is not backed up (nothing to lose) ...
    assert not list(store.paths.backups.glob("*.sqlite3"))
    # ... a database at an older revision is copied before it is upgraded.
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num='0000_fake'")
    from kiosk import db

    calls: list[str] = []
    original = db.backup_database_file
    db.backup_database_file = lambda st, reason: calls.append(reason) or original(st, reason)  # type: ignore[assignment]
    try:
        with pytest.raises(Exception, match="0000_fake"):  # the fake revision is unknown to alembic
            upgrade(store)
    finally:
        db.backup_database_file = original  # type: ignore[assignment]
    assert calls == ["pre-migration-0000_fake"]
    backups = list(store.paths.backups.glob("pre-migration-*.sqlite3"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as b:
        assert b.execute("SELECT version_num FROM alembic_version").fetchone() == ("0000_fake",)
    store.close()


def test_ids_are_time_ordered_uuid7() -> None:
    ids = [new_id() for _ in range(200)]
    assert all(i[14] == "7" for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == 200


def test_record_change_writes_audit_and_outbox_together(services: Services) -> None:
    actor = Actor.system("test")
    with services.store.write() as s:
        s.add(Setting(key="x", value=1))
        record_change(s, actor, entity="resident", entity_id="r1", op="create", payload={"name": "Sumarni"})
    with services.store.read() as s:
        change = s.execute(select(OutboxChange).where(OutboxChange.entity_id == "r1")).scalar_one()
        assert change.state == "pending"
        assert change.payload["village"] == "35.10.01.2001"
        assert len(change.payload_hash) == 64
        audit = s.execute(select(AuditEntry).where(AuditEntry.entity_id == "r1")).scalar_one()
        assert audit.details == {"fields": ["name"]}  # names of fields, never their values


def test_failed_transaction_leaves_no_audit_or_outbox(services: Services) -> None:
    actor = Actor.system("test")
    with services.store.read() as s:
        before = (s.query(AuditEntry).count(), s.query(OutboxChange).count())
    with pytest.raises(RuntimeError), services.store.write() as s:
        record_change(s, actor, entity="resident", entity_id="r2", op="create", payload={"name": "X"})
        raise RuntimeError("disk full")
    with services.store.read() as s:
        assert (s.query(AuditEntry).count(), s.query(OutboxChange).count()) == before


def test_local_users_are_audited_but_not_synced(services: Services) -> None:
    with services.store.read() as s:
        assert not s.execute(select(OutboxChange).where(OutboxChange.entity == "user")).first()
        assert s.execute(select(AuditEntry).where(AuditEntry.action == "user.create")).first()


def test_audit_chain_verifies_and_reports_first_tampered_entry(services: Services) -> None:
    actor = Actor.system("test")
    for i in range(5):
        with services.store.write() as s:
            record_change(s, actor, entity="resident", entity_id=f"r{i}", op="create", payload={"i": i})
    with services.store.read() as s:
        result = verify_audit_chain(s)
        assert result.ok and result.checked >= 5
        target = s.execute(select(AuditEntry.seq).where(AuditEntry.entity_id == "r2")).scalar_one()
    # The database refuses edits of the trail ...
    raw = sqlite3.connect(services.store.paths.database)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("UPDATE audit_entry SET action='x' WHERE seq=?", (target,))
    # ... and someone who removes the guard is caught by the chain.
    raw.execute("DROP TRIGGER audit_entry_no_update")
    raw.execute("UPDATE audit_entry SET details='{\"i\": 99}' WHERE seq=?", (target,))
    raw.commit()
    raw.close()
    with services.store.read() as s:
        result = verify_audit_chain(s)
    assert not result.ok
    assert result.first_bad_seq == target
    assert result.reason == "altered"


def test_concurrent_writers_keep_the_chain_intact(services: Services) -> None:
    actor = Actor.system("test")
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(20):
                with services.store.write() as s:
                    record_change(s, actor, entity="resident", entity_id=f"t{n}-{i}", op="create",
                                  payload={"n": n})
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with services.store.read() as s:
        assert verify_audit_chain(s).ok
        seqs = list(s.execute(select(OutboxChange.seq).order_by(OutboxChange.seq)).scalars())
    assert len(seqs) == len(set(seqs)) >= 80


def test_name_folding_for_search() -> None:
    from kiosk.text import fold_name

    assert fold_name("H. Ma'ruf") == "h maruf"
    assert fold_name("Ma’ruf") == "maruf"
    assert fold_name("Abd. Rahman") == "abd rahman"
    assert fold_name("  Ni Luh Putu  Dé ") == "ni luh putu de"
