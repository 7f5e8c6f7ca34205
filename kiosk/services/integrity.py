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


def quick_check(data_dir: str | Path | DataPaths | None = None, *, thorough: bool = True) -> StartupCheck:
    """Check the data directory's database; on damage also find the newest good backup.

    ``thorough`` runs ``PRAGMA quick_check`` over every page (about 1 s for 100,000 residents on this
    machine: too slow before the window, so the program runs it in the background after sign-in);
    without it only the header, the schema and the office tables are read (milliseconds), which catches a
    file that is not a database, a broken schema and the damage that stops the program from opening.
    """
    paths = data_dir if isinstance(data_dir, DataPaths) else DataPaths.resolve(data_dir)
    database = paths.database
    if not database.exists() or database.stat().st_size == 0:
        return StartupCheck(True, "missing", database)
    marker = damage_marker(paths)
    thorough = thorough or marker.exists()  # damage seen before: check every page now
    detail = _quick_check_file(database) if thorough else _light_check_file(database)
    if detail == "ok":
        marker.unlink(missing_ok=True)
        return StartupCheck(True, "ok", database)
    log.error("the database %s failed its start-up check: %s", database, detail)
    try:
        marker.write_text(detail[:500], encoding="utf-8")
    except OSError:
        pass
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


def damage_marker(paths: DataPaths) -> Path:
    """A file that remembers damage found by a background check, so the next start checks thoroughly."""
    return paths.root / ".database-damaged"


def _light_check_file(database: Path) -> str:
    try:
        con = sqlite3.connect(database, timeout=15)
        try:
            con.execute("PRAGMA schema_version").fetchone()
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            for table in ("alembic_version", "office_profile", "device", "user"):
                if table in tables:
                    con.execute(f'SELECT * FROM "{table}"').fetchall()
        finally:
            con.close()
    except sqlite3.DatabaseError as e:
        return str(e) or "not a database"
    return "ok"


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
