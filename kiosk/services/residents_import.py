"""Importing OpenSID "Data Penduduk" workbooks into the store, and exporting residents in that format.

Reading and normalising is ``kiosk.importer``'s job; this module decides what each valid row means
for the store (new resident, changed resident, nothing to do) and writes it with SQLAlchemy Core in
batches. A batch holds whole families (rows grouped by No. KK), and is one transaction with its
audit entry and one outbox row per created or changed record, so a kill between batches leaves only
complete families behind and the outbox never misses a change. Importing the same file twice
changes nothing the second time: rows are matched by NIK (or, for "NIK belum ada", by folded name,
birth date and No. KK) and only differing fields are written.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from kiosk.actor import Actor
from kiosk.canonical import canonical_json, sha256_hex
from kiosk.changes import write_audit
from kiosk.db import Store
from kiosk.ids import new_id
from kiosk.importer import ImportRow, open_workbook, read_rows, write_workbook
from kiosk.importer.columns import DATE_KEYS, KEYS
from kiosk.models import Family, OfficeProfile, Resident, utcnow
from kiosk.permissions import require
from kiosk.text import fold_name

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]
"""``progress(done, total)``: rows handled so far of the valid rows; raising stops the import."""

# ImportRow.values key -> resident column (the rest of the 43 columns go to ``resident.extra``)
COLUMN_OF: dict[str, str] = {
    "name": "name", "nik": "nik", "kk_number": "kk_number", "birth_place": "birth_place",
    "birth_date": "birth_date", "sex": "sex", "religion": "religion", "marital_status": "marital_status",
    "family_relation": "family_relation", "education": "education", "education_current": "education_current",
    "occupation": "occupation", "blood_type": "blood_type", "citizenship": "citizenship",
    "father_nik": "father_nik", "father_name": "father_name", "mother_nik": "mother_nik",
    "mother_name": "mother_name", "address": "address", "rt": "rt", "rw": "rw", "dusun": "dusun",
    "basic_status": "status",
}  # fmt: skip
EXTRA_KEYS = tuple(k for k in KEYS.values() if k not in COLUMN_OF)
_TEXT_COLUMNS = frozenset({"name", "birth_place", "father_name", "mother_name", "address", "rt", "rw", "dusun"})
_NUMBER_WARNINGS = {"nik": "nik", "kk_number": "kk_number"}
_RESIDENT_COLUMNS = [c.key for c in Resident.__table__.columns]
_SYNC_EXCLUDE = frozenset({"pin_hash", "created_at", "updated_at", "name_search"})
_SYNC_COLUMNS = [c for c in _RESIDENT_COLUMNS if c not in _SYNC_EXCLUDE]
# a new resident's row in column order (dict order is the INSERT order)
_NEW_RESIDENT: dict[str, Any] = dict.fromkeys(_RESIDENT_COLUMNS)
_NEW_RESIDENT.update({"father_name": "", "mother_name": "", "address": "", "rt": "", "rw": "", "dusun": "",
                      "phone": "", "birth_place": "", "pin_hash": None, "version": 1})


@dataclass(frozen=True)
class RejectedIssue:
    """Why a row was not imported: spreadsheet row, column header and the reason (translated)."""

    row: int
    column: str
    reason: str
    code: str


@dataclass
class ImportReport:
    """Exact counts of one import. ``rejected`` counts rows; ``issues`` lists every reason."""

    file: str
    sheet: str = ""
    dry_run: bool = False
    rows: int = 0  # data rows read (the ### marker and empty rows are not rows)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    families_created: int = 0
    rows_with_warnings: int = 0
    issues: list[RejectedIssue] = field(default_factory=list)
    rejected_rows: list[ImportRow] = field(default_factory=list, repr=False)
    interrupted: bool = False
    seconds_reading: float = 0.0
    seconds_writing: float = 0.0

    @property
    def accepted(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def ok(self) -> bool:
        """At least one row could be imported (or was already there)."""
        return self.accepted > 0

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "file": self.file, "sheet": self.sheet, "dry_run": self.dry_run, "rows": self.rows,
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "rejected": self.rejected, "families_created": self.families_created,
            "rows_with_warnings": self.rows_with_warnings, "interrupted": self.interrupted,
            "rejects": [{"row": i.row, "column": i.column, "reason": i.reason, "code": i.code} for i in self.issues],
        }


class _DryRunRollback(Exception):
    pass


def row_to_columns(values: dict[str, Any], present: set[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Resident column values and ``extra`` values of one ImportRow (only columns the file has)."""
    return _RowMapper(present)(values)


class _RowMapper:
    """``row_to_columns`` with the per-file work (which columns the file has) done once."""

    def __init__(self, present: set[str]) -> None:
        self.text = [(k, c) for k, c in COLUMN_OF.items() if k in present and c in _TEXT_COLUMNS]
        self.other = [(k, c) for k, c in COLUMN_OF.items()
                      if (k in present or k == "basic_status") and c not in _TEXT_COLUMNS]
        self.extra = [k for k in EXTRA_KEYS if k in present]

    def __call__(self, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        cols = {c: values.get(k) or "" for k, c in self.text}
        for k, c in self.other:
            cols[c] = values.get(k)
        if cols.get("status") is None:
            cols["status"] = 1
        extra: dict[str, Any] = {}
        for k in self.extra:
            value = values.get(k)
            extra[k] = value.isoformat() if isinstance(value, dt.date) else value
        return cols, extra


def _groups(rows: list[ImportRow]) -> list[list[ImportRow]]:
    """Rows grouped by No. KK (file order of first appearance); rows without KK are alone."""
    by_kk: dict[str, list[ImportRow]] = {}
    out: list[list[ImportRow]] = []
    for row in rows:
        kk = row.values.get("kk_number")
        if kk is None:
            out.append([row])
        elif kk in by_kk:
            by_kk[kk].append(row)
        else:
            group = [row]
            by_kk[kk] = group
            out.append(group)
    return out


def _batches(groups: list[list[ImportRow]], size: int) -> Iterator[list[list[ImportRow]]]:
    batch: list[list[ImportRow]] = []
    n = 0
    for g in groups:
        batch.append(g)
        n += len(g)
        if n >= size:
            yield batch
            batch, n = [], 0
    if batch:
        yield batch


def _chunks(items: list[Any], n: int = 900) -> Iterator[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


class _Writer:
    """Writes one batch in the caller's transaction and counts what it did."""

    def __init__(self, session: Session, actor: Actor, report: ImportReport, present: set[str], village: str | None):
        self.s = session
        self.actor = actor
        self.report = report
        self.present = present
        self.village = village
        self.now = utcnow()
        self.now_text = self.now.strftime(_DATETIME_FORMAT)
        self.outbox: list[tuple[Any, ...]] = []
        self.mapper = _RowMapper(present)

    def _outbox(self, entity: str, entity_id: str, op: str, payload: dict[str, Any], base: int | None) -> None:
        self._outbox_plain(entity, entity_id, op, {k: _plain(v) for k, v in payload.items()}, base)

    def _outbox_plain(self, entity: str, entity_id: str, op: str, body: dict[str, Any], base: int | None) -> None:
        if self.village:
            body.setdefault("village", self.village)
        canonical = canonical_json(body)
        # the stored payload is the canonical JSON itself: one serialisation, and its hash is the hash
        self.outbox.append((new_id(), entity, entity_id, op, base, canonical.decode("utf-8"),
                            sha256_hex(canonical), "pending", 0, self.now_text))

    def _existing(self, rows: list[ImportRow]) -> tuple[dict[str, dict[str, Any]], dict[tuple[Any, ...], dict[str, Any]]]:
        conn = self.s.connection()
        table = Resident.__table__
        niks = [r.values["nik"] for r in rows if r.values.get("nik")]
        by_nik: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(niks):
            for rec in conn.execute(select(table).where(table.c.nik.in_(chunk))).mappings():
                prev = by_nik.get(rec["nik"])
                if prev is None or (rec["status"] == 1 and prev["status"] != 1):
                    by_nik[rec["nik"]] = dict(rec)
        names = sorted({fold_name(r.values.get("name") or "") for r in rows if not r.values.get("nik")})
        by_key: dict[tuple[Any, ...], dict[str, Any]] = {}
        for chunk in _chunks(names):
            stmt = select(table).where(table.c.nik.is_(None), table.c.name_search.in_(chunk))
            for rec in conn.execute(stmt).mappings():
                by_key.setdefault((rec["name_search"], rec["birth_date"], rec["kk_number"]), dict(rec))
        return by_nik, by_key

    def _families(self, kks: list[str]) -> dict[str, dict[str, Any]]:
        conn = self.s.connection()
        table = Family.__table__
        found: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(kks):
            stmt = select(table).where(table.c.kk_number.in_(chunk)).order_by(table.c.active)
            for rec in conn.execute(stmt).mappings():
                found[rec["kk_number"]] = dict(rec)  # active ones last: they win
        return found

    def write(self, batch: list[list[ImportRow]]) -> None:
        rows = [r for g in batch for r in g]
        by_nik, by_key = self._existing(rows)
        families = self._families([g[0].values["kk_number"] for g in batch if g[0].values.get("kk_number")])
        new_residents: list[dict[str, Any]] = []
        new_families: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        family_updates: list[dict[str, Any]] = []
        report = self.report
        for group in batch:
            kk = group[0].values.get("kk_number")
            fam = families.get(kk) if kk else None
            fam_is_new = False
            if kk and fam is None:
                head = next((r for r in group if r.values.get("family_relation") == 1), group[0])
                hv = head.values
                fam = {"id": new_id(), "kk_number": kk, "head_resident_id": None,
                       "address": hv.get("address") or "", "rt": hv.get("rt") or "", "rw": hv.get("rw") or "",
                       "dusun": hv.get("dusun") or "", "active": True, "version": 1,
                       "created_at": self.now, "updated_at": self.now}
                fam_is_new = True
            head_id: str | None = None
            for row in group:
                if row.warnings:
                    report.rows_with_warnings += 1
                cols, extra_new = self.mapper(row.values)
                if "kk_number" in self.present:
                    cols["family_id"] = fam["id"] if fam else None
                name_search = fold_name(cols.get("name") or "")
                nik = cols.get("nik")
                existing = by_nik.get(nik) if nik else by_key.get(
                    (name_search, cols.get("birth_date"), cols.get("kk_number")))
                if existing is None:
                    rec: dict[str, Any] = dict(_NEW_RESIDENT)
                    rec.update(cols)
                    rid = new_id()
                    birth = rec["birth_date"]
                    rec.update({"id": rid, "name_search": name_search,
                                "extra": {k: v for k, v in extra_new.items() if v is not None},
                                "nik_warnings": [{"code": w.code, "field": _field_of(w.column_header)}
                                                 for w in row.warnings if w.code.startswith(("nik_", "kk_"))]})
                    body = {k: rec[k] for k in _SYNC_COLUMNS}
                    if birth is not None:
                        body["birth_date"] = birth.isoformat()
                    self._outbox_plain("resident", rid, "create", body, None)
                    rec["birth_date"] = body["birth_date"]
                    rec["extra"] = json.dumps(rec["extra"], ensure_ascii=False) if rec["extra"] else "{}"
                    rec["nik_warnings"] = json.dumps(rec["nik_warnings"]) if rec["nik_warnings"] else "[]"
                    rec["created_at"] = rec["updated_at"] = self.now_text
                    new_residents.append(rec)
                    report.created += 1
                    relation = rec["family_relation"]
                else:
                    extra = dict(existing["extra"] or {})
                    for k, v in extra_new.items():
                        if v is None:
                            extra.pop(k, None)
                        else:
                            extra[k] = v
                    changed = {k: v for k, v in cols.items() if existing.get(k) != v}
                    if extra != (existing["extra"] or {}):
                        changed["extra"] = extra
                    rid = existing["id"]
                    relation = changed.get("family_relation", existing["family_relation"])
                    if changed:
                        base = existing["version"]
                        upd = {c: existing[c] for c in _RESIDENT_COLUMNS if c not in ("created_at",)}
                        upd.update(changed)
                        upd["name_search"] = name_search
                        upd["version"] = base + 1
                        upd["updated_at"] = self.now
                        upd["_id"] = rid
                        updates.append(upd)
                        self._outbox("resident", rid, "update", changed, base)
                        report.updated += 1
                    else:
                        report.unchanged += 1
                if relation == 1 and head_id is None:
                    head_id = rid
            if fam is not None:
                if fam_is_new:
                    fam["head_resident_id"] = head_id
                    new_families.append(fam)
                    self._outbox("family", fam["id"], "create",
                                 {k: fam[k] for k in ("kk_number", "head_resident_id", "address", "rt", "rw",
                                                      "dusun", "active")}, None)
                    report.families_created += 1
                elif head_id is not None and fam["head_resident_id"] is None:
                    family_updates.append({"_id": fam["id"], "head_resident_id": head_id,
                                           "version": fam["version"] + 1, "updated_at": self.now})
                    self._outbox("family", fam["id"], "update", {"head_resident_id": head_id}, fam["version"])
        conn = self.s.connection()
        # Bulk rows go in through the driver (still this session's transaction): SQLAlchemy's per-row
        # type processing costs more than the insert itself at 50,000 rows.
        if new_families:
            fam_cols = list(new_families[0])
            conn.exec_driver_sql(_insert_sql("family", fam_cols),
                                 [tuple(_db(f[c]) for c in fam_cols) for f in new_families])
        if new_residents:
            # The search index's per-row insert trigger costs ten times a bulk fill: inside this
            # transaction (we hold the write lock) take it off, fill the index for the new rows in one
            # statement, and put the trigger back. Atomic: a kill rolls all three back.
            trigger = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'resident_fts_ai'").scalar()
            last = conn.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM resident").scalar()
            if trigger:
                conn.exec_driver_sql("DROP TRIGGER resident_fts_ai")
            conn.exec_driver_sql(_insert_sql("resident", _RESIDENT_COLUMNS),
                                 [tuple(r.values()) for r in new_residents])  # already as stored
            if trigger:
                conn.exec_driver_sql("INSERT INTO resident_fts(rowid, name_search) "
                                     "SELECT rowid, name_search FROM resident WHERE rowid > ?", (last,))
                conn.exec_driver_sql(trigger)
        if updates:
            names = [c for c in _RESIDENT_COLUMNS if c not in ("id", "created_at")]
            stmt = update(Resident).where(Resident.id == bindparam("_id")).values(
                {c: bindparam(c) for c in names})
            conn.execute(stmt, updates)
        if family_updates:
            stmt = update(Family).where(Family.id == bindparam("_id")).values(
                head_resident_id=bindparam("head_resident_id"), version=bindparam("version"),
                updated_at=bindparam("updated_at"))
            conn.execute(stmt, family_updates)
        if self.outbox:
            conn.exec_driver_sql(_insert_sql("outbox_change", _OUTBOX_COLUMNS), self.outbox)


_IMPORT_CACHE_KIB = -65536  # 64 MiB
_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy's SQLite DateTime stores a datetime
_OUTBOX_COLUMNS = ["change_id", "entity", "entity_id", "op", "base_version", "payload", "payload_hash", "state",
                   "attempts", "created_at"]


def _insert_sql(table: str, cols: list[str]) -> str:
    return f'INSERT INTO "{table}" ({", ".join(cols)}) VALUES ({", ".join("?" for _ in cols)})'


def _plain(value: Any) -> Any:
    """A value as it travels in JSON (dates as ISO text)."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _db(value: Any) -> Any:
    """A value as the SQLite column stores it (what SQLAlchemy's types would have written)."""
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, dt.datetime):
        return value.strftime(_DATETIME_FORMAT)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _field_of(header: str) -> str:
    return "kk_number" if "kk" in header.lower() else "nik"


def import_residents(
    store: Store, actor: Actor, path: str | Path, *, dry_run: bool = False,
    progress: ProgressCallback | None = None, batch_size: int = 5000, today: dt.date | None = None,
) -> ImportReport:
    """Import an OpenSID resident workbook or CSV. Raises ``ImportFileError`` when the file as a whole
    cannot be read; otherwise returns an exact ``ImportReport`` (rows rejected with row, column and
    reason). With ``dry_run`` every batch is worked out and rolled back."""
    require(actor, "resident.import")
    path = Path(path)
    source = open_workbook(path)
    present = set(source.columns)
    report = ImportReport(file=path.name, sheet=source.sheet_name, dry_run=dry_run)
    good: list[ImportRow] = []
    gc_was_enabled = gc.isenabled()
    gc.disable()  # tens of thousands of row dicts: the cyclic collector would rescan them over and over
    try:
        return _import(store, actor, path, source, present, report, good, dry_run, progress, batch_size, today)
    finally:
        if gc_was_enabled:
            gc.enable()


def _import(
    store: Store, actor: Actor, path: Path, source: Any, present: set[str], report: ImportReport,
    good: list[ImportRow], dry_run: bool, progress: ProgressCallback | None, batch_size: int,
    today: dt.date | None,
) -> ImportReport:
    started = time.perf_counter()
    for row in read_rows(source, today=today):
        report.rows += 1
        if row.errors:
            report.rejected += 1
            report.rejected_rows.append(row)
            report.issues.extend(RejectedIssue(row.row, i.column_header, i.message(), i.code) for i in row.errors)
        else:
            good.append(row)

    total = len(good)
    report.seconds_reading = time.perf_counter() - started
    started = time.perf_counter()
    if progress is not None:
        progress(0, total)
    with store.read() as s:
        village = s.execute(select(OfficeProfile.village_code)).scalar()
    done = 0
    import_id = new_id()
    for number, batch in enumerate(_batches(_groups(good), batch_size), start=1):
        before = (report.created, report.updated, report.unchanged, report.families_created)
        try:
            with store.write() as s:
                # a larger page cache while the random-key indexes (NIK, name) grow; reset below
                s.connection().exec_driver_sql(f"PRAGMA cache_size = {_IMPORT_CACHE_KIB}")
                writer = _Writer(s, actor, report, present, village)
                writer.write(batch)
                write_audit(s, actor, action="resident.import", entity="resident_import", entity_id=import_id,
                            details={"file": path.name, "batch": number, "dry_run": dry_run,
                                     "created": report.created - before[0], "updated": report.updated - before[1],
                                     "unchanged": report.unchanged - before[2],
                                     "families_created": report.families_created - before[3]})
                s.connection().exec_driver_sql("PRAGMA cache_size = -2000")
                if dry_run:
                    raise _DryRunRollback
        except _DryRunRollback:
            pass
        except BaseException:
            report.created, report.updated, report.unchanged, report.families_created = before
            report.interrupted = True
            raise
        done += sum(len(g) for g in batch)
        if progress is not None:
            progress(done, total)
    report.seconds_writing = time.perf_counter() - started
    log.info("import %s: %d created, %d updated, %d unchanged, %d rejected%s", path.name, report.created,
             report.updated, report.unchanged, report.rejected, " (dry run)" if dry_run else "")
    return report


def resident_to_values(rec: Any) -> dict[str, Any]:
    """A resident row (mapping) as ``ImportRow.values`` for ``write_workbook``."""
    values: dict[str, Any] = {}
    for key, column in COLUMN_OF.items():
        value = rec[column]
        values[key] = None if value == "" else value
    extra = rec["extra"] or {}
    for key in EXTRA_KEYS:
        value = extra.get(key)
        if key in DATE_KEYS and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        values[key] = value
    return values


def _export_rows(store: Store, include_inactive: bool) -> Iterable[dict[str, Any]]:
    table = Resident.__table__
    stmt = select(table).order_by(table.c.kk_number, table.c.family_relation, table.c.birth_date)
    if not include_inactive:
        stmt = stmt.where(table.c.status == 1)
    with store.engine.connect() as conn:
        for rec in conn.execute(stmt).mappings():
            yield resident_to_values(rec)


def export_residents(store: Store, actor: Actor, path: str | Path, *, include_inactive: bool = True) -> int:
    """Write every resident as an OpenSID "Data Penduduk" workbook; returns how many were written."""
    require(actor, "resident.export")
    count = write_workbook(path, _export_rows(store, include_inactive))
    with store.write() as s:
        write_audit(s, actor, action="resident.export", entity="resident_export", entity_id=Path(path).name,
                    details={"residents": count})
    return count
