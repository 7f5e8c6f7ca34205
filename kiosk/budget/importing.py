"""One import path for budget files (Siskeudes zip, the simple template): check, report, then replace.

A reader turns a file into ``ParsedBudget`` (plain data, every reject and warning with its table, row
and column). ``plan`` compares it with the store; ``apply`` writes it in one transaction: each version's
lines replace that version's lines (a version already set cannot be replaced by different lines), and
the realization ledger is reconciled by each entry's source key — new entries are appended, changed or
vanished ones get a correcting entry — so the ledger stays append-only and equals the file. Any reject
refuses the whole import: nothing is half-imported.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from kiosk.actor import Actor
from kiosk.budget import ledger
from kiosk.budget.models import STATUS_DRAFT, Apbdes, ApbdesLine, RealisasiEntry
from kiosk.budget.money import ZERO, to_sen
from kiosk.budget.notices import Notice
from kiosk.budget.reference import reference_for
from kiosk.budget.service import (
    ENTITY_APBDES,
    ENTITY_REALISASI,
    STATUS_LABELS,
    apbdes_payload,
    version_label,
)
from kiosk.changes import record_change, record_changes
from kiosk.db import Store
from kiosk.errors import DomainError
from kiosk.i18n import N_, _
from kiosk.ids import new_id
from kiosk.models import OfficeProfile, utcnow
from kiosk.permissions import require

log = logging.getLogger(__name__)


class ImportRefused(DomainError):
    """The file has rejects (or cannot be read): nothing was imported. ``report`` says everything."""

    code = "apbdes_import_refused"
    template = N_("Nothing was imported: {count} problem(s) in the file. First: {first}")

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        first = report.rejects[0].text() if report.rejects else ""
        super().__init__(count=len(report.rejects), first=first)

    def user_message(self) -> str:
        return _(self.template).format(count=self.data["count"],
                                       first=self.report.rejects[0].text() if self.report.rejects else "")


@dataclass
class ParsedLine:
    kode_rekening: str
    kode_kegiatan: str | None
    uraian: str
    anggaran: Decimal
    sumber_dana: str = ""
    volume: str | None = None
    satuan: str = ""
    harga_satuan: Decimal | None = None
    lokasi: str = ""
    keluaran: str = ""
    tags: list[str] = field(default_factory=list)


@dataclass
class ParsedEntry:
    tanggal: dt.date
    kode_rekening: str
    kode_kegiatan: str | None
    sumber_dana: str
    jumlah: Decimal
    jenis: str
    bukti_no: str
    source_ref: str


@dataclass
class ParsedBudget:
    """What a reader found in a file."""

    source: str  # siskeudes | template
    tahun: int | None = None
    kd_desa: str = ""
    siskeudes_version: str = ""
    versions: dict[int, list[ParsedLine]] = field(default_factory=dict)
    perdes: dict[int, tuple[str, dt.date | None]] = field(default_factory=dict)
    entries: list[ParsedEntry] = field(default_factory=list)
    # the file's own totals per version: {"kelompok": {...}, "bidang": {...}}
    file_totals: dict[int, dict[str, dict[str, Decimal]]] = field(default_factory=dict)
    tables: dict[str, int] = field(default_factory=dict)  # rows read per table
    rejects: list[Notice] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)

    def reject(self, template: str, *, table: str = "", row: int | None = None, column: str = "",
               **data: Any) -> None:
        self.rejects.append(Notice(template, data, table, row, column))

    def warn(self, template: str, *, table: str = "", row: int | None = None, column: str = "",
             **data: Any) -> None:
        self.warnings.append(Notice(template, data, table, row, column))


@dataclass
class VersionReport:
    versi: int
    lines: int
    totals: ledger.Amounts
    per_kelompok: dict[str, Decimal]
    per_bidang: dict[str, Decimal]
    matches_file: bool | None  # None: the file carries no totals of its own to compare
    action: str  # create | replace | unchanged

    def to_json(self) -> dict[str, Any]:
        return {"versi": self.versi, "lines": self.lines, "totals": self.totals.to_json(),
                "per_kelompok": {k: str(v) for k, v in self.per_kelompok.items()},
                "per_bidang": {k: str(v) for k, v in self.per_bidang.items()},
                "matches_file": self.matches_file, "action": self.action}


@dataclass
class ImportReport:
    source: str
    tahun: int | None
    kd_desa: str
    siskeudes_version: str
    dry_run: bool
    tables: dict[str, int]
    versions: list[VersionReport]
    entries: int  # realization entries in the file
    entries_added: int  # new ledger entries (appended or correcting) this import writes
    realization: ledger.Amounts
    rejects: list[Notice]
    warnings: list[Notice]
    imported: bool = False

    @property
    def ok(self) -> bool:
        return not self.rejects

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "imported": self.imported, "dry_run": self.dry_run, "source": self.source,
                "tahun": self.tahun, "kd_desa": self.kd_desa, "siskeudes_version": self.siskeudes_version,
                "tables": self.tables, "versions": [v.to_json() for v in self.versions],
                "realization_entries": self.entries, "realization_entries_added": self.entries_added,
                "realization": self.realization.to_json(),
                "rejects": [n.to_json() for n in self.rejects], "warnings": [n.to_json() for n in self.warnings]}

    def text(self) -> str:
        from kiosk.budget.money import format_rupiah as rp

        out = [_("Budget year: {year} · source: {source}{version}").format(
            year=self.tahun or "?", source=self.source,
            version=f" (Siskeudes {self.siskeudes_version})" if self.siskeudes_version else "")]
        if self.tables:
            out.append(_("Tables read: {tables}").format(
                tables=", ".join(f"{k} ({v})" for k, v in sorted(self.tables.items()))))
        for v in self.versions:
            action = {"create": _("new"), "replace": _("replaces the stored lines"),
                      "unchanged": _("unchanged")}[v.action]
            out.append(_("{version}: {lines} lines, {action}").format(version=version_label(v.versi),
                                                                        lines=v.lines, action=action))
            out.append("  " + _("Pendapatan {p} · Belanja {b} · Pembiayaan netto {n} · SiLPA {s}").format(
                p=rp(v.totals.pendapatan), b=rp(v.totals.belanja), n=rp(v.totals.pembiayaan_netto),
                s=rp(v.totals.silpa)))
            for k, amount in v.per_kelompok.items():
                out.append(f"    {k:<6} {rp(amount):>20}")
            for k, amount in v.per_bidang.items():
                out.append("    " + _("Bidang {code}").format(code=k).ljust(12) + f" {rp(amount):>14}")
            if v.matches_file is not None:
                out.append("  " + (_("Totals equal the file's own totals (Ta_RAB).") if v.matches_file
                                   else _("Totals DIFFER from the file's own totals (Ta_RAB).")))
        out.append(_("Realization: {n} entries in the file, {added} new ledger entries; spending Rp {b}, "
                      "income Rp {p}").format(n=self.entries, added=self.entries_added,
                                              b=rp(self.realization.belanja), p=rp(self.realization.pendapatan)))
        if self.rejects:
            out.append(_("Rejected ({n}) — nothing is imported until these are fixed:").format(n=len(self.rejects)))
            out += [f"  ✗ {n.text()}" for n in self.rejects]
        if self.warnings:
            out.append(_("Warnings ({n}):").format(n=len(self.warnings)))
            out += [f"  ! {n.text()}" for n in self.warnings]
        if self.imported:
            out.append(_("Imported."))
        elif self.dry_run and self.ok:
            out.append(_("Dry run: nothing was written. Run again without --dry-run to import."))
        return "\n".join(out)


def _rows(lines: list[ParsedLine]) -> list[tuple[str, str | None, Decimal]]:
    return [(ln.kode_rekening, ln.kode_kegiatan, ln.anggaran) for ln in lines]


def _line_key(ln: Any) -> tuple[Any, ...]:
    return (ln.kode_rekening, ln.kode_kegiatan, ln.uraian, ln.anggaran, ln.sumber_dana)


def _find(s: Session, tahun: int, versi: int) -> Apbdes | None:
    return s.scalars(select(Apbdes).where(Apbdes.tahun == tahun, Apbdes.versi == versi)).first()


def _ledger_state(s: Session, tahun: int) -> dict[str, tuple[Decimal, str]]:
    """Per source key: the ledger's current sum and the id of its first entry."""
    t = RealisasiEntry.__table__
    rows = s.execute(select(t.c.source_ref, func.sum(t.c.jumlah), func.min(t.c.id))
                     .where(t.c.tahun == tahun, t.c.source_ref.is_not(None), t.c.corrects_id.is_(None))
                     .group_by(t.c.source_ref))
    state = {ref: (total or ZERO, first) for ref, total, first in rows}
    corr = s.execute(select(t.c.source_ref, func.sum(t.c.jumlah))
                     .where(t.c.tahun == tahun, t.c.source_ref.is_not(None), t.c.corrects_id.is_not(None))
                     .group_by(t.c.source_ref))
    for ref, total in corr:
        if ref in state:
            state[ref] = (state[ref][0] + (total or ZERO), state[ref][1])
    return state


def _reconcile(parsed: ParsedBudget, state: dict[str, tuple[Decimal, str]]
               ) -> list[tuple[ParsedEntry, Decimal, str | None]]:
    """The ledger entries to append: ``(entry, amount, corrects_id)``."""
    out: list[tuple[ParsedEntry, Decimal, str | None]] = []
    seen: set[str] = set()
    for e in parsed.entries:
        seen.add(e.source_ref)
        have = state.get(e.source_ref)
        if have is None:
            out.append((e, e.jumlah, None))
        elif have[0] != e.jumlah:
            out.append((e, e.jumlah - have[0], have[1]))
    return out


def _vanished(s: Session, parsed: ParsedBudget, state: dict[str, tuple[Decimal, str]]) -> list[RealisasiEntry]:
    keys = {e.source_ref for e in parsed.entries}
    prefix = parsed.source + "|"
    gone = [first for ref, (total, first) in state.items() if ref.startswith(prefix) and ref not in keys and total]
    if not gone:
        return []
    return list(s.scalars(select(RealisasiEntry).where(RealisasiEntry.id.in_(gone))))


def import_budget(store: Store, actor: Actor, parsed: ParsedBudget, *, dry_run: bool = False) -> ImportReport:
    """Check ``parsed`` against the store and (unless ``dry_run`` or rejected) write it in one transaction."""
    require(actor, "apbdes.import")
    if parsed.tahun is None and not parsed.rejects:
        parsed.reject(N_("The file holds no budget year."))
    ref = reference_for(parsed.tahun) if parsed.tahun else None
    with store.read() as s:
        return _run(store, s, actor, parsed, ref, dry_run, plan_only=True)


def _run(store: Store, s: Session, actor: Actor, parsed: ParsedBudget, ref: Any, dry_run: bool, *,
         plan_only: bool) -> ImportReport:
    # the checks below add their findings to ``parsed``; a second run (inside the write) starts afresh
    rejects, warnings = list(parsed.rejects), list(parsed.warnings)
    try:
        return _run_once(store, s, actor, parsed, ref, dry_run, plan_only=plan_only)
    finally:
        parsed.rejects, parsed.warnings = rejects, warnings


def _run_once(store: Store, s: Session, actor: Actor, parsed: ParsedBudget, ref: Any, dry_run: bool, *,
              plan_only: bool) -> ImportReport:
    versions: list[VersionReport] = []
    tahun = parsed.tahun
    rejects_before = bool(parsed.rejects)  # a rejected row would only show again as a totals mismatch
    state: dict[str, tuple[Decimal, str]] = {}
    if tahun is not None and ref is not None:
        for versi, lines in sorted(parsed.versions.items()):
            totals = ledger.amounts((ln.kode_rekening, ln.anggaran) for ln in lines)
            kel = ledger.per_group(_rows(lines), ref, "kelompok")
            bid = ledger.per_group(_rows(lines), ref, "bidang")
            own = parsed.file_totals.get(versi)
            matches: bool | None = None
            if own is not None and not rejects_before:
                matches = True
                for what, mine in (("kelompok", kel), ("bidang", bid)):
                    theirs = own.get(what, {})
                    for code in sorted(set(mine) | set(theirs)):
                        a, b = mine.get(code, ZERO), theirs.get(code, ZERO)
                        if a != b:
                            matches = False
                            parsed.reject(N_("{version}: the lines of {what} {code} add up to Rp {lines}, the "
                                             "file's own total (Ta_RAB) is Rp {file}."), table="Ta_RABRinci",
                                          version=version_label(versi), what=what, code=code,
                                          lines=_rp(a), file=_rp(b))
            existing = _find(s, tahun, versi)
            action = "create"
            if existing is not None:
                stored = sorted(_line_key(ln) for ln in s.scalars(select(ApbdesLine).where(
                    ApbdesLine.apbdes_id == existing.id)))
                if stored == sorted(_line_key(ln) for ln in lines):
                    action = "unchanged"
                elif existing.status != STATUS_DRAFT:
                    parsed.reject(N_("{version} {year} is already “{status}”; its lines cannot be replaced by "
                                     "different ones. Make an APBDes Perubahan instead."),
                                  version=version_label(versi), year=tahun,
                                  status=_(STATUS_LABELS.get(existing.status, existing.status)))
                else:
                    action = "replace"
            versions.append(VersionReport(versi, len(lines), totals, kel, bid, matches, action))
        state = _ledger_state(s, tahun)
        _budget_warnings(parsed)
    appends = _reconcile(parsed, state) if tahun is not None else []
    vanished = _vanished(s, parsed, state) if tahun is not None else []
    real = ledger.amounts((e.kode_rekening, e.jumlah) for e in parsed.entries)
    report = ImportReport(parsed.source, tahun, parsed.kd_desa, parsed.siskeudes_version, dry_run,
                          dict(parsed.tables), versions, len(parsed.entries), len(appends) + len(vanished),
                          real, list(parsed.rejects), list(parsed.warnings))
    if plan_only and (dry_run or report.rejects):
        if report.rejects and not dry_run:
            raise ImportRefused(report)
        return report
    if plan_only:
        s.close()
        with store.write() as w:
            # re-plan inside the write transaction: the store may have changed since the check
            fresh = _run(store, w, actor, parsed, ref, dry_run, plan_only=False)
            if fresh.rejects:
                raise ImportRefused(fresh)
            state = _ledger_state(w, tahun or 0)
            _write(w, actor, parsed, fresh, _reconcile(parsed, state), _vanished(w, parsed, state), state)
            fresh.imported = True
            return fresh
    return report


def _budget_warnings(parsed: ParsedBudget) -> None:
    """Realization beyond the (latest) budget of its line: a warning, never a refusal."""
    if not parsed.versions or not parsed.entries:
        return
    latest = parsed.versions[max(parsed.versions)]
    budget: dict[tuple[str, str | None], Decimal] = defaultdict(lambda: ZERO)
    for ln in latest:
        budget[(ln.kode_rekening, ln.kode_kegiatan)] += ln.anggaran
    spent: dict[tuple[str, str | None], Decimal] = defaultdict(lambda: ZERO)
    for e in parsed.entries:
        if e.kode_rekening.startswith("5"):
            spent[(e.kode_rekening, e.kode_kegiatan)] += e.jumlah
    for (acc, keg), value in sorted(spent.items(), key=lambda kv: (kv[0][1] or "", kv[0][0])):
        b = budget.get((acc, keg), ZERO)
        if value > b:
            parsed.warn(N_("Spending on {account} in kegiatan {kegiatan} is Rp {spent}, beyond its budget of "
                           "Rp {budget}."), account=acc, kegiatan=keg or "-", spent=_rp(value), budget=_rp(b))


def _rp(value: Decimal) -> str:
    from kiosk.budget.money import format_rupiah

    return format_rupiah(value)


def _write(s: Session, actor: Actor, parsed: ParsedBudget, report: ImportReport,
           appends: list[tuple[ParsedEntry, Decimal, str | None]], vanished: list[RealisasiEntry],
           state: dict[str, tuple[Decimal, str]]) -> None:
    assert parsed.tahun is not None
    tahun = parsed.tahun
    now = utcnow()
    ref = reference_for(tahun)
    for v in report.versions:
        lines = parsed.versions[v.versi]
        if v.action == "unchanged":
            continue
        perdes_no, perdes_date = parsed.perdes.get(v.versi, ("", None))
        a = _find(s, tahun, v.versi)
        if a is None:
            a = Apbdes(tahun=tahun, versi=v.versi, perdes_no=perdes_no, perdes_date=perdes_date,
                       status=STATUS_DRAFT, history=[{"status": STATUS_DRAFT, "at": now.isoformat(timespec="seconds"),
                                                      "by": actor.username, "name": actor.full_name,
                                                      "note": parsed.source}],
                       version=1)
            s.add(a)
            op = "create"
        else:
            s.execute(delete(ApbdesLine).where(ApbdesLine.apbdes_id == a.id))
            if perdes_no:
                a.perdes_no, a.perdes_date = perdes_no, perdes_date
            op = "update"
        a.source, a.siskeudes_version, a.imported_at = parsed.source, parsed.siskeudes_version, now
        a.reference_version, a.updated_at = ref.version, now
        s.flush()
        rows = [(new_id(), a.id, no, ln.kode_rekening, ln.kode_kegiatan, ln.uraian, ln.volume, ln.satuan,
                 None if ln.harga_satuan is None else to_sen(ln.harga_satuan), ln.sumber_dana, to_sen(ln.anggaran),
                 ln.lokasi, ln.keluaran, json.dumps(ln.tags))
                for no, ln in enumerate(lines, start=1)]
        _executemany(s, "apbdes_line", _LINE_COLUMNS, rows)
        stored = list(s.scalars(select(ApbdesLine).where(ApbdesLine.apbdes_id == a.id).order_by(ApbdesLine.no)))
        payload = apbdes_payload(a, stored)
        payload["version"] = a.version + (0 if op == "create" else 1)
        record_change(s, actor, entity=ENTITY_APBDES, entity_id=a.id, op=op, record=None if op == "create" else a,
                      payload=payload, action=f"apbdes.import_{'create' if op == 'create' else 'replace'}",
                      audit_details={"tahun": tahun, "versi": v.versi, "lines": len(rows), "source": parsed.source})
    entries: list[tuple[Any, ...]] = []
    bodies: list[tuple[str, str]] = []
    stamp = now.strftime(_DATETIME_FORMAT)
    village = s.execute(select(OfficeProfile.village_code)).scalar()

    def add(e: Any, amount: Decimal, corrects: str | None, kind: str, uraian: str) -> None:
        entry_id = new_id()
        entries.append((entry_id, tahun, e.tanggal.isoformat(), e.kode_rekening, e.kode_kegiatan, e.sumber_dana,
                        to_sen(amount), kind, e.bukti_no, uraian, e.source_ref, corrects, stamp, actor.username))
        bodies.append((entry_id, realisasi_json(tahun, e.tanggal, e.kode_rekening, e.kode_kegiatan, e.sumber_dana,
                                                amount, kind, corrects, village)))

    for e, amount, corrects in appends:
        add(e, amount, corrects, "KOREKSI" if corrects else e.jenis, _("Re-import correction") if corrects else "")
    for old in vanished:
        add(old, -state.get(old.source_ref or "", (ZERO, old.id))[0], old.id, "KOREKSI",
            _("No longer in the imported file"))
    if entries:
        _executemany(s, "apbdes_realisasi", _ENTRY_COLUMNS, entries)
        # the outbox rows through the one write path, in bulk (payloads as canonical JSON, made once)
        record_changes(s, [(ENTITY_REALISASI, entry_id, "create", None, text) for entry_id, text in bodies])
        # every ledger entry gets its own audit entry (who and when), chained like any other
        _audit_each(s, actor, "apbdes.realisasi", ENTITY_REALISASI, [entry_id for entry_id, _t in bodies],
                    {"import": parsed.source, "tahun": tahun}, now)

_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy's SQLite DateTime stores a datetime
_LINE_COLUMNS = ["id", "apbdes_id", "no", "kode_rekening", "kode_kegiatan", "uraian", "volume", "satuan",
                 "harga_satuan", "sumber_dana", "anggaran", "lokasi", "keluaran", "tags"]
_ENTRY_COLUMNS = ["id", "tahun", "tanggal", "kode_rekening", "kode_kegiatan", "sumber_dana", "jumlah", "jenis",
                  "bukti_no", "uraian", "source_ref", "corrects_id", "created_at", "created_by"]


def _executemany(s: Session, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Bulk insert with the driver's executemany inside the session's transaction (the ORM's per-row type
    processing costs more than the inserts; values are already in the stored form: sen, ISO text)."""
    if not rows:
        return
    sql = f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({", ".join("?" for _ in columns)})'  # noqa: S608
    s.flush()
    s.connection().exec_driver_sql(sql, rows)


_REALISASI_TEMPLATE = ('{"corrects_id":%s,"jenis":%s,"jumlah":%s,"kode_kegiatan":%s,"kode_rekening":%s,'
                       '"sumber_dana":%s,"tahun":%d,"tanggal":%s%s}')


def realisasi_json(tahun: int, tanggal: dt.date, kode_rekening: str, kode_kegiatan: str | None, sumber_dana: str,
                   jumlah: Decimal, jenis: str, corrects_id: str | None, village: str | None) -> str:
    """The canonical JSON of a ledger entry's payload (sorted keys, compact; equal to
    ``canonical_json(realisasi_payload(...) | {"village": ...})``, a test checks), made without the
    general encoder: ten thousand entries of an import in a few milliseconds."""
    enc = _encode_str

    def opt(v: str | None) -> str:
        return "null" if v is None else enc(v)

    return _REALISASI_TEMPLATE % (opt(corrects_id), enc(jenis), enc(str(jumlah)), opt(kode_kegiatan),
                                  enc(kode_rekening), enc(sumber_dana), tahun, enc(tanggal.isoformat()),
                                  f',"village":{enc(village)}' if village else "")


def _encode_str(value: str) -> str:
    from json.encoder import encode_basestring

    return str(encode_basestring(value))


def _audit_each(s: Session, actor: Actor, action: str, entity: str, ids: list[str], details: dict[str, Any],
                now: dt.datetime) -> None:
    """One hash-chained audit entry per record of a bulk write, in one ``executemany``: the same fields
    and hash as ``kiosk.changes.write_audit`` gives each (``smart-kampung audit verify`` checks them)."""
    from kiosk.changes import audit_entry_hash
    from kiosk.models import AuditEntry

    s.flush()
    prev = s.execute(select(AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).scalar() or "0" * 64
    at_iso = now.isoformat(timespec="microseconds")
    at_text = now.strftime(_DATETIME_FORMAT)
    details_json = json.dumps(details)
    rows = []
    for entity_id in ids:
        audit_id = new_id()
        fields = {"id": audit_id, "at": at_iso, "user_id": actor.user_id, "username": actor.username,
                  "device_id": actor.device_id, "action": action, "entity": entity, "entity_id": entity_id,
                  "details": details}
        digest = audit_entry_hash(prev, fields)
        rows.append((audit_id, at_text, actor.user_id, actor.username, actor.device_id, action, entity, entity_id,
                     details_json, prev, digest))
        prev = digest
    _executemany(s, "audit_entry", ["id", "at", "user_id", "username", "device_id", "action", "entity",
                                    "entity_id", "details", "prev_hash", "hash"], rows)
