"""The start-up check: is the database file sound? If not, which backup would bring it back?

Runs before the store is opened (opening runs migrations, which would fail on a damaged file) with a
plain sqlite3 connection: ``PRAGMA quick_check`` (O(N) but without the index cross-checks of
``integrity_check``). On damage it names the newest backup that passes its own check, so the program
can offer to restore it instead of crashing (``BackupService.recover_damaged``).
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.paths import DataPaths

if TYPE_CHECKING:
    from kiosk.services.backup import BackupInfo, RestoreResult

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StartupCheck:
    ok: bool
    detail: str  # "ok", "missing" (a new data directory) or what SQLite reported
    database: Path
    newest_good_backup: BackupInfo | None = None


def quick_check(data_dir: str | Path | DataPaths | None = None) -> StartupCheck:
    """Check the data directory's database; on damage also find the newest good backup."""
    paths = data_dir if isinstance(data_dir, DataPaths) else DataPaths.resolve(data_dir)
    database = paths.database
    if not database.exists() or database.stat().st_size == 0:
        return StartupCheck(True, "missing", database)
    detail = _quick_check_file(database)
    if detail == "ok":
        return StartupCheck(True, "ok", database)
    log.error("the database %s failed its start-up check: %s", database, detail)
    return StartupCheck(False, detail, database, newest_good_backup(paths))


def _quick_check_file(database: Path) -> str:
    try:
        con = sqlite3.connect(database, timeout=15)
        try:
            rows = con.execute("PRAGMA quick_check").fetchall()
        finally:
            con.close()
    except sqlite3.DatabaseError as e:  # "file is not a database", "database disk image is malformed"
        return str(e) or "not a database"
    if rows == [("ok",)]:
        return "ok"
    return "; ".join(str(r[0]) for r in rows[:5])


def newest_good_backup(paths: DataPaths) -> BackupInfo | None:
    """The newest backup in the data directory's backups folder that passes its check, or None."""
    from kiosk.db import Store
    from kiosk.services.backup import BackupService

    store = Store(paths)  # no connection is made: the service only reads backup files here
    try:
        return BackupService(store).newest_good()
    finally:
        store.close()


def recover(data_dir: str | Path | DataPaths | None, backup: BackupInfo | Path) -> RestoreResult:
    """Set the damaged database aside and restore ``backup`` (a BackupInfo or a path)."""
    from kiosk.db import Store
    from kiosk.services.backup import BackupService

    paths = data_dir if isinstance(data_dir, DataPaths) else DataPaths.resolve(data_dir)
    store = Store(paths)
    try:
        return BackupService(store).recover_damaged(backup if isinstance(backup, Path) else backup.path)
    finally:
        store.close()
