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
from kiosk.i18n import N_
from kiosk.ids import new_id
from kiosk.importer import ImportFileError, ImportRow, RowIssue, read_rows, write_workbook
from kiosk.importer.columns import DATE_KEYS, KEYS, closest_header
from kiosk.importer.source import ImportBook, open_book
from kiosk.models import OfficeProfile, Resident, utcnow
from kiosk.nik import mask_nik
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
    sheet: str = ""
    nik: str = ""  # masked

    def to_json(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "nik": self.nik, "column": self.column,
                "reason": self.reason, "code": self.code}


RowWarning = RejectedIssue
"""A warning on an imported row: the same fields as a rejection's reason (the row was imported)."""


@dataclass(frozen=True)
class FieldChange:
    """One changed field of an updated resident, under its OpenSID header, as stored before and after."""

    column: str
    old: Any
    new: Any

    def to_json(self) -> dict[str, Any]:
        return {"column": self.column, "old": _plain(self.old), "new": _plain(self.new)}


@dataclass(frozen=True)
class ResidentChange:
    """An updated resident: where in the file, who (NIK masked) and what changed, old -> new."""

    sheet: str
    row: int
    nik: str
    name: str
    fields: tuple[FieldChange, ...]

    def to_json(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "nik": self.nik, "name": self.name,
                "fields": [f.to_json() for f in self.fields]}


@dataclass
class SheetReport:
    """The counts of one sheet of the workbook (the import's totals are their sums)."""

    name: str
    header_row: int = 1
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    duplicates: int = 0
    rows_with_warnings: int = 0
    unknown_headers: list[str] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "header_row": self.header_row, "rows": self.rows, "created": self.created,
                "updated": self.updated, "unchanged": self.unchanged, "rejected": self.rejected,
                "duplicates": self.duplicates, "rows_with_warnings": self.rows_with_warnings,
                "unknown_headers": self.unknown_headers, "ignored_headers": self.ignored_headers}


@dataclass(frozen=True)
class SkippedSheetReport:
    name: str
    code: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "code": self.code, "reason": self.reason}


@dataclass
class ImportReport:
    """Exact counts of one import. ``rejected`` counts rows; ``issues`` lists every reason.

    ``rows == created + updated + unchanged + rejected + duplicates`` (a duplicate repeats another row
    of the file exactly and is imported once).
    """

    file: str
    sheet: str = ""  # the sheets read, joined with ", "
    dry_run: bool = False
    rows: int = 0  # data rows read (the ### marker and empty rows are not rows)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    duplicates: int = 0
    families_created: int = 0
    rows_with_warnings: int = 0
    issues: list[RejectedIssue] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    changes: list[ResidentChange] = field(default_factory=list)
    sheets: list[SheetReport] = field(default_factory=list)
    skipped_sheets: list[SkippedSheetReport] = field(default_factory=list)
    rejected_rows: list[ImportRow] = field(default_factory=list, repr=False)
    rejects_file: str | None = None
    interrupted: bool = False
    seconds_reading: float = 0.0
    seconds_writing: float = 0.0
    _by_sheet: dict[str, SheetReport] = field(default_factory=dict, repr=False)

    @property
    def accepted(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def ok(self) -> bool:
        """At least one row could be imported (or was already there)."""
        return self.accepted > 0

    def sheet_report(self, name: str) -> SheetReport:
        found = self._by_sheet.get(name)
        if found is None:
            found = self._by_sheet[name] = SheetReport(name)
            self.sheets.append(found)
        return found

    def count(self, row: ImportRow, what: str) -> None:
        """One more row ``what`` (created, updated, unchanged, rejected, duplicates), in total and per sheet."""
        setattr(self, what, getattr(self, what) + 1)
        sheet = self._by_sheet.get(row.sheet) or self.sheet_report(row.sheet)
        setattr(sheet, what, getattr(sheet, what) + 1)

    def reject(self, row: ImportRow) -> None:
        """Count ``row`` (its ``errors`` filled) as rejected and list its reasons."""
        self.count(row, "rejected")
        self.rejected_rows.append(row)
        nik = mask_nik(row.values.get("nik"))
        self.issues.extend(RejectedIssue(row.row, i.column_header, i.message(), i.code, row.sheet, nik)
                           for i in row.errors)

    def note_warnings(self, row: ImportRow) -> None:
        self.rows_with_warnings += 1
        sheet = self._by_sheet.get(row.sheet) or self.sheet_report(row.sheet)
        sheet.rows_with_warnings += 1
        nik = mask_nik(row.values.get("nik"))
        self.warnings.extend(RowWarning(row.row, i.column_header, i.message(), i.code, row.sheet, nik)
                             for i in row.warnings)

    _COUNTS = ("created", "updated", "unchanged", "rejected", "duplicates", "families_created",
               "rows_with_warnings")

    def snapshot(self) -> tuple[Any, ...]:
        """The counts and lists a batch adds to (to undo a batch that did not commit)."""
        return (tuple(getattr(self, c) for c in self._COUNTS),
                [tuple(getattr(sh, c) for c in self._COUNTS if hasattr(sh, c)) for sh in self.sheets],
                len(self.issues), len(self.warnings), len(self.changes), len(self.rejected_rows))

    def restore(self, saved: tuple[Any, ...]) -> None:
        counts, sheets, issues, warnings, changes, rejected_rows = saved
        for c, v in zip(self._COUNTS, counts, strict=True):
            setattr(self, c, v)
        for sh, values in zip(self.sheets, sheets, strict=False):
            for c, v in zip([c for c in self._COUNTS if hasattr(sh, c)], values, strict=True):
                setattr(sh, c, v)
        del self.issues[issues:], self.warnings[warnings:], self.changes[changes:]
        del self.rejected_rows[rejected_rows:]

    def unnote_warnings(self, row: ImportRow) -> None:
        """Take back ``note_warnings(row)`` (the row was rejected after all)."""
        if not row.warnings:
            return
        self.rows_with_warnings -= 1
        sheet = self._by_sheet.get(row.sheet) or self.sheet_report(row.sheet)
        sheet.rows_with_warnings -= 1
        self.warnings[:] = [w for w in self.warnings if (w.sheet, w.row) != (row.sheet, row.row)]

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "file": self.file, "sheet": self.sheet, "dry_run": self.dry_run, "rows": self.rows,
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "rejected": self.rejected, "duplicates": self.duplicates, "families_created": self.families_created,
            "rows_with_warnings": self.rows_with_warnings, "interrupted": self.interrupted,
            "rejects_file": self.rejects_file,
            "sheets": [sh.to_json() for sh in self.sheets],
            "skipped_sheets": [sk.to_json() for sk in self.skipped_sheets],
            "rejects": [i.to_json() for i in self.issues],
            "warnings": [w.to_json() for w in self.warnings],
            "changes": [c.to_json() for c in self.changes],
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

    def __init__(self, session: Session, actor: Actor, report: ImportReport, present: set[str], village: str | None,
                 store: Store | None = None, today: dt.date | None = None, file: str = ""):
        self.s = session
        self.actor = actor
        self.store = store
        self.today = today or dt.date.today()
        self.file = file
        self.rules: list[_RuleRow] = []
        self.pending_heads: list[tuple[str, ImportRow, list[str]]] = []  # (family id, row, [its new id])
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
        # (index in managed, key in ImportRow.values): an empty cell there keeps the stored value
        self.keys_at = list(enumerate([*self.text_keys, *self.other_keys, *(["kk_number"] if self.has_kk else [])]))
        self.header_of = {c: _HEADER_OF_COLUMN.get(c, c) for c in self.managed}
        self.status_at = self.managed.index("status")
        self.family_at = len(self.managed) - 1 if self.has_kk else -1
        self.relation_at = self.managed.index("family_relation") if "family_relation" in self.managed else -1
        self.address_at = [self.managed.index(c) for c in ("address", "rt", "rw", "dusun") if c in self.managed]
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

    def _missing_for_new(self, values: dict[str, Any]) -> list[str]:
        """The headers a new resident needs that this row leaves empty (a partial sheet updates only)."""
        return [h for k, h in _NEW_REQUIRED if values.get(k) is None]

    def _warnings_text(self, stored_text: Any, found: list[dict[str, str]], values: dict[str, Any]) -> Any:
        """The resident's NIK/No. KK warnings after this row: those of the numbers the row gave are
        recomputed (a corrected number loses its warning), the others kept."""
        if not found and stored_text == "[]":
            return stored_text  # the usual case: no warning before, none now
        if found and isinstance(stored_text, str) and stored_text == _canonical_text(found):
            return stored_text  # the same warnings as stored (none of another field kept)
        stored = json.loads(stored_text) if isinstance(stored_text, str) else (stored_text or [])
        # a NIK's warnings compare it with the birth date and sex: recomputed only when the row has
        # all three (a row that leaves the birth date empty keeps the stored one, and its warnings)
        fields = {"nik"} if values.get("nik") and values.get("birth_date") and values.get("sex") else set()
        if self.has_kk and values.get("kk_number"):
            fields.add("kk_number")
        kept = [w for w in stored if w.get("field") not in fields]
        result = kept + [w for w in found if w["field"] in fields]
        if result == stored:
            return stored_text
        return _canonical_text(result)

    def _existing(self, rows: list[ImportRow]) -> tuple[dict[str, tuple[Any, ...]], dict[tuple[Any, ...], tuple[Any, ...]]]:
        """Stored residents of the batch's rows, by NIK and (no NIK) by folded name, birth date and KK.

        Each record is ``(id, version, family_relation, extra, *managed columns)``."""
        cols = ", ".join(["id", "version", "family_relation", "extra", *self.managed, "status", "nik",
                          "name_search", "birth_date", "kk_number", "nik_warnings", "family_id", "name"])
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
        n_search, n_warnings, n_name = m + 6, m + 9, m + 11
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
            blocked, pending = self._heads(group, by_nik, by_key, fam, fam_is_new, kk)
            for row in group:
                values = row.values
                if blocked and id(row) in blocked:
                    row.errors.append(blocked[id(row)])
                    report.reject(row)
                    continue
                cols = self._managed_values(values, family_id)
                nik = values["nik"]
                name_search = _fold(cols[name_at] if name_at >= 0 and cols[name_at] else "")
                extra_set = {k: v for k in extra_keys if (v := values[k]) is not None}
                if extra_set:
                    for k in extra_dates:
                        if k in extra_set:
                            extra_set[k] = extra_set[k].isoformat()
                    extra_text = _canonical_text(extra_set)
                else:
                    extra_text = "{}"
                existing = by_nik.get(nik) if nik else by_key.get(
                    (name_search, cols[self.birth_at] if self.birth_at >= 0 else None,
                     cols[kk_at] if kk_at >= 0 else None))
                row_warnings = [{"code": w.code, "field": _field_of(w.column_header)}
                                for w in row.warnings if w.code.startswith(("nik_", "kk_"))]
                if existing is None:
                    missing = self._missing_for_new(values)
                    if missing:
                        row.errors.append(RowIssue(missing[0], NEW_NEEDS, _NEW_NEEDS_TEMPLATE,
                                                   {"columns": ", ".join(missing)}))
                        report.reject(row)
                        continue
                    if row.warnings:
                        report.note_warnings(row)
                    rid = new_id()
                    if pending is row and fam is not None:
                        self.pending_heads.append((fam["id"], row, [rid]))
                    new.add(rid, cols, name_search, extra_text,
                            _canonical_text(row_warnings) if row_warnings else "[]", len(self.outbox))
                    self.outbox.append(())  # its place: filled in below
                    report.count(row, "created")
                    relation = cols[relation_at] if relation_at >= 0 else None
                else:
                    if row.warnings:
                        report.note_warnings(row)
                    rid = existing[0]
                    stored = existing[4:4 + m]
                    cleared = row.cleared
                    for i, k in self.keys_at:  # an empty cell leaves the stored value alone
                        if values[k] is None and (cleared is None or k not in cleared or stored[i] == "-"):
                            cols[i] = stored[i]  # ("-" clearing a stored "-": both say "none")
                    if name_at >= 0 and cols[name_at] == stored[name_at]:
                        name_search = existing[n_search]
                    same_cols = tuple(cols) == stored
                    stored_extra_text = existing[3]
                    old_extra: dict[str, Any] = {}
                    if extra_text == stored_extra_text:
                        extra: dict[str, Any] | None = None  # unchanged
                    else:
                        old_extra = (json.loads(stored_extra_text) if stored_extra_text else {}) or {}
                        extra = dict(old_extra)
                        for k, v in extra_of(values).items():
                            if v is not None:
                                extra[k] = v
                            elif cleared is not None and k in cleared:
                                extra.pop(k, None)
                        if extra == old_extra:
                            extra = None
                    stored_warnings_text = existing[n_warnings]
                    warnings_text = self._warnings_text(stored_warnings_text, row_warnings, values)
                    relation = cols[relation_at] if relation_at >= 0 else existing[2]
                    if same_cols and extra is None and warnings_text == stored_warnings_text:
                        report.count(row, "unchanged")
                    else:
                        changed = {} if same_cols else {
                            c: v for c, v, old in zip(managed, cols, stored, strict=True) if v != old}
                        fields = [FieldChange(self.header_of[c], old, v)
                                  for c, v, old in zip(managed, cols, stored, strict=True)
                                  if v != old and c != "family_id"]
                        if extra is not None:
                            changed["extra"] = extra
                            fields += [FieldChange(_HEADER_OF_KEY.get(k, k), old_extra.get(k), extra.get(k))
                                       for k in sorted(set(extra) | set(old_extra))
                                       if extra.get(k) != old_extra.get(k)]
                        rule = self._rule_of(cols, stored, existing[2])
                        if rule is not None:
                            # family, head or status changes: the screens' rules, after the bulk writes
                            plain = {c: v for c, v in changed.items() if c not in _RULE_COLUMNS and c != "nik_warnings"}
                            self.rules.append(_RuleRow(row, rid, plain, *rule, tuple(fields), str(existing[n_name])))
                            if relation == 1 and head_id is None:
                                head_id = rid
                            continue
                        if warnings_text != stored_warnings_text:
                            changed["nik_warnings"] = json.loads(warnings_text)
                        base = existing[1]
                        new_extra = _canonical_text(extra) if extra is not None else stored_extra_text
                        updates.append((*cols, name_search, new_extra, warnings_text, self.now_text, rid))
                        self._outbox("resident", rid, "update", changed, base)
                        report.count(row, "updated")
                        if fields:
                            report.changes.append(ResidentChange(row.sheet, row.row, mask_nik(nik),
                                                                 str(existing[n_name]), tuple(fields)))
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
            sets = ", ".join(f"{c} = ?" for c in [*managed, "name_search", "extra", "nik_warnings", "updated_at"])
            db.executemany(f"UPDATE resident SET {sets} WHERE id = ?", updates)  # noqa: S608
        if family_updates:
            db.executemany("UPDATE family SET head_resident_id = ?, updated_at = ? WHERE id = ?", family_updates)
        if self.rules or self.pending_heads:
            self._apply_rules()

    def _rule_of(self, cols: list[Any], stored: tuple[Any, ...], old_relation: Any) -> tuple[Any, Any, Any] | None:
        """(new family id, new relation, new status) when an update changes the family, the head or
        the status, or changes a head's address (each ``None`` when unchanged); else ``None``."""
        status_new, status_old = cols[self.status_at], stored[self.status_at]
        moved = self.has_kk and cols[self.family_at] is not None and cols[self.family_at] != stored[self.family_at]
        relation = cols[self.relation_at] if self.relation_at >= 0 else old_relation
        head_changed = relation != old_relation and RELATION_HEAD in (relation, old_relation)
        head_address = old_relation == RELATION_HEAD and any(cols[i] != stored[i] for i in self.address_at)
        if not (status_new != status_old or moved or head_changed or head_address):
            return None
        return (cols[self.family_at] if moved else None, relation if relation != old_relation else None,
                status_new if status_new != status_old else None)

    def _heads(
        self, group: list[ImportRow], by_nik: dict[str, tuple[Any, ...]], by_key: dict[tuple[Any, ...], tuple[Any, ...]],
        fam: dict[str, Any] | None, fam_is_new: bool, kk: str | None,
    ) -> tuple[dict[int, RowIssue], ImportRow | None]:
        """One head per KK: (rows to reject with the reason, a new head that replaces the stored one).

        A second head row in the file is rejected naming the first; a head row for a KK whose stored
        head stays head (their row is not in the file with another relation) is rejected naming them.
        """
        if kk is None:
            return {}, None
        m = len(self.managed)
        candidates: list[tuple[ImportRow, tuple[Any, ...] | None]] = []
        relations: list[tuple[tuple[Any, ...] | None, Any]] = []
        for row in group:
            v = row.values
            ex = by_nik.get(v["nik"]) if v["nik"] else by_key.get(
                (_fold(v.get("name") or ""), v["birth_date"].isoformat() if v.get("birth_date") else None, kk))
            relation = v.get("family_relation")
            if relation is None and ex is not None:
                relation = ex[2]
            status = v.get("basic_status") or (ex[4 + m] if ex is not None else 1)
            relations.append((ex, relation))
            if relation == RELATION_HEAD and status == 1:
                candidates.append((row, ex))
        if not candidates or (fam_is_new and len(candidates) == 1):
            return {}, None
        blocked: dict[int, RowIssue] = {}
        first = candidates[0][0]
        for row, _ex in candidates[1:]:
            blocked[id(row)] = RowIssue(_HEADER_OF_COLUMN["family_relation"], SECOND_HEAD, _SECOND_HEAD_TEMPLATE,
                                        {"row": first.row, "sheet": first.sheet, "kk": kk})
        pending = None
        head = fam.get("head_resident_id") if fam is not None and not fam_is_new else None
        row, ex = candidates[0]
        if head is not None and (ex is None or ex[0] != head):
            if any(e is not None and e[0] == head and r not in (None, RELATION_HEAD) for e, r in relations):
                pending = row  # the stored head becomes a member in the same file: a change of head
            else:
                found = self.db.execute("SELECT nik, name FROM resident WHERE id = ?", (head,)).fetchone()
                nik, name = found if found else ("", "")
                blocked[id(row)] = RowIssue(_HEADER_OF_COLUMN["family_relation"], HAS_HEAD, _HAS_HEAD_TEMPLATE,
                                            {"kk": kk, "nik": mask_nik(nik) or "-", "name": name})
        return blocked, pending

    def _apply_rules(self) -> None:
        """Rows that change a family, a head or a status go through ``ResidentService``'s rules (the
        same as the screens), each in a savepoint: a row those rules refuse is rejected with their reason
        and leaves nothing behind."""
        from kiosk.errors import ValidationError
        from kiosk.models import Family
        from kiosk.services.residents import ResidentService

        service = ResidentService(self.store)  # type: ignore[arg-type]
        report = self.report
        # heads that become members first, so that the new head finds the family free
        rules = sorted(self.rules, key=lambda r: 0 if r.relation not in (None, RELATION_HEAD) else 1)
        for rule in rules:
            row = rule.row
            savepoint = self.s.begin_nested()
            try:
                service.apply_imported_change(
                    self.s, self.actor, rule.resident_id, _plain_changes(rule.changes), family_id=rule.family_id,
                    relation=rule.relation, status=rule.status, when=self.today,
                    details={"source": "import", "file": self.file, "sheet": row.sheet, "row": row.row})
                savepoint.commit()
            except ValidationError as exc:
                savepoint.rollback()
                for key, message in (exc.fields or {"": exc.template}).items():
                    row.errors.append(RowIssue(_HEADER_OF_COLUMN.get(key, key), "rule_" + (key or "row"), message))
                report.unnote_warnings(row)  # a rejected row is listed with its reasons, not as imported
                report.reject(row)
                continue
            report.count(row, "updated")
            if rule.fields:
                report.changes.append(ResidentChange(row.sheet, row.row, mask_nik(row.values.get("nik")), rule.name,
                                                     rule.fields))
        for family_id, _row, (rid,) in self.pending_heads:
            fam = self.s.get(Family, family_id)
            if fam is not None and fam.head_resident_id is None:
                service._set_family(self.s, self.actor, fam, head_resident_id=rid, active=True)


@dataclass
class _RuleRow:
    row: ImportRow
    resident_id: str
    changes: dict[str, Any]
    family_id: str | None
    relation: int | None
    status: int | None
    fields: tuple[FieldChange, ...]
    name: str


_RULE_COLUMNS = frozenset({"status", "family_id", "kk_number", "family_relation"})
RELATION_HEAD = 1
SECOND_HEAD = "second_head_in_kk"
HAS_HEAD = "kk_has_head"
_SECOND_HEAD_TEMPLATE = N_("Row {row} of sheet “{sheet}” is already the head (kepala keluarga) of KK {kk}; a KK has "
                           "one head.")
_HAS_HEAD_TEMPLATE = N_("KK {kk} already has a head ({nik}, {name}). To change the head, give them another relation "
                        "(kk_level) in the same file, or use “change head” on the family screen.")


def _plain_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """Stored column values as ``ResidentService.edit`` takes them (dates are ISO text here)."""
    return dict(changes)


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


NEW_NEEDS = "new_resident_needs"
_NEW_NEEDS_TEMPLATE = N_("A new resident needs {columns}; this row (or its sheet) leaves them empty.")
_NEW_REQUIRED = (("name", "nama"), ("sex", "sex"))
_HEADER_OF_KEY = {key: header for header, key in KEYS.items()}
_HEADER_OF_COLUMN = {column: _HEADER_OF_KEY[key] for key, column in COLUMN_OF.items()}


def _field_of(header: str) -> str:
    return "kk_number" if "kk" in header.lower() else "nik"


class HeadersToRename(ImportFileError):
    """A sheet lacks a column the store keeps while an unknown header beside it (with data) looks
    like that column's name: importing would lose the column's data without a word."""

    code = "import_headers_to_rename"
    template = N_("Nothing was imported from {name}: rename these headers first (or remove their columns): "
                  "{renames}.")


class RejectsNotWritable(ImportFileError):
    code = "import_rejects_not_writable"
    template = N_("The list of rejected rows cannot be written to {path} ({reason}); nothing was imported. "
                  "Choose another place for it.")


DUPLICATE_CONFLICT = "nik_conflict_in_file"
DUPLICATE_REPEAT = "nik_repeated_in_file"
_DUPLICATE_TEMPLATES = {
    DUPLICATE_CONFLICT: N_("This NIK is also on row {row} of sheet “{sheet}” with other data: both rows are "
                           "rejected. Keep one of them."),
    DUPLICATE_REPEAT: N_("This row repeats row {row} of sheet “{sheet}” exactly; the resident is imported once."),
}


def _check_headers(book: ImportBook) -> None:
    """Refuse the file when an unknown header (with data) stands for a column the sheet lacks."""
    renames: list[str] = []
    for source in book.sheets:
        for header in source.unknown_with_data():
            known = closest_header(header, source.missing_columns)
            if known is not None:
                renames.append(f"“{header}” → “{known}” ({source.sheet_name})")
    if renames:
        raise HeadersToRename(name=book.path.name, renames="; ".join(renames))


def _check_rejects_path(path: Path) -> None:
    """Make sure the rejects CSV can be written before anything is imported (it is written at the end)."""
    existed = path.exists()
    try:
        if path.is_dir():
            raise IsADirectoryError(str(path))
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise RejectsNotWritable(path=str(path), reason=exc.strerror or type(exc).__name__) from exc
    if not existed:
        path.unlink(missing_ok=True)


def import_residents(
    store: Store, actor: Actor, path: str | Path, *, dry_run: bool = False,
    progress: ProgressCallback | None = None, batch_size: int = 5000, today: dt.date | None = None,
    rejects_path: str | Path | None = None,
) -> ImportReport:
    """Import an OpenSID resident workbook (every resident sheet) or CSV. Raises ``ImportFileError``
    when the file as a whole cannot be read or would lose a column; otherwise returns an exact
    ``ImportReport`` (rows rejected with sheet, row, column and reason). With ``dry_run`` every batch
    is worked out and rolled back. ``rejects_path``: the rejected rows and the warnings as CSV,
    checked to be writable before anything is imported."""
    require(actor, "resident.import")
    path = Path(path)
    rejects = Path(rejects_path) if rejects_path is not None else None
    if rejects is not None:
        _check_rejects_path(rejects)
    book = open_book(path)
    _check_headers(book)
    present = set().union(*(source.columns for source in book.sheets))
    report = ImportReport(file=path.name, sheet=", ".join(s.sheet_name for s in book.sheets), dry_run=dry_run)
    for source in book.sheets:
        sheet = report.sheet_report(source.sheet_name)
        sheet.header_row = source.header_index + 1
        sheet.unknown_headers = list(source.unknown_headers)
        sheet.ignored_headers = list(source.ignored_headers)
    report.skipped_sheets = [SkippedSheetReport(sk.name, sk.code, sk.message()) for sk in book.skipped]
    good: list[ImportRow] = []
    gc_was_enabled = gc.isenabled()
    gc.disable()  # tens of thousands of row dicts: the cyclic collector would rescan them over and over
    try:
        _import(store, actor, path, book, present, report, good, dry_run, progress, batch_size, today)
    finally:
        if gc_was_enabled:
            gc.enable()
    if rejects is not None:
        from kiosk.importer import write_rejects_csv

        write_rejects_csv(rejects, report.rejected_rows, warnings=report.warnings)
        report.rejects_file = str(rejects)
    return report


_DUSUN_PREFIX = re.compile(r"^(?:DUSUN|DUSUNAN|DSN|DS|DKH|LINGKUNGAN|LINGK)\b\.?\s*", re.IGNORECASE)


def dusun_key(text: str) -> str:
    """How two dusun spellings are compared: no "Dusun "/"Dsn."/"Ds." prefix, ``_`` as space, case
    and spacing ignored (OpenSID's importer upper-cases and drops "DUSUN ")."""
    cleaned = _DUSUN_PREFIX.sub("", " ".join(text.replace("_", " ").split()))
    return " ".join(cleaned.split()).upper()


class _DusunNames:
    """One spelling per dusun: the setting ``import.dusun_aliases`` first, then the spelling the
    store already uses, else the file's first spelling (without its "Dusun " prefix)."""

    def __init__(self, known: dict[str, str]) -> None:
        self.known = known

    @classmethod
    def load(cls, session: Session) -> _DusunNames:
        from kiosk import settings
        from kiosk.models import Family

        known: dict[str, str] = {}
        for table in (Resident.__table__, Family.__table__):
            for (name,) in session.execute(select(table.c.dusun).where(table.c.dusun != "").distinct()):
                known.setdefault(dusun_key(name), name)
        aliases = settings.get(session, settings.DUSUN_ALIASES) or {}
        for alias, name in aliases.items():
            if isinstance(alias, str) and isinstance(name, str) and name.strip():
                known[dusun_key(alias)] = known.get(dusun_key(name), " ".join(name.split()))
        return cls(known)

    def apply(self, rows: list[ImportRow]) -> None:
        known = self.known
        cache: dict[str, str] = {}
        for row in rows:
            raw = row.values.get("dusun")
            if not raw:
                continue
            found = cache.get(raw)
            if found is None:
                key = dusun_key(raw)
                found = known.get(key)
                if found is None:
                    found = known[key] = _DUSUN_PREFIX.sub("", " ".join(raw.replace("_", " ").split())) or raw
                cache[raw] = found
            row.values["dusun"] = found


def _duplicates(rows: list[ImportRow], report: ImportReport) -> list[ImportRow]:
    """The rows to import: a NIK on two rows (of one sheet or two) with different data rejects both,
    an exact repeat is imported once."""
    first: dict[str, ImportRow] = {}
    conflicted: set[int] = set()
    repeats: set[int] = set()
    for row in rows:
        nik = row.values["nik"]
        if not nik:
            continue
        other = first.setdefault(nik, row)
        if other is row:
            continue
        if other.values == row.values and (other.cleared or set()) == (row.cleared or set()):
            row.warnings.append(RowIssue("nik", DUPLICATE_REPEAT, _DUPLICATE_TEMPLATES[DUPLICATE_REPEAT],
                                         {"row": other.row, "sheet": other.sheet}))
            repeats.add(id(row))
            continue
        row.errors.append(RowIssue("nik", DUPLICATE_CONFLICT, _DUPLICATE_TEMPLATES[DUPLICATE_CONFLICT],
                                   {"row": other.row, "sheet": other.sheet}))
        if id(other) not in conflicted:
            other.errors.append(RowIssue("nik", DUPLICATE_CONFLICT, _DUPLICATE_TEMPLATES[DUPLICATE_CONFLICT],
                                         {"row": row.row, "sheet": row.sheet}))
        conflicted.add(id(other))
        conflicted.add(id(row))
    if not conflicted and not repeats:
        return rows
    out = []
    for row in rows:
        if id(row) in conflicted:
            report.reject(row)
        elif id(row) in repeats:
            report.count(row, "duplicates")
            report.note_warnings(row)
        else:
            out.append(row)
    return out


def _import(
    store: Store, actor: Actor, path: Path, book: ImportBook, present: set[str], report: ImportReport,
    good: list[ImportRow], dry_run: bool, progress: ProgressCallback | None, batch_size: int,
    today: dt.date | None,
) -> ImportReport:
    started = time.perf_counter()
    for source in book.sheets:
        sheet = report.sheet_report(source.sheet_name)
        for row in read_rows(source, today=today, check_duplicates=False):
            report.rows += 1
            sheet.rows += 1
            if row.errors:
                report.reject(row)
            else:
                good.append(row)
    with store.read() as s:
        dusun_names = _DusunNames.load(s)
    dusun_names.apply(good)
    good[:] = _duplicates(good, report)

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
        saved = report.snapshot()
        before = (report.created, report.updated, report.unchanged, report.families_created)
        try:
            with store.write() as s:
                # a larger page cache while the random-key indexes (NIK, name) grow; reset below
                s.connection().exec_driver_sql(f"PRAGMA cache_size = {_IMPORT_CACHE_KIB}")
                writer = _Writer(s, actor, report, present, village, store=store, today=today, file=path.name)
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
            report.restore(saved)
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


def opensid_values(values: dict[str, Any]) -> dict[str, Any]:
    """A resident's values as OpenSID's own export writes them, so that OpenSID imports the file
    (its ``Ekspor_model::expor``): an empty dusun, RT or RW as ``-`` (OpenSID refuses a new resident
    without them), a missing NIK as ``0`` (OpenSID's "no NIK yet"). Our importer reads both back as empty."""
    for key in ("dusun", "rt", "rw"):
        if not values.get(key):
            values[key] = "-"
    if not values.get("nik"):
        values["nik"] = "0"
    return values


def _export_rows(store: Store, include_inactive: bool) -> Iterable[dict[str, Any]]:
    table = Resident.__table__
    stmt = select(table).order_by(table.c.kk_number, table.c.family_relation, table.c.birth_date)
    if not include_inactive:
        stmt = stmt.where(table.c.status == 1)
    with store.engine.connect() as conn:
        for rec in conn.execute(stmt).mappings():
            yield opensid_values(resident_to_values(rec))


def export_residents(store: Store, actor: Actor, path: str | Path, *, include_inactive: bool = True) -> int:
    """Write every resident as an OpenSID "Data Penduduk" workbook (as OpenSID's export writes it, see
    ``opensid_values``); returns how many were written."""
    require(actor, "resident.export")
    count = write_workbook(path, _export_rows(store, include_inactive))
    with store.write() as s:
        write_audit(s, actor, action="resident.export", entity="resident_export", entity_id=Path(path).name,
                    details={"residents": count})
    return count
