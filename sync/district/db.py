"""The district database: engine (SQLite WAL by default, PostgreSQL by URL), transactions, migrations.

Writes that hand out server sequence numbers or letter numbers are serialised so that sequence order is
commit order: SQLite opens every write with ``BEGIN IMMEDIATE`` (one writer at a time); PostgreSQL takes
a transaction-scoped advisory lock (`lock_sequence`) before assigning.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from sync.district.settings import ENV_DB as ENV_DB  # re-exported (cli)
from sync.district.settings import ServerSettings

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
APP_NAME = "smart-kampung-district"

# Advisory lock keys (PostgreSQL): one for the change-log sequence, one for letter-number leases.
LOCK_CHANGE_SEQ = 0x534B_0001
LOCK_LEASES = 0x534B_0002


def default_db_url() -> str:
    """``SMART_KAMPUNG_DISTRICT_DB`` or a SQLite file in the platformdirs data directory."""
    env = ServerSettings.from_env().db_url
    if env:
        return env
    import platformdirs

    root = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    root.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{root / 'district.sqlite3'}"


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy's "begin" event emits BEGIN itself
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        # FULL: the server acknowledges a change only once it is durable; the device then forgets it.
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("district_readonly"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        if url in ("sqlite://", "sqlite:///:memory:"):
            raise ValueError("the district server needs a file database, not :memory:")
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


class Database:
    """The opened district database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.is_postgres = self.engine.dialect.name == "postgresql"
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            self.engine.execution_options(district_readonly=True), expire_on_commit=False
        )

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading (a deferred transaction on SQLite)."""
        with self._read_sessions() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction (``BEGIN IMMEDIATE`` on SQLite), committed at the end."""
        with self._sessions() as session, session.begin():
            yield session

    def lock(self, session: Session, key: int) -> None:
        """Serialise with other writers holding `key` until this transaction ends (PostgreSQL only;
        SQLite writers are already serialised by BEGIN IMMEDIATE)."""
        if self.is_postgres:
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})

    def upgrade(self) -> None:
        """Bring the schema to the newest migration."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        with self.engine.connect() as connection:
            if self.is_postgres:
                # Several workers may start at once: one migrates, the others wait.
                connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": 0x534B_00FF})
            try:
                cfg.attributes["connection"] = connection
                command.upgrade(cfg, "head")
                connection.commit()
            finally:
                if self.is_postgres:
                    connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": 0x534B_00FF})
                    connection.commit()

    def dispose(self) -> None:
        self.engine.dispose()
