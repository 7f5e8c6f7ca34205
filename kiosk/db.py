"""The office store: one SQLite file (WAL, synchronous=FULL), its sessions and its migrations.

Reads use ordinary deferred transactions. Writes go through ``Store.write()``, which opens the
transaction with ``BEGIN IMMEDIATE`` so two writers (two threads, two processes) are serialised at the
start instead of failing half-way; the audit chain and number allocation rely on that.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from kiosk.paths import DataPaths

log = logging.getLogger(__name__)
_T = TypeVar("_T")

# Two office PCs may issue at the same moment; a writer waits its turn rather than fail (SQLite's busy
# handler is not fair, so a long burst on one PC can keep another waiting for several seconds).
BUSY_TIMEOUT_MS = 60_000
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _configure_engine(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own handling is broken).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        # FULL: with NORMAL a power cut can undo the last commits (issued letters!).
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("sk_immediate"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def make_engine(database: Path) -> Engine:
    engine = create_engine(
        f"sqlite:///{database}",
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )
    _configure_engine(engine)
    return engine


class Store:
    """The opened office database of one data directory."""

    def __init__(self, paths: DataPaths, engine: Engine | None = None) -> None:
        self.paths = paths
        self.engine = engine or make_engine(paths.database)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def open(cls, data_dir: str | Path | None = None, *, migrate: bool = True) -> Store:
        paths = DataPaths.resolve(data_dir).ensure()
        store = cls(paths)
        if migrate:
            upgrade(store)
        return store

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading (deferred transaction, released at the end; objects stay loaded)."""
        with self._sessions() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One unit of work: BEGIN IMMEDIATE, commit at the end, roll back on any error."""
        from kiosk.storage_errors import storage_errors

        # A full or read-only disk, an I/O error or a damaged file becomes a StorageError with a clear
        # message in the user's language, whichever service was writing.
        with storage_errors(), self._sessions() as session:
            session.connection(execution_options={"sk_immediate": True})
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def close(self) -> None:
        self.engine.dispose()


def get_or_raise(session: Session, model: type[_T], key: Any) -> _T:
    """The row of ``model`` with primary key ``key``, or ``NotFound`` (one helper for every service)."""
    from kiosk.errors import NotFound

    row = session.get(model, key)
    if row is None:
        raise NotFound()
    return row


# --- migrations --------------------------------------------------------------------------------


def _alembic_config(store: Store) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection_engine"] = store.engine
    return cfg


def current_revision(store: Store) -> str | None:
    with store.engine.connect() as conn:
        has_table = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).first()
        if not has_table:
            return None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return row[0] if row else None


def head_revision() -> str:
    """The newest migration, as Alembic's ``ScriptDirectory`` sees it (exactly one head)."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory(str(MIGRATIONS_DIR)).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have exactly one head, found {sorted(heads)}")
    return str(heads[0])


def _migrations_fingerprint() -> str:
    import hashlib

    h = hashlib.sha256()
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        st = path.stat()
        h.update(f"{path.name}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _known_head(store: Store) -> str:
    """``head_revision()``, remembered in ``<data>/cache`` until a migration file changes: start-up does
    not import Alembic (half a second here) just to learn that nothing needs to run."""
    import json

    from kiosk import durable

    cache = store.paths.root / "cache" / "schema-head.json"
    fingerprint = _migrations_fingerprint()
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
        if data.get("fingerprint") == fingerprint and data.get("head"):
            return str(data["head"])
    except (OSError, ValueError, AttributeError):
        pass
    head = head_revision()
    try:
        durable.write_text(cache, json.dumps({"fingerprint": fingerprint, "head": head}))
    except OSError:
        log.warning("could not remember the schema head in %s", cache)
    return head


def backup_database_file(store: Store, reason: str) -> Path | None:
    """Copy the database with SQLite's online backup API before a risky step (e.g. a migration)."""
    db = store.paths.database
    if not db.exists() or db.stat().st_size == 0:
        return None
    from kiosk.models import utcnow

    store.paths.backups.mkdir(parents=True, exist_ok=True)
    target = store.paths.backups / f"{reason}-{utcnow():%Y%m%d-%H%M%S-%f}.sqlite3"
    src = sqlite3.connect(db)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    log.info("database copied to %s before %s", target.name, reason)
    return target


def upgrade(store: Store, revision: str = "head") -> None:
    """Bring the schema to ``revision``; the database is backed up first when a migration will run."""
    current = current_revision(store)
    target = _known_head(store) if revision == "head" else revision
    if current == target:
        return
    from alembic import command  # only when a migration runs: start-up stays fast

    if current is not None:
        backup_database_file(store, f"pre-migration-{current}")
    command.upgrade(_alembic_config(store), revision)
    log.info("schema upgraded from %s to %s", current, target)
