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
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from json.encoder import encode_basestring as _encode_str
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.actor import Actor
from kiosk.canonical import canonical_json
from kiosk.changes import BulkChange, record_changes, write_audit
from kiosk.db import Store
from kiosk.ids import new_id
from kiosk.importer import ImportRow, open_workbook, read_rows, write_workbook
from kiosk.importer.columns import DATE_KEYS, KEYS
from kiosk.models import OfficeProfile, Resident, utcnow
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
        self.extra_dates = [k for k in self.extra if k in DATE_KEYS]

    def __call__(self, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        cols = {c: values.get(k) or "" for k, c in self.text}
        for k, c in self.other:
            cols[c] = values.get(k)
        if cols.get("status") is None:
            cols["status"] = 1
        return cols, self.extra_of(values)

    def extra_of(self, values: dict[str, Any]) -> dict[str, Any]:
        """The ``extra`` values of the file's columns (dates as ISO text, empty ones as None)."""
        extra: dict[str, Any] = {k: values.get(k) for k in self.extra}
        for k in self.extra_dates:
            value = extra[k]
            if value is not None:
                extra[k] = value.isoformat()
        return extra


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
    """Writes one batch in the caller's transaction and counts what it did.

    Everything goes through the session's own sqlite3 connection (same transaction): one query per
    batch finds the stored residents and families, one ``executemany`` per table writes them.
    SQLAlchemy's per-row type processing would cost more than the inserts themselves.
    """

    def __init__(self, session: Session, actor: Actor, report: ImportReport, present: set[str], village: str | None):
        self.s = session
        self.db: sqlite3.Connection = session.connection().connection.driver_connection  # type: ignore[assignment]
        self.report = report
        self.present = present
        self.village = village
        self.now_text = utcnow().strftime(_DATETIME_FORMAT)
        self.outbox: list[tuple[Any, ...]] = []
        self.mapper = mapper = _RowMapper(present)
        self.has_kk = "kk_number" in present
        # the columns an import sets, in one order: compared with the stored row, written on update
        self.managed = [c for _k, c in mapper.text] + [c for _k, c in mapper.other]
        if self.has_kk:
            self.managed.append("family_id")
        self.text_keys = [k for k, _c in mapper.text]
        self.other_keys = [k for k, _c in mapper.other]
        self.status_at = self.managed.index("status")
        self.birth_at = self.managed.index("birth_date") if "birth_date" in self.managed else -1
        self.new_template = _NewResident(self.managed, village)
        village_part = f',"village":{_encode_str(village).replace("%", "%%")}' if village else ""
        self.family_template = ('{"active":true,"address":%s,"dusun":%s,"head_resident_id":%s,"kk_number":%s,'
                                '"rt":%s,"rw":%s' + village_part + "}")

    def _outbox(self, entity: str, entity_id: str, op: str, payload: dict[str, Any], base: int | None) -> None:
        body = {k: _plain(v) for k, v in payload.items()}
        if self.village:
            body.setdefault("village", self.village)
        self._outbox_json(entity, entity_id, op, canonical_json(body), base)

    def _outbox_json(self, entity: str, entity_id: str, op: str, canonical: bytes, base: int | None) -> None:
        self.outbox.append(self._outbox_row(entity, entity_id, op, canonical.decode("utf-8"), base))

    def _outbox_row(self, entity: str, entity_id: str, op: str, payload: str, base: int | None) -> BulkChange:
        # the stored payload is the canonical JSON itself: one serialisation, and its hash is the hash
        return (entity, entity_id, op, base, payload)

    def _managed_values(self, values: dict[str, Any], family_id: str | None) -> list[Any]:
        """The managed columns of one row, as the store keeps them (dates as ISO text)."""
        out: list[Any] = [values[k] or "" for k in self.text_keys]
        out += [values[k] for k in self.other_keys]
        if out[self.status_at] is None:
            out[self.status_at] = 1
        if self.birth_at >= 0 and out[self.birth_at] is not None:
            out[self.birth_at] = out[self.birth_at].isoformat()
        if self.has_kk:
            out.append(family_id)
        return out

    def _existing(self, rows: list[ImportRow]) -> tuple[dict[str, tuple[Any, ...]], dict[tuple[Any, ...], tuple[Any, ...]]]:
        """Stored residents of the batch's rows, by NIK and (no NIK) by folded name, birth date and KK.

        Each record is ``(id, version, family_relation, extra, *managed columns)``."""
        cols = ", ".join(["id", "version", "family_relation", "extra", *self.managed, "status", "nik",
                          "name_search", "birth_date", "kk_number"])
        niks = [r.values["nik"] for r in rows if r.values["nik"]]
        by_nik: dict[str, tuple[Any, ...]] = {}
        n = len(self.managed) + 4
        if niks:
            found = self.db.execute(
                f"SELECT {cols} FROM resident WHERE nik IN (SELECT value FROM json_each(?))",  # noqa: S608
                (json.dumps(niks),))
            for rec in found:
                nik, status = rec[n + 1], rec[n]
                prev = by_nik.get(nik)
                if prev is None or (status == 1 and prev[n] != 1):
                    by_nik[nik] = rec
        names = sorted({_fold(r.values["name"] or "") for r in rows if not r.values["nik"]})
        by_key: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        if names:
            # "+nik": look up by name (the few rows of the batch), not scan every resident without NIK
            found = self.db.execute(
                f"SELECT {cols} FROM resident WHERE +nik IS NULL AND name_search IN "  # noqa: S608
                "(SELECT value FROM json_each(?))", (json.dumps(names),))
            for rec in found:
                by_key.setdefault((rec[n + 2], rec[n + 3], rec[n + 4]), rec)
        return by_nik, by_key

    def _families(self, kks: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        if kks:
            cur = self.db.execute(
                "SELECT id, kk_number, head_resident_id, version FROM family "
                "WHERE kk_number IN (SELECT value FROM json_each(?)) ORDER BY active", (json.dumps(kks),))
            for fid, kk, head, version in cur:
                found[kk] = {"id": fid, "head_resident_id": head, "version": version}  # active ones last: they win
        return found

    def write(self, batch: list[list[ImportRow]]) -> None:
        rows = [r for g in batch for r in g]
        by_nik, by_key = self._existing(rows)
        families = self._families([g[0].values["kk_number"] for g in batch if g[0].values.get("kk_number")])
        new_families: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        family_updates: list[tuple[Any, ...]] = []
        report = self.report
        managed = self.managed
        m = len(managed)
        extra_of = self.mapper.extra_of
        new = _NewRows()
        extra_keys = self.mapper.extra
        extra_dates = self.mapper.extra_dates
        relation_at = managed.index("family_relation") if "family_relation" in managed else -1
        name_at = managed.index("name") if "name" in managed else -1
        kk_at = managed.index("kk_number") if "kk_number" in managed else -1
        for group in batch:
            kk = group[0].values.get("kk_number")
            fam = families.get(kk) if kk else None
            fam_is_new = False
            if kk and fam is None:
                head = next((r for r in group if r.values.get("family_relation") == 1), group[0])
                hv = head.values
                fam = {"id": new_id(), "kk_number": kk, "head_resident_id": None,
                       "address": hv.get("address") or "", "rt": hv.get("rt") or "", "rw": hv.get("rw") or "",
                       "dusun": hv.get("dusun") or "", "active": True, "version": 1}
                fam_is_new = True
            family_id = fam["id"] if fam else None
            head_id: str | None = None
            for row in group:
                values = row.values
                if row.warnings:
                    report.rows_with_warnings += 1
                cols = self._managed_values(values, family_id)
                name_search = _fold(cols[name_at] if name_at >= 0 else "")
                extra_set = {k: v for k in extra_keys if (v := values[k]) is not None}
                if extra_set:
                    for k in extra_dates:
                        if k in extra_set:
                            extra_set[k] = extra_set[k].isoformat()
                    extra_text = _canonical_text(extra_set)
                else:
                    extra_text = "{}"
                nik = values["nik"]
                existing = by_nik.get(nik) if nik else by_key.get(
                    (name_search, cols[self.birth_at] if self.birth_at >= 0 else None,
                     cols[kk_at] if kk_at >= 0 else None))
                if existing is None:
                    rid = new_id()
                    warnings = [{"code": w.code, "field": _field_of(w.column_header)}
                                for w in row.warnings if w.code.startswith(("nik_", "kk_"))]
                    new.add(rid, cols, name_search, extra_text, _canonical_text(warnings) if warnings else "[]",
                            len(self.outbox))
                    self.outbox.append(())  # its place: filled in below
                    report.created += 1
                    relation = cols[relation_at] if relation_at >= 0 else None
                else:
                    rid = existing[0]
                    stored = existing[4:4 + m]
                    same_cols = tuple(cols) == stored
                    stored_extra_text = existing[3]
                    if extra_text == stored_extra_text:
                        extra: dict[str, Any] | None = None  # unchanged
                    else:
                        old_extra = json.loads(stored_extra_text) if stored_extra_text else {}
                        extra = dict(old_extra or {})
                        for k, v in extra_of(values).items():
                            if v is None:
                                extra.pop(k, None)
                            else:
                                extra[k] = v
                        if extra == (old_extra or {}):
                            extra = None
                    relation = cols[relation_at] if relation_at >= 0 else existing[2]
                    if same_cols and extra is None:
                        report.unchanged += 1
                    else:
                        changed = {} if same_cols else {
                            c: v for c, v, old in zip(managed, cols, stored, strict=True) if v != old}
                        if extra is not None:
                            changed["extra"] = extra
                        base = existing[1]
                        new_extra = _canonical_text(extra) if extra is not None else stored_extra_text
                        updates.append((*cols, name_search, new_extra, self.now_text, rid))
                        self._outbox("resident", rid, "update", changed, base)
                        report.updated += 1
                if relation == 1 and head_id is None:
                    head_id = rid
            if fam is not None:
                if fam_is_new:
                    fam["head_resident_id"] = head_id
                    new_families.append((fam["id"], kk, head_id, fam["address"], fam["rt"], fam["rw"], fam["dusun"],
                                         1, 1, self.now_text, self.now_text))
                    # canonical JSON of {kk_number, head_resident_id, address, rt, rw, dusun, active, village}
                    payload = self.family_template % (
                        _encode_str(fam["address"]), _encode_str(fam["dusun"]),
                        _encode_str(head_id) if head_id is not None else "null", _encode_str(fam["kk_number"]),
                        _encode_str(fam["rt"]), _encode_str(fam["rw"]))
                    self.outbox.append(self._outbox_row("family", fam["id"], "create", payload, None))
                    report.families_created += 1
                elif head_id is not None and fam["head_resident_id"] is None:
                    family_updates.append((head_id, self.now_text, fam["id"]))
                    self._outbox("family", fam["id"], "update", {"head_resident_id": head_id}, fam["version"])
        new_residents: list[tuple[Any, ...]] = []
        if new.ids:
            new_residents, payloads = self.new_template.build(new, self.now_text)
            outbox = self.outbox
            for at, rid, payload in zip(new.outbox_at, new.ids, payloads, strict=True):
                outbox[at] = self._outbox_row("resident", rid, "create", payload, None)
        # the gateway: in-flight check before anything is written, version bumps, outbox rows
        record_changes(self.s, self.outbox)  # type: ignore[arg-type]
        db = self.db
        if new_families:
            db.executemany(_insert_sql("family", _FAMILY_COLUMNS), new_families)
        if new_residents:
            # The search index's per-row insert trigger costs ten times a bulk fill: inside this
            # transaction (we hold the write lock) take it off, fill the index for the new rows in one
            # statement, and put the trigger back. Atomic: a kill rolls all three back.
            trigger = db.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'resident_fts_ai'").fetchone()
            last = db.execute("SELECT coalesce(max(rowid), 0) FROM resident").fetchone()[0]
            if trigger:
                db.execute("DROP TRIGGER resident_fts_ai")
            db.executemany(_insert_sql("resident", _RESIDENT_COLUMNS), new_residents)
            if trigger:
                db.execute("INSERT INTO resident_fts(rowid, name_search) "
                           "SELECT rowid, name_search FROM resident WHERE rowid > ?", (last,))
                db.execute(trigger[0])
        if updates:
            sets = ", ".join(f"{c} = ?" for c in [*managed, "name_search", "extra", "updated_at"])
            db.executemany(f"UPDATE resident SET {sets} WHERE id = ?", updates)  # noqa: S608
        if family_updates:
            db.executemany("UPDATE family SET head_resident_id = ?, updated_at = ? WHERE id = ?", family_updates)


class _NewRows:
    """The new residents of a batch, column by column as they are found."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.cols: list[list[Any]] = []
        self.names: list[str] = []
        self.extras: list[str] = []
        self.warnings: list[str] = []
        self.outbox_at: list[int] = []

    def add(self, rid: str, cols: list[Any], name_search: str, extra: str, warnings: str, outbox_at: int) -> None:
        self.ids.append(rid)
        self.cols.append(cols)
        self.names.append(name_search)
        self.extras.append(extra)
        self.warnings.append(warnings)
        self.outbox_at.append(outbox_at)


class _NewResident:
    """New residents' stored rows and outbox payloads (canonical JSON), a whole batch at a time.

    The payload is the resident's synced columns plus the village, keys sorted, compact: the same
    text ``kiosk.canonical.canonical_json`` gives for it. It is filled into a template that already
    holds the keys and the values every new resident shares; each column is encoded in one pass over
    the batch (``extra`` and ``nik_warnings`` arrive as canonical JSON text).
    """

    _PER_ROW = ("id", "name_search", "extra", "nik_warnings")

    def __init__(self, managed: list[str], village: str | None) -> None:
        self.managed = managed
        self.constants = {c: v for c, v in _NEW_RESIDENT.items()
                          if c not in managed and c not in self._PER_ROW and c not in ("created_at", "updated_at")}
        shared = {k: v for k, v in self.constants.items() if k in _SYNC_COLUMNS}
        if village:
            shared["village"] = village
        keys = sorted([*_SYNC_COLUMNS, *(["village"] if village else [])])
        self.varying = [k for k in keys if k not in shared]
        self.template = "{" + ",".join(
            f"{_encode_str(k)}:" + (_json_value(shared[k]).replace("%", "%%") if k in shared else "%s")
            for k in keys) + "}"

    def build(self, new: _NewRows, now_text: str) -> tuple[list[tuple[Any, ...]], list[str]]:
        """(rows to insert in ``_RESIDENT_COLUMNS`` order, payload texts)."""
        column: dict[str, Any] = dict(zip(self.managed, zip(*new.cols, strict=True), strict=True))
        column.update(id=new.ids, name_search=new.names, extra=new.extras, nik_warnings=new.warnings,
                      created_at=repeat(now_text), updated_at=repeat(now_text))
        for c, v in self.constants.items():
            column[c] = repeat(v)
        rows = list(zip(*[column[c] for c in _RESIDENT_COLUMNS], strict=False))  # constants repeat
        encoded = [column[k] if k in ("extra", "nik_warnings") else _encode_column(column[k]) for k in self.varying]
        template = self.template
        return rows, [template % values for values in zip(*encoded, strict=True)]


def _encode_column(values: Sequence[Any]) -> list[str]:
    """JSON of each value; a column of text or of small codes is encoded without a Python loop."""
    kinds = set(map(type, values))
    if kinds == _STR:
        return list(map(_encode_str, values))
    if kinds <= _CODES:
        try:
            return list(map(_LITERALS.__getitem__, values))
        except KeyError:
            pass
    return [_encode_str(v) if v.__class__ is str else _json_value(v) for v in values]


def _json_value(value: Any) -> str:
    if value is None:
        return "null"
    if value.__class__ is int:
        return _SMALL_INTS[value] if 0 <= value < 1000 else int.__repr__(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


_SMALL_INTS = [str(i) for i in range(1000)]
_LITERALS: dict[Any, str] = {None: "null", **{i: s for i, s in enumerate(_SMALL_INTS)}}
_STR = frozenset({str})
_CODES = frozenset({int, type(None)})
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _canonical_text(value: Any) -> str:
    """Canonical JSON text (as ``kiosk.canonical.canonical_json``) of plain JSON values."""
    return _CANONICAL.encode(value)


def _fold(name: str) -> str:
    """``kiosk.text.fold_name``, with a shortcut for plain ASCII names (the same result)."""
    if name.isascii():
        return _NON_WORD.sub(" ", _ASCII_APOSTROPHES.sub("", name).lower()).strip()
    return fold_name(name)


_NON_WORD = re.compile(r"[^0-9a-z]+")
_ASCII_APOSTROPHES = re.compile(r"['`]")
_FAMILY_COLUMNS = ["id", "kk_number", "head_resident_id", "address", "rt", "rw", "dusun", "active", "version",
                   "created_at", "updated_at"]


_IMPORT_CACHE_KIB = -65536  # 64 MiB
_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy's SQLite DateTime stores a datetime


def _insert_sql(table: str, cols: list[str]) -> str:
    return f'INSERT INTO "{table}" ({", ".join(cols)}) VALUES ({", ".join("?" for _ in cols)})'


def _plain(value: Any) -> Any:
    """A value as it travels in JSON (dates as ISO text)."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
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
