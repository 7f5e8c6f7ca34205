"""Cadangan: backups of the office database and the archived letter PDFs, their rotation and restore.

The backup file
---------------
One ``.zip`` per backup, named ``smart-kampung-<village digits>-<reason>-<YYYYmmdd-HHMMSS>[-n].zip``
(UTC time), holding:

- ``smart-kampung.sqlite3`` — a copy of the database made with SQLite's online backup API (never a
  file copy of the live database), switched to a single-file journal, checked with
  ``PRAGMA integrity_check`` before it is packed;
- ``archive/...`` — every file of the data directory's ``archive`` folder (the issued letters' PDFs),
  stored as they are;
- ``manifest.json`` — ``format`` ("smart-kampung-backup"), ``format_version``, ``reason``, ``created``
  (UTC, ISO), ``village_code``, ``village_name``, ``device_id``, ``schema_revision``, ``app_version``,
  ``sha256`` and ``size`` of the database copy, its ``integrity_check`` result, the row count of every
  table, and the ``sha256``/``size`` of every archive file.

The zip is written under a temporary name (``.<name>.tmp``) in the target folder, fsynced, renamed into
place and read back (every hash compared) — a crash or a full disk never leaves a half backup under a
backup's name. A second copy goes to the "second folder" setting (e.g. a USB drive) the same way; a
missing drive is reported, never fatal to the first copy.

Rotation (in the data directory's ``backups`` folder, and in the second folder; per village)
--------------------------------------------------------------------------------------------
- ``daily`` backups: grandfather-father-son like ``restic forget --keep-daily 7 --keep-weekly 4
  --keep-monthly 12``: the newest backup of each of the 7 newest days that have one, of each of the 4
  newest ISO weeks, and of each of the 12 newest months (one backup can count for a day, a week and a
  month at once). Days are the computer's local calendar days.
- ``manual``, ``pre-migration`` and ``pre-restore`` backups: the newest 10 of each kind
  (setting ``backup.keep_other``). Older ``pre-migration-*.sqlite3`` copies made by ``kiosk.db`` before
  this service existed count as pre-migration backups.

Restore
-------
A file is refused with a clear message when it is not a Smart Kampung backup (``NotABackup``), when
it is damaged (``BackupCorrupt``: bad zip, hash mismatch, failed integrity check), when it belongs to
another village (``WrongVillage``) or when a newer program made it (``BackupTooNew``). Otherwise the
current database is first saved as a ``pre-restore`` backup, then the engine's connections are closed,
the WAL is checkpointed, the verified copy (already fsynced beside the database) is renamed over the
database, stale ``-wal``/``-shm`` files are removed and the directory is fsynced; the archive folder is
swapped the same way. An older schema is then upgraded. Finally the device is marked: ``restored_at``
is set and, when the device is enrolled with a district, ``needs_reenroll`` too (the sync client reads
both: the local sequence went back in time).
"""

from __future__ import annotations

import builtins
import datetime as dt
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import select

from kiosk import durable, settings
from kiosk.actor import Actor
from kiosk.changes import write_audit
from kiosk.db import MIGRATIONS_DIR, Store, upgrade
from kiosk.errors import DomainError, PermissionDenied
from kiosk.i18n import N_, _
from kiosk.models import Device, utcnow
from kiosk.permissions import require
from kiosk.storage_errors import DatabaseDamaged, StorageError, storage_errors

log = logging.getLogger(__name__)

FORMAT = "smart-kampung-backup"
FORMAT_VERSION = 1
DB_MEMBER = "smart-kampung.sqlite3"
MANIFEST_MEMBER = "manifest.json"
ARCHIVE_PREFIX = "archive/"
REASONS = ("manual", "daily", "pre-migration", "pre-restore")
NAME_RE = re.compile(
    r"^smart-kampung-(?P<village>\d*)-(?P<reason>manual|daily|pre-migration|pre-restore)-"
    r"(?P<stamp>\d{8}-\d{6})(?:-(?P<n>\d+))?\.zip$"
)
LEGACY_RE = re.compile(r"^(?P<reason>pre-migration)-(?P<rev>.+)-(?P<stamp>\d{8}-\d{6})-\d{6}\.sqlite3$")
SQLITE_MAGIC = b"SQLite format 3\x00"
ZIP_MAGIC = b"PK\x03\x04"
REQUIRED_TABLES = frozenset({"alembic_version", "office_profile", "device", "audit_entry"})
STALE_TEMP_SECONDS = 3600
_CHUNK = 1 << 20


# --- errors a user may see ----------------------------------------------------------------------


class NotABackup(DomainError):
    code = "backup_foreign"
    template = N_("This file is not a Smart Kampung backup. Nothing was restored.")


class BackupCorrupt(DomainError):
    code = "backup_corrupt"
    template = N_("This backup file is damaged and cannot be restored ({detail}). Choose another backup.")

    def user_message(self) -> str:
        return _(self.template).format(detail=_(str(self.data.get("detail", DETAIL_ZIP))))


class WrongVillage(DomainError):
    code = "backup_other_village"
    template = N_("This backup belongs to another village ({backup_village}); this office is {village}. "
                  "Nothing was restored.")


class BackupTooNew(DomainError):
    code = "backup_too_new"
    template = N_("This backup was made by a newer version of Smart Kampung. Update the program first, "
                  "then restore it.")


# English details of BackupCorrupt (translated when shown, through the catalog).
DETAIL_ZIP = N_("the zip file cannot be read")
DETAIL_HASH = N_("its contents do not match the recorded checksum")
DETAIL_INTEGRITY = N_("the database inside fails the integrity check")
DETAIL_ARCHIVE = N_("an archived letter inside does not match its checksum")


# --- plain data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupInfo:
    """One backup file as found on disk, with the result of its check."""

    path: Path
    reason: str
    created: dt.datetime | None  # UTC, naive
    size: int
    kind: str = "zip"  # zip | sqlite (a plain database copy from kiosk.db's pre-migration step)
    village_code: str | None = None
    village_name: str | None = None
    device_id: str | None = None
    schema_revision: str | None = None
    app_version: str | None = None
    sha256: str | None = None
    archive_files: int = 0
    tables: dict[str, int] = field(default_factory=dict)
    check: str = "unchecked"  # ok | damaged | foreign | unchecked
    problem: str | None = None  # the user's-language reason when the check failed

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def ok(self) -> bool:
        return self.check == "ok"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = str(self.path)
        data["name"] = self.name
        data["created"] = self.created.isoformat() + "Z" if self.created else None
        return data


@dataclass(frozen=True)
class RestoreResult:
    restored: BackupInfo
    pre_restore: BackupInfo | None
    needs_reenroll: bool


@dataclass
class CreateResult:
    """What ``create`` made: the backup, the second copy (or why it failed) and what rotation removed."""

    backup: BackupInfo
    second_copy: Path | None = None
    second_copy_error: str | None = None
    removed: list[Path] = field(default_factory=list)


@dataclass
class _Staged:
    info: BackupInfo
    database: Path
    archive: Path | None  # None: leave the archive folder as it is (plain database copies)


# --- small file helpers --------------------------------------------------------------------------




def _sha256_file(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _remove(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        log.warning("could not remove %s", path)


def _head(path: Path, n: int = 16) -> bytes:
    with path.open("rb") as f:
        return f.read(n)


def _connect_ro(path: Path) -> sqlite3.Connection:
    # immutable: no locks, no -wal/-shm files created beside a backup (it never changes while read)
    return sqlite3.connect(f"file:{path.as_posix()}?immutable=1", uri=True)


def integrity_check(path: Path, *, quick: bool = False) -> str:
    """``"ok"`` or the first problem SQLite reports for the database file at ``path``."""
    try:
        con = _connect_ro(path)
        try:
            rows = con.execute("PRAGMA quick_check" if quick else "PRAGMA integrity_check").fetchall()
        finally:
            con.close()
    except sqlite3.DatabaseError as e:
        return str(e) or "not a database"
    if rows == [("ok",)]:
        return "ok"
    return "; ".join(str(r[0]) for r in rows[:5]) or "unknown"


def _db_facts(path: Path) -> dict[str, Any]:
    """Village, device, schema and row counts of a Smart Kampung database file (NotABackup otherwise)."""
    try:
        con = _connect_ro(path)
        try:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not tables >= REQUIRED_TABLES:
                raise NotABackup()
            revision = con.execute("SELECT version_num FROM alembic_version").fetchone()
            office = con.execute("SELECT village_code, village_name FROM office_profile").fetchone()
            device = con.execute("SELECT id FROM device").fetchone()
            counts = {}
            for name in sorted(tables):
                if name.startswith("sqlite_") or "_fts" in name:
                    continue
                counts[name] = int(con.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0])
        finally:
            con.close()
    except sqlite3.DatabaseError as e:
        raise BackupCorrupt(detail=DETAIL_INTEGRITY) from e
    return {
        "schema_revision": revision[0] if revision else None,
        "village_code": office[0] if office else None,
        "village_name": office[1] if office else None,
        "device_id": device[0] if device else None,
        "tables": counts,
    }


_REVISION_RE = re.compile(r"^revision\s*=\s*['\"]([^'\"]+)['\"]", re.M)


def known_revisions() -> set[str]:
    """Every schema revision this program knows (read from the migration files)."""
    found: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        m = _REVISION_RE.search(path.read_text(encoding="utf-8"))
        if m:
            found.add(m.group(1))
    return found


def _parse_stamp(stamp: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(stamp, "%Y%m%d-%H%M%S")
    except ValueError:
        return None


def parse_name(name: str) -> tuple[str, str | None, dt.datetime | None, str] | None:
    """(reason, village digits or None, created UTC, kind) from a backup's file name, or None."""
    m = NAME_RE.match(name)
    if m:
        return m["reason"], m["village"] or None, _parse_stamp(m["stamp"]), "zip"
    m = LEGACY_RE.match(name)
    if m:
        return m["reason"], None, _parse_stamp(m["stamp"]), "sqlite"
    return None


def _local_day(created: dt.datetime) -> dt.date:
    return created.replace(tzinfo=dt.UTC).astimezone().date()


def select_kept(entries: Iterable[tuple[Path, str, dt.datetime]], *, daily: int, weekly: int, monthly: int,
                other: int) -> set[Path]:
    """The backups rotation keeps, from (path, reason, created UTC) entries. See the module docstring."""
    items = sorted(entries, key=lambda e: (e[2], e[0].name), reverse=True)
    keep: set[Path] = set()
    dailies = [e for e in items if e[1] == "daily"]

    def newest_per_bucket(key: Callable[[dt.date], Any], count: int) -> None:
        seen: list[Any] = []
        for path, _reason, created in dailies:
            bucket = key(_local_day(created))
            if bucket in seen:
                continue
            if len(seen) >= count:
                break
            seen.append(bucket)
            keep.add(path)

    newest_per_bucket(lambda d: d, daily)
    newest_per_bucket(lambda d: d.isocalendar()[:2], weekly)
    newest_per_bucket(lambda d: (d.year, d.month), monthly)
    for reason in REASONS:
        if reason == "daily":
            continue
        keep.update(e[0] for e in [e for e in items if e[1] == reason][:other])
    return keep


# --- the service ----------------------------------------------------------------------------------


class BackupService:
    """Create, check, list, rotate and restore backups of one store (``Services.backup``)."""

    _check_cache: dict[tuple[str, int, int], BackupInfo] = {}
    _lock = threading.Lock()

    def __init__(self, store: Store, *, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.store = store
        self.paths = store.paths
        self.clock = clock

    # ---- settings ----

    def _setting(self, definition: settings.SettingDef) -> Any:
        try:
            with self.store.read() as s:
                return settings.get(s, definition)
        except Exception:  # an old schema or a damaged database: the declared default
            return definition.default

    def second_folder(self) -> Path | None:
        value = str(self._setting(settings.BACKUP_SECOND_FOLDER) or "").strip()
        return Path(value).expanduser() if value else None

    def interval_hours(self) -> int:
        return int(self._setting(settings.BACKUP_INTERVAL_HOURS))

    def _village_code(self) -> str | None:
        if not self.paths.database.exists():
            return None
        try:
            con = sqlite3.connect(self.paths.database, timeout=15)
            try:
                row = con.execute("SELECT village_code FROM office_profile").fetchone()
            finally:
                con.close()
        except sqlite3.Error:
            return None
        return row[0] if row else None

    def _village_digits(self) -> str:
        return (self._village_code() or "").replace(".", "")

    # ---- create ----

    def create(self, actor: Actor | None, reason: str = "manual", target_dir: str | Path | None = None, *,
               target_file: str | Path | None = None) -> CreateResult:
        """Back up the database and the letter archive (see the module docstring for the format).

        ``actor`` None is the program itself (daily, pre-migration, pre-restore). Without ``target_dir``
        and ``target_file`` the backup goes to the data directory's ``backups`` folder (then to the second
        folder) and old ones are rotated; ``target_file`` is an exact output path.
        """
        if reason not in REASONS:
            raise ValueError(f"unknown backup reason {reason!r}")
        if actor is not None:
            require(actor, "backup.create")
        with self._lock, storage_errors():
            return self._create(actor, reason, target_dir, target_file)

    def _create(self, actor: Actor | None, reason: str, target_dir: str | Path | None,
                target_file: str | Path | None) -> CreateResult:
        now = self.clock()
        default_place = target_dir is None and target_file is None
        if target_file is not None:
            final = Path(target_file).expanduser().resolve()
            if final.suffix.lower() != ".zip":
                final = final.with_name(final.name + ".zip")
            folder = final.parent
            folder.mkdir(parents=True, exist_ok=True)
        else:
            folder = Path(target_dir).expanduser().resolve() if target_dir is not None else self.paths.backups
            folder.mkdir(parents=True, exist_ok=True)
            final = self._unique_name(folder, reason, now)
        tmp_db = folder / f".{final.name}.db.tmp"
        tmp_zip = folder / f".{final.name}.tmp"
        try:
            self._copy_database(tmp_db)
            check = integrity_check(tmp_db)
            if check != "ok":
                log.error("backup refused: the database fails its integrity check: %s", check)
                raise DatabaseDamaged()
            facts = _db_facts(tmp_db)
            sha, size = _sha256_file(tmp_db)
            manifest: dict[str, Any] = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "reason": reason,
                "created": now.isoformat(timespec="seconds") + "Z",
                "village_code": facts["village_code"],
                "village_name": facts["village_name"],
                "device_id": facts["device_id"],
                "schema_revision": facts["schema_revision"],
                "app_version": _app_version(),
                "sha256": sha,
                "size": size,
                "database": {"name": DB_MEMBER, "sha256": sha, "size": size, "integrity_check": check},
                "tables": facts["tables"],
                "archive": {},
            }
            with zipfile.ZipFile(tmp_zip, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
                zf.write(tmp_db, DB_MEMBER)
                manifest["archive"] = self._pack_archive(zf)
                zf.writestr(MANIFEST_MEMBER, json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True),
                            compress_type=zipfile.ZIP_DEFLATED)
            durable.fsync_file(tmp_zip)
            durable.replace(tmp_zip, final)
        finally:
            _remove(tmp_db)
            _remove(tmp_zip)
        info = self.inspect(final)
        if not info.ok:  # read back: what is on the disk is what was meant to be written
            _remove(final)
            raise StorageError(reason=info.problem or "verification failed")
        result = CreateResult(info)
        log.info("backup %s made (%s, %d bytes)", final.name, reason, info.size)
        if default_place:
            self._copy_to_second_folder(result)
            result.removed += self.rotate(folder)
        if reason != "pre-migration":
            self._audit(actor, "backup.create", final.name, {"reason": reason, "size": info.size,
                                                            "sha256": info.sha256})
        return result

    def _unique_name(self, folder: Path, reason: str, now: dt.datetime) -> Path:
        base = f"smart-kampung-{self._village_digits()}-{reason}-{now:%Y%m%d-%H%M%S}"
        candidate = folder / f"{base}.zip"
        n = 2
        while candidate.exists():
            candidate = folder / f"{base}-{n}.zip"
            n += 1
        return candidate

    def _copy_database(self, target: Path) -> None:
        """The live database into ``target`` with SQLite's online backup API (a consistent snapshot)."""
        _remove(target)
        src = sqlite3.connect(self.paths.database, timeout=15)
        try:
            dst = sqlite3.connect(target)
            try:
                # a scratch file (the zip is fsynced): no journal, no syncs while the pages are copied
                dst.execute("PRAGMA journal_mode = OFF")
                dst.execute("PRAGMA synchronous = OFF")
                src.backup(dst)
                dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
                dst.commit()
            finally:
                dst.close()
        finally:
            src.close()

    def _pack_archive(self, zf: zipfile.ZipFile) -> dict[str, Any]:
        files: dict[str, dict[str, Any]] = {}
        root = self.paths.archive
        if not root.is_dir():
            return {"files": files, "count": 0, "size": 0}
        total = 0
        for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")):
            rel = path.relative_to(root).as_posix()
            h = hashlib.sha256()
            size = 0
            compress = zipfile.ZIP_STORED if path.suffix.lower() == ".pdf" else zipfile.ZIP_DEFLATED
            info = zipfile.ZipInfo.from_file(path, ARCHIVE_PREFIX + rel)
            info.compress_type = compress
            with path.open("rb") as src, zf.open(info, "w") as dst:
                while chunk := src.read(_CHUNK):
                    h.update(chunk)
                    dst.write(chunk)
                    size += len(chunk)
            files[rel] = {"sha256": h.hexdigest(), "size": size}
            total += size
        return {"files": files, "count": len(files), "size": total}

    def _copy_to_second_folder(self, result: CreateResult) -> None:
        second = self.second_folder()
        if second is None:
            return
        source = result.backup.path
        try:
            if not second.is_dir():
                raise FileNotFoundError(str(second))
            target = second / source.name
            tmp = second / f".{source.name}.tmp"
            try:
                shutil.copyfile(source, tmp)
                durable.fsync_file(tmp)
                durable.replace(tmp, target)
            finally:
                _remove(tmp)
            if _sha256_file(target)[0] != _sha256_file(source)[0]:
                _remove(target)
                raise OSError("the copy does not match")
            result.second_copy = target
            result.removed += self.rotate(second)
        except OSError as e:
            log.warning("second backup copy to %s failed: %s", second, e)
            if isinstance(e, FileNotFoundError):
                result.second_copy_error = _("The second backup folder {folder} is not available "
                                             "(is the USB drive plugged in?).").format(folder=second)
            else:
                result.second_copy_error = _("The copy to the second backup folder {folder} failed: "
                                             "{error}").format(folder=second, error=e.strerror or e)

    def _audit(self, actor: Actor | None, action: str, entity_id: str, details: dict[str, Any]) -> None:
        try:
            with storage_errors(), self.store.write() as s:
                device = s.execute(select(Device.id)).scalar()
                who = actor or Actor.system("backup", device)
                write_audit(s, who, action=action, entity="backup", entity_id=entity_id, details=details)
        except StorageError:  # the backup itself is good; a full disk only costs its audit line
            log.warning("could not audit %s of %s", action, entity_id)

    # ---- check and list ----

    def inspect(self, file: str | Path) -> BackupInfo:
        """Check one backup file without raising: ``info.check`` is ok, damaged or foreign."""
        path = Path(file).expanduser()
        try:
            stat = path.stat()
        except OSError:
            return BackupInfo(path, "unknown", None, 0, check="foreign", problem=NotABackup().user_message())
        key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
        cached = self._check_cache.get(key)
        if cached is not None:
            return cached
        try:
            info = self._verify(path)
        except NotABackup as e:
            info = self._plain_info(path, stat.st_size, "foreign", e.user_message())
        except (BackupCorrupt, BackupTooNew) as e:
            info = self._plain_info(path, stat.st_size, "damaged" if isinstance(e, BackupCorrupt) else "foreign",
                                    e.user_message())
        self._check_cache[key] = info
        return info

    @staticmethod
    def _plain_info(path: Path, size: int, check: str, problem: str) -> BackupInfo:
        parsed = parse_name(path.name)
        reason, created, kind = (parsed[0], parsed[2], parsed[3]) if parsed else ("unknown", None, "zip")
        return BackupInfo(path, reason, created, size, kind=kind, check=check, problem=problem)

    def verify(self, file: str | Path) -> BackupInfo:
        """Check one backup file; raise ``NotABackup``, ``BackupCorrupt`` or ``BackupTooNew``."""
        return self._verify(Path(file).expanduser())

    def _verify(self, path: Path) -> BackupInfo:
        try:
            head = _head(path)
        except OSError as e:
            raise NotABackup() from e
        if head.startswith(ZIP_MAGIC):
            return self._verify_zip(path, extract_to=None)[0]
        if head.startswith(SQLITE_MAGIC):
            return self._verify_sqlite(path)
        raise NotABackup()

    def _verify_sqlite(self, path: Path) -> BackupInfo:
        check = integrity_check(path)
        if check != "ok":
            raise BackupCorrupt(detail=DETAIL_INTEGRITY)
        facts = _db_facts(path)
        self._require_known_revision(facts["schema_revision"])
        parsed = parse_name(path.name)
        created = parsed[2] if parsed else dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).replace(tzinfo=None)
        return BackupInfo(path, parsed[0] if parsed else "manual", created, path.stat().st_size, kind="sqlite",
                          village_code=facts["village_code"], village_name=facts["village_name"],
                          device_id=facts["device_id"], schema_revision=facts["schema_revision"],
                          tables=facts["tables"], check="ok")

    @staticmethod
    def _require_known_revision(revision: str | None) -> None:
        if revision and revision not in known_revisions():
            raise BackupTooNew(revision=revision)

    def _verify_zip(self, path: Path, extract_to: Path | None) -> tuple[BackupInfo, Path | None]:
        """Read every member and compare its hash with the manifest; optionally extract while reading."""
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
                if MANIFEST_MEMBER not in names:
                    # ours (the database is always the first member) with a damaged directory, or foreign
                    raise BackupCorrupt(detail=DETAIL_ZIP) if _first_member(path) == DB_MEMBER else NotABackup()
                try:
                    manifest = json.loads(zf.read(MANIFEST_MEMBER))
                except (ValueError, UnicodeDecodeError) as e:
                    raise BackupCorrupt(detail=DETAIL_ZIP) from e
                if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                    raise NotABackup()
                if int(manifest.get("format_version", 0)) > FORMAT_VERSION:
                    raise BackupTooNew(revision=str(manifest.get("format_version")))
                self._require_known_revision(manifest.get("schema_revision"))
                if DB_MEMBER not in names:
                    raise BackupCorrupt(detail=DETAIL_ZIP)
                db_target = extract_to / DB_MEMBER if extract_to else None
                if self._read_member(zf, DB_MEMBER, db_target) != manifest.get("sha256"):
                    raise BackupCorrupt(detail=DETAIL_HASH)
                archive_files: dict[str, Any] = (manifest.get("archive") or {}).get("files") or {}
                members = {n[len(ARCHIVE_PREFIX):] for n in names if n.startswith(ARCHIVE_PREFIX) and not n.endswith("/")}
                if set(archive_files) != members:
                    raise BackupCorrupt(detail=DETAIL_ARCHIVE)
                for rel, meta in archive_files.items():
                    target = _safe_target(extract_to / "archive", rel) if extract_to else None
                    if self._read_member(zf, ARCHIVE_PREFIX + rel, target) != meta.get("sha256"):
                        raise BackupCorrupt(detail=DETAIL_ARCHIVE)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, ValueError) as e:
            if isinstance(e, OSError) and e.errno is not None:
                raise
            raise BackupCorrupt(detail=DETAIL_ZIP) from e
        created = None
        try:
            created = dt.datetime.fromisoformat(str(manifest["created"]).rstrip("Z"))
        except (KeyError, ValueError):
            pass
        info = BackupInfo(
            path, str(manifest.get("reason") or "manual"), created, path.stat().st_size,
            village_code=manifest.get("village_code"), village_name=manifest.get("village_name"),
            device_id=manifest.get("device_id"), schema_revision=manifest.get("schema_revision"),
            app_version=manifest.get("app_version"), sha256=manifest.get("sha256"),
            archive_files=len(archive_files), tables=dict(manifest.get("tables") or {}), check="ok",
        )
        return info, (extract_to / DB_MEMBER if extract_to else None)

    @staticmethod
    def _read_member(zf: zipfile.ZipFile, name: str, target: Path | None) -> str:
        h = hashlib.sha256()
        out = None
        if target is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            out = target.open("wb")
        try:
            with zf.open(name) as src:
                while chunk := src.read(_CHUNK):
                    h.update(chunk)
                    if out is not None:
                        out.write(chunk)
            if out is not None:
                out.flush()
                os.fsync(out.fileno())
        finally:
            if out is not None:
                out.close()
        return h.hexdigest()

    def list(self, folder: str | Path | None = None) -> builtins.list[BackupInfo]:
        """The backups in ``folder`` (default: the data directory's), newest first, each checked."""
        root = Path(folder) if folder is not None else self.paths.backups
        if not root.is_dir():
            return []
        found = [self.inspect(p) for p in root.iterdir() if p.is_file() and parse_name(p.name)]
        return sorted(found, key=lambda b: (b.created or dt.datetime.min, b.name), reverse=True)

    def last(self) -> BackupInfo | None:
        backups = self.list()
        return backups[0] if backups else None

    def newest_good(self) -> BackupInfo | None:
        return next((b for b in self.list() if b.ok), None)

    # ---- rotation and the daily backup ----

    def rotate(self, folder: str | Path | None = None) -> builtins.list[Path]:
        """Delete the backups of this village that the rotation rule no longer keeps; return them."""
        root = Path(folder) if folder is not None else self.paths.backups
        if not root.is_dir():
            return []
        village = self._village_digits()
        entries: list[tuple[Path, str, dt.datetime]] = []
        for path in root.iterdir():
            if path.name.startswith(".") and path.name.endswith(".tmp"):
                self._remove_stale_temp(path)
                continue
            parsed = parse_name(path.name)
            if parsed is None or parsed[2] is None:
                continue
            reason, file_village, created, _kind = parsed
            if created is None:
                continue
            if file_village is not None and village and file_village != village:
                continue  # another village's backups on a shared drive are not ours to delete
            entries.append((path, reason, created))
        keep = select_kept(
            entries,
            daily=int(self._setting(settings.BACKUP_KEEP_DAILY)),
            weekly=int(self._setting(settings.BACKUP_KEEP_WEEKLY)),
            monthly=int(self._setting(settings.BACKUP_KEEP_MONTHLY)),
            other=int(self._setting(settings.BACKUP_KEEP_OTHER)),
        )
        removed = [p for p, _r, _c in entries if p not in keep]
        for path in removed:
            _remove(path)
        if removed:
            log.info("rotation removed %d old backups from %s", len(removed), root)
        return removed

    def _remove_stale_temp(self, path: Path) -> None:
        try:
            age = self.clock().timestamp() - path.stat().st_mtime
        except OSError:
            return
        if age > STALE_TEMP_SECONDS or age < -STALE_TEMP_SECONDS:
            _remove(path)

    def due_daily(self, now: dt.datetime | None = None) -> bool:
        """True when the automatic backup should run (setting ``backup.interval_hours``; 0: never).

        A whole number of days (24, 48...) counts calendar days: with 24 the first start of each day
        backs up, whatever the hour of yesterday's backup. Other intervals count hours since the last one.
        Backups stamped in the future (a clock that was wrong) do not count.
        """
        hours = self.interval_hours()
        if hours <= 0 or not self.paths.database.exists() or self._village_code() is None:
            return False
        now = now or self.clock()
        last: dt.datetime | None = None
        for path in self.paths.backups.iterdir() if self.paths.backups.is_dir() else []:
            parsed = parse_name(path.name)
            if parsed and parsed[0] == "daily" and parsed[2] is not None and parsed[2] <= now:
                last = parsed[2] if last is None else max(last, parsed[2])
        if last is None:
            return True
        if hours % 24 == 0:
            return (_local_day(now) - _local_day(last)).days >= hours // 24
        return now - last >= dt.timedelta(hours=hours)

    def run_daily_if_due(self) -> CreateResult | None:
        """Called at start-up and on a timer; makes the daily backup when it is due."""
        if not self.due_daily():
            return None
        return self.create(None, "daily")

    # ---- restore ----

    def restore(self, actor: Actor | None, file: str | Path) -> RestoreResult:
        """Replace the database (and archive) with a backup. See the module docstring.

        ``actor`` None is allowed only while this data directory has no office yet (a new machine).
        """
        configured = self._village_code() is not None
        if actor is None:
            if configured:
                raise PermissionDenied(permission="backup.restore")
        else:
            require(actor, "backup.restore")
        with self._lock, storage_errors():
            staged = self._stage(Path(file).expanduser())
            try:
                village = self._village_code()
                if village and staged.info.village_code and staged.info.village_code != village:
                    raise WrongVillage(backup_village=staged.info.village_code, village=village)
                pre = None
                was_enrolled = self._enrolled_now()
                if configured:
                    pre = self._create(None, "pre-restore", None, None).backup
                self._swap_in(staged)
            finally:
                _remove(staged.database.parent)
        upgrade(self.store)  # a backup of an older schema is brought up to date (copied first)
        reenroll = self._mark_restored(actor, staged.info, pre, was_enrolled=was_enrolled)
        log.info("restored %s (made %s)", staged.info.name, staged.info.created)
        return RestoreResult(staged.info, pre, reenroll)

    def _stage(self, file: Path) -> _Staged:
        """Verify ``file`` and unpack it beside the database (same disk: the swap is a rename)."""
        from kiosk.ids import new_id

        work = self.paths.root / f".restore-{new_id()}.tmp"
        work.mkdir(parents=True)
        try:
            try:
                head = _head(file)
            except OSError as e:
                raise NotABackup() from e
            if head.startswith(ZIP_MAGIC):
                info, db = self._verify_zip(file, extract_to=work)
                assert db is not None
                archive: Path | None = work / "archive"
                assert archive is not None
                archive.mkdir(exist_ok=True)
            elif head.startswith(SQLITE_MAGIC):
                info = self._verify_sqlite(file)
                db = work / DB_MEMBER
                shutil.copyfile(file, db)
                archive = None
            else:
                raise NotABackup()
            if integrity_check(db) != "ok":
                raise BackupCorrupt(detail=DETAIL_INTEGRITY)
            facts = _db_facts(db)
            if info.village_code != facts["village_code"]:
                raise BackupCorrupt(detail=DETAIL_HASH)
            con = sqlite3.connect(db)
            try:
                con.execute("PRAGMA journal_mode = DELETE")
            finally:
                con.close()
            durable.fsync_file(db)
            return _Staged(info, db, archive)
        except BaseException:
            _remove(work)
            raise

    def _swap_in(self, staged: _Staged) -> None:
        database = self.paths.database
        self.store.engine.dispose()  # close our connections; the engine reconnects to the new file
        if database.exists():
            try:
                con = sqlite3.connect(database, timeout=15)
                try:
                    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                finally:
                    con.close()
            except sqlite3.Error:
                log.warning("could not checkpoint the old database before restore")
        for suffix in ("-wal", "-shm", "-journal"):
            _remove(database.with_name(database.name + suffix))
        durable.replace(staged.database, database)
        if staged.archive is not None:
            archive = self.paths.archive
            old = self.paths.root / f".archive-old-{self.clock():%Y%m%d%H%M%S%f}.tmp"
            if archive.exists():
                os.replace(archive, old)
            durable.replace(staged.archive, archive)
            _remove(old)

    def _enrolled_now(self) -> bool:
        """Whether the database about to be replaced belongs to a device enrolled with a district."""
        if not self.paths.database.exists():
            return False
        try:
            con = sqlite3.connect(self.paths.database, timeout=15)
            try:
                row = con.execute("SELECT enrolled_at IS NOT NULL OR token IS NOT NULL FROM device").fetchone()
            finally:
                con.close()
        except sqlite3.Error:
            return False
        return bool(row and row[0])

    def _mark_restored(self, actor: Actor | None, info: BackupInfo, pre: BackupInfo | None, *,
                       was_enrolled: bool = False) -> bool:
        """Record the restore on the device: ``restored_at`` always; ``needs_reenroll`` when the restored
        device or the one it replaced was enrolled (either way the district saw a later state)."""
        with self.store.write() as s:
            device = s.execute(select(Device)).scalar_one_or_none()
            reenroll = False
            if device is not None:
                device.restored_at = self.clock()
                if was_enrolled or device.enrolled_at is not None or device.token:
                    device.needs_reenroll = True
                    reenroll = True
            who = actor or Actor.system("restore", device.id if device else None)
            write_audit(s, who, action="backup.restore", entity="backup", entity_id=info.name,
                        details={"created": info.created.isoformat() if info.created else None,
                                 "sha256": info.sha256, "schema": info.schema_revision,
                                 "pre_restore": pre.name if pre else None, "needs_reenroll": reenroll})
        return reenroll

    def recover_damaged(self, backup: str | Path) -> RestoreResult:
        """Start-up recovery: set the damaged database aside (kept, never deleted) and restore ``backup``.

        No pre-restore backup (the online backup API cannot read a damaged file) and no sign-in (the
        staff cannot sign in to a damaged database); the backup must be of this data directory's village
        when the damaged file still says which one it is.
        """
        with self._lock, storage_errors():
            staged = self._stage(Path(backup).expanduser())
            try:
                village = self._village_code()
                if village and staged.info.village_code and staged.info.village_code != village:
                    raise WrongVillage(backup_village=staged.info.village_code, village=village)
                self.store.engine.dispose()
                database = self.paths.database
                stamp = f"{self.clock():%Y%m%d-%H%M%S}"
                for suffix in ("", "-wal", "-shm", "-journal"):
                    src = database.with_name(database.name + suffix)
                    if src.exists():
                        os.replace(src, database.with_name(f"{database.name}.damaged-{stamp}{suffix}"))
                self._swap_in(staged)
            finally:
                _remove(staged.database.parent)
        upgrade(self.store)
        reenroll = self._mark_restored(None, staged.info, None)
        return RestoreResult(staged.info, None, reenroll)


def _first_member(path: Path) -> str | None:
    """The name in the zip's first local file header (readable even when the directory is damaged)."""
    try:
        with path.open("rb") as f:
            header = f.read(30)
            if len(header) < 30 or not header.startswith(ZIP_MAGIC):
                return None
            length = int.from_bytes(header[26:28], "little")
            return f.read(length).decode("utf-8", "replace")
    except OSError:
        return None


def _safe_target(root: Path, rel: str) -> Path:
    """``root/rel`` for an archive member, refusing absolute paths and ``..`` (a crafted zip)."""
    parts = PurePosixPath(rel).parts
    if not parts or rel.startswith("/") or any(p in ("..", "") for p in parts) or ":" in parts[0]:
        raise BackupCorrupt(detail=DETAIL_ARCHIVE)
    return root.joinpath(*parts)


def _app_version() -> str:
    from kiosk import __version__

    return __version__


__all__ = ["BackupCorrupt", "BackupInfo", "BackupService", "BackupTooNew", "CreateResult", "NotABackup",
           "RestoreResult", "WrongVillage", "integrity_check", "known_revisions", "parse_name", "select_kept"]
