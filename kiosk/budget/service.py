"""ApbdesService: the one way in for every budget action (screens, kiosk, command line).

Every change runs in one ``Store.write()`` transaction with its audit entry and its outbox row. The
APBDes travels to the district as a whole (header and lines: entity ``apbdes``); realization entries
travel one by one (entity ``apbdes_realisasi``), append-only. Permissions are checked here.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.actor import Actor
from kiosk.budget import ledger
from kiosk.budget.models import (
    STATUS_AGREED,
    STATUS_DRAFT,
    STATUS_EVALUATED,
    STATUS_SET,
    Apbdes,
    ApbdesLaporan,
    ApbdesLine,
    RealisasiEntry,
)
from kiosk.budget.money import ZERO, AmountError, format_rupiah, parse_amount, parse_quantity
from kiosk.budget.notices import Notice
from kiosk.budget.reference import (
    AKUN_BELANJA,
    BudgetReference,
    normalize_kegiatan,
    reference_for,
)
from kiosk.changes import record_change
from kiosk.db import Store, get_or_raise
from kiosk.errors import DomainError, NotFound, ValidationError
from kiosk.i18n import N_, _
from kiosk.ids import new_id
from kiosk.models import OfficeProfile, utcnow
from kiosk.permissions import require

log = logging.getLogger(__name__)

ENTITY_APBDES = "apbdes"
ENTITY_REALISASI = "apbdes_realisasi"
TAGS = ("blt", "pangan", "operasional")
REALISASI_KINDS = ("TBP", "SPP", "SPJ", "JU", "BUNGA", "MANUAL", "KOREKSI")

# Checked transitions: draft → disepakati BPD → dievaluasi → ditetapkan (and back to draft from the first
# two, when the BPD or the evaluation sends it back).
TRANSITIONS: dict[str, frozenset[str]] = {
    STATUS_DRAFT: frozenset({STATUS_AGREED}),
    STATUS_AGREED: frozenset({STATUS_EVALUATED, STATUS_DRAFT}),
    STATUS_EVALUATED: frozenset({STATUS_SET, STATUS_DRAFT}),
    STATUS_SET: frozenset(),
}
STATUS_LABELS = {
    STATUS_DRAFT: N_("Draft"),
    STATUS_AGREED: N_("Agreed with the BPD"),
    STATUS_EVALUATED: N_("Evaluated"),
    STATUS_SET: N_("Set (ditetapkan)"),
}


def version_label(versi: int) -> str:
    return _("Induk") if versi == 0 else _("Perubahan {n}").format(n=versi)


class BudgetNotBalanced(DomainError):
    code = "apbdes_not_balanced"
    template = N_("The budget does not balance: SiLPA is Rp {silpa} instead of 0 (pendapatan Rp {pendapatan}, "
                  "belanja Rp {belanja}, pembiayaan netto Rp {netto}). It cannot be set.")


class BudgetStateError(DomainError):
    code = "apbdes_state"
    template = N_("This APBDes is “{status}”; it cannot be {action}.")

    def user_message(self) -> str:
        status = str(self.data.get("status", ""))
        return _(self.template).format(status=_(STATUS_LABELS.get(status, status)),
                                       action=_(str(self.data.get("action", ""))))


@dataclass(frozen=True)
class ApbdesInfo:
    id: str
    tahun: int
    versi: int
    perdes_no: str
    perdes_date: dt.date | None
    status: str
    history: list[Any]
    set_at: dt.datetime | None
    source: str
    siskeudes_version: str
    imported_at: dt.datetime | None
    reference_version: str
    version: int

    @property
    def label(self) -> str:
        return _("APBDes {year} {version}").format(year=self.tahun, version=version_label(self.versi))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v
        return out


@dataclass(frozen=True)
class LineInput:
    """A budget line as typed or read (amounts as text or Decimal; parsed and checked by the service)."""

    kode_rekening: str
    anggaran: Decimal | str | None = None
    kode_kegiatan: str | None = None
    uraian: str = ""
    volume: Decimal | str | None = None
    satuan: str = ""
    harga_satuan: Decimal | str | None = None
    sumber_dana: str = ""
    lokasi: str = ""
    keluaran: str = ""
    tags: tuple[str, ...] | None = None


class LineInfo(NamedTuple):
    """One budget line as plain data (a tuple: a year's 2,000 lines are built in a couple of ms)."""

    id: str
    no: int
    kode_rekening: str
    kode_kegiatan: str | None
    uraian: str
    volume: Decimal | None
    satuan: str
    harga_satuan: Decimal | None
    sumber_dana: str
    anggaran: Decimal
    lokasi: str
    keluaran: str
    tags: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self._fields:
            v = getattr(self, name)
            out[name] = str(v) if isinstance(v, Decimal) else (list(v) if isinstance(v, tuple) else v)
        return out


@dataclass(frozen=True)
class RealisasiInfo:
    id: str
    tahun: int
    tanggal: dt.date
    kode_rekening: str
    kode_kegiatan: str | None
    sumber_dana: str
    jumlah: Decimal
    jenis: str
    bukti_no: str
    uraian: str
    corrects_id: str | None
    created_by: str

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = str(v) if isinstance(v, Decimal) else (v.isoformat() if isinstance(v, dt.date) else v)
        return out


@dataclass(frozen=True)
class RealisasiResult:
    entry: RealisasiInfo
    warnings: list[Notice] = field(default_factory=list)


@dataclass(frozen=True)
class BudgetView:
    """A year's budget with its realization: what the screen, the prints and the kiosk show."""

    apbdes: ApbdesInfo
    village_name: str
    tree: list[ledger.Node]
    budget: ledger.Amounts
    realization: ledger.Amounts
    as_of: dt.date | None  # the latest realization date
    lines: list[LineInfo]
    reference: BudgetReference
    dds_realization: Decimal = ZERO  # realized spending with sumber DDS (Dana Desa absorption)

    def to_json(self) -> dict[str, Any]:
        return {"apbdes": self.apbdes.to_json(), "village": self.village_name, "budget": self.budget.to_json(),
                "realization": self.realization.to_json(),
                "as_of": self.as_of.isoformat() if self.as_of else None,
                "tree": [n.to_json() for n in self.tree]}


_INFO_FIELDS = [f.name for f in fields(ApbdesInfo)]


def _info(a: Apbdes) -> ApbdesInfo:
    return ApbdesInfo(**{n: getattr(a, n) for n in _INFO_FIELDS})


def _line_info(ln: ApbdesLine) -> LineInfo:
    return LineInfo(ln.id, ln.no, ln.kode_rekening, ln.kode_kegiatan, ln.uraian,
                    Decimal(ln.volume) if ln.volume else None, ln.satuan, ln.harga_satuan, ln.sumber_dana,
                    ln.anggaran, ln.lokasi, ln.keluaran, tuple(ln.tags or ()))


def _line_infos(s: Session, apbdes_id: str) -> list[LineInfo]:
    """The lines as plain data straight from the driver (a year's 2,000 lines in a few milliseconds; the
    stored forms are simple: sen as integers, tags as JSON text)."""
    import json

    from kiosk.budget.money import from_sen

    rows = s.connection().exec_driver_sql(
        "SELECT id, no, kode_rekening, kode_kegiatan, uraian, volume, satuan, harga_satuan, sumber_dana, anggaran, "
        "lokasi, keluaran, tags FROM apbdes_line WHERE apbdes_id = ? ORDER BY no", (apbdes_id,)).fetchall()
    return [LineInfo(r[0], r[1], r[2], r[3], r[4], Decimal(r[5]) if r[5] else None, r[6],
                     None if r[7] is None else from_sen(r[7]), r[8], from_sen(r[9]), r[10], r[11],
                     tuple(json.loads(r[12])) if r[12] and r[12] != "[]" else ()) for r in rows]


def _realisasi_info(e: RealisasiEntry) -> RealisasiInfo:
    return RealisasiInfo(e.id, e.tahun, e.tanggal, e.kode_rekening, e.kode_kegiatan, e.sumber_dana, e.jumlah,
                         e.jenis, e.bukti_no, e.uraian, e.corrects_id, e.created_by)


def line_payload(ln: ApbdesLine | LineInfo) -> dict[str, Any]:
    """What the district keeps of a line (no personal data is ever on a budget line)."""
    return {"no": ln.no, "kode_rekening": ln.kode_rekening, "kode_kegiatan": ln.kode_kegiatan,
            "uraian": ln.uraian, "sumber_dana": ln.sumber_dana, "anggaran": str(ln.anggaran),
            "lokasi": ln.lokasi, "tags": list(ln.tags or ())}


def apbdes_payload(a: Apbdes, lines: Sequence[ApbdesLine | LineInfo]) -> dict[str, Any]:
    """The whole APBDes as it travels: header, lines and totals (the district checks the totals)."""
    totals = ledger.amounts((ln.kode_rekening, ln.anggaran) for ln in lines)
    return {"tahun": a.tahun, "versi": a.versi, "version": a.version, "perdes_no": a.perdes_no,
            "perdes_date": a.perdes_date.isoformat() if a.perdes_date else None, "status": a.status,
            "set_at": a.set_at.isoformat() if a.set_at else None, "source": a.source,
            "lines": [line_payload(ln) for ln in lines], "totals": totals.to_json()}


def realisasi_payload(e: RealisasiEntry) -> dict[str, Any]:
    return {"tahun": e.tahun, "tanggal": e.tanggal.isoformat(), "kode_rekening": e.kode_rekening,
            "kode_kegiatan": e.kode_kegiatan, "sumber_dana": e.sumber_dana, "jumlah": str(e.jumlah),
            "jenis": e.jenis, "corrects_id": e.corrects_id}


def check_line(ref: BudgetReference, data: LineInput, *, extra_objek: frozenset[str] = frozenset(),
               extra_kegiatan: frozenset[str] = frozenset(), known_sumber: bool = True) -> dict[str, Any]:
    """The stored values of a budget line, or ``ValidationError`` naming the field at fault."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    try:
        out["kode_rekening"] = ref.check_account(data.kode_rekening, extra_objek=extra_objek)
    except ValidationError as e:
        errors["kode_rekening"] = e.user_message()
    account = out.get("kode_rekening", "")
    keg = normalize_kegiatan(data.kode_kegiatan)
    if account.startswith(AKUN_BELANJA):
        if not keg:
            errors["kode_kegiatan"] = _("A belanja line needs a kegiatan.")
        else:
            try:
                keg = ref.check_kegiatan(keg, extra=extra_kegiatan)
            except ValidationError as e:
                errors["kode_kegiatan"] = e.user_message()
    elif keg and account:
        errors["kode_kegiatan"] = _("Only belanja (5) lines belong to a kegiatan.")
    out["kode_kegiatan"] = keg if account.startswith(AKUN_BELANJA) else None
    for name in ("volume", "harga_satuan", "anggaran"):
        raw = getattr(data, name)
        try:
            if name == "volume":
                out[name] = parse_quantity(raw)
            elif raw is None or (isinstance(raw, str) and not raw.strip()):
                out[name] = None
            else:
                out[name] = parse_amount(raw)
        except AmountError as e:
            errors[name] = e.user_message()
    vol, price, amount = out.get("volume"), out.get("harga_satuan"), out.get("anggaran")
    if not errors and amount is None:
        if vol is not None and price is not None:
            out["anggaran"] = amount = (vol * price).quantize(Decimal("0.01"))
        else:
            errors["anggaran"] = _("Give the amount (anggaran), or the volume and the unit price.")
    sumber = (data.sumber_dana or "").strip().upper()
    if known_sumber and sumber and sumber not in ref.sumber_dana:
        errors["sumber_dana"] = _("Sumber dana “{code}” is unknown.").format(code=sumber)
    if known_sumber and not sumber and account.startswith(AKUN_BELANJA):
        errors["sumber_dana"] = _("A belanja line needs its sumber dana (e.g. DDS, ADD, PAD).")
    tags = data.tags
    if tags is None:
        tags = ref.kegiatan[keg].tags if keg and keg in ref.kegiatan else ()
    bad = [t for t in tags if t not in TAGS]
    if bad:
        errors["tags"] = _("Unknown tag: {tags}.").format(tags=", ".join(bad))
    if errors:
        raise ValidationError(fields=errors)
    out.update(uraian=(data.uraian or "").strip() or ref.name_of(account), satuan=(data.satuan or "").strip(),
               sumber_dana=sumber, lokasi=(data.lokasi or "").strip(), keluaran=(data.keluaran or "").strip(),
               tags=list(dict.fromkeys(tags)))
    out["volume"] = None if vol is None else str(vol)
    return out


class ApbdesService:
    def __init__(self, store: Store) -> None:
        self.store = store

    # --- reading -------------------------------------------------------------------------------

    def reference(self, year: int) -> BudgetReference:
        return reference_for(year)

    def list_budgets(self, actor: Actor, tahun: int | None = None) -> list[ApbdesInfo]:
        require(actor, "apbdes.view")
        with self.store.read() as s:
            q = select(Apbdes).order_by(Apbdes.tahun.desc(), Apbdes.versi.desc())
            if tahun is not None:
                q = q.where(Apbdes.tahun == tahun)
            return [_info(a) for a in s.scalars(q)]

    def get(self, actor: Actor, apbdes_id: str) -> ApbdesInfo:
        require(actor, "apbdes.view")
        with self.store.read() as s:
            return _info(get_or_raise(s, Apbdes, apbdes_id))

    def find(self, actor: Actor, tahun: int, versi: int | None = None) -> ApbdesInfo:
        """The APBDes of ``tahun`` (the latest version unless ``versi`` is given), or NotFound."""
        require(actor, "apbdes.view")
        with self.store.read() as s:
            a = _find(s, tahun, versi)
            if a is None:
                raise NotFound(N_("There is no APBDes for {year}."), year=tahun)
            return _info(a)

    def lines(self, actor: Actor, apbdes_id: str) -> list[LineInfo]:
        require(actor, "apbdes.view")
        with self.store.read() as s:
            return _line_infos(s, apbdes_id)

    def realization_entries(self, actor: Actor, tahun: int, *, limit: int = 500) -> list[RealisasiInfo]:
        require(actor, "apbdes.view")
        with self.store.read() as s:
            q = (select(RealisasiEntry).where(RealisasiEntry.tahun == tahun)
                 .order_by(RealisasiEntry.tanggal.desc(), RealisasiEntry.created_at.desc()).limit(limit))
            return [_realisasi_info(e) for e in s.scalars(q)]

    def view(self, actor: Actor, tahun: int, versi: int | None = None, *,
             until: dt.date | None = None) -> BudgetView:
        """The tree with budget, realization (up to ``until``), difference and %; totals of both."""
        require(actor, "apbdes.view")
        with self.store.read() as s:
            a = _find(s, tahun, versi)
            if a is None:
                raise NotFound(N_("There is no APBDes for {year}."), year=tahun)
            village = s.execute(select(OfficeProfile.village_name)).scalar() or ""
            lines = _line_infos(s, a.id)
            real_rows, as_of = _realization_sums(s, tahun, until)
            t = RealisasiEntry.__table__
            q = select(func.coalesce(func.sum(t.c.jumlah), 0)).where(
                t.c.tahun == tahun, t.c.sumber_dana == "DDS", t.c.kode_rekening.like("5%"))
            if until is not None:
                q = q.where(t.c.tanggal <= until)
            dds = Decimal(s.execute(q).scalar() or 0)
            info = _info(a)
        ref = reference_for(tahun)
        budget_rows = [(ln.kode_rekening, ln.kode_kegiatan, ln.anggaran) for ln in lines]
        names = {ln.kode_rekening: ln.uraian for ln in lines}
        tree = ledger.build_tree(ref, budget_rows, real_rows, names=names)
        return BudgetView(info, village, tree, ledger.amounts((r[0], r[2]) for r in budget_rows),
                          ledger.amounts((r[0], r[2]) for r in real_rows), as_of, lines, ref, dds)

    def years(self) -> list[int]:
        """Years that have an APBDes (no permission needed: the kiosk shows public budget figures)."""
        with self.store.read() as s:
            return sorted({y for (y,) in s.execute(select(Apbdes.tahun).distinct())}, reverse=True)

    def public_view(self, tahun: int) -> BudgetView:
        """The budget as the public sees it (kiosk, poster): figures only, no personal data."""
        return self.view(Actor.system("public"), tahun)

    def import_file(self, actor: Actor, path: Any, *, dry_run: bool = False, kd_desa: str | None = None) -> Any:
        """Import a Siskeudes zip or the template: an ``ImportReport`` (``ImportRefused`` on rejects)."""
        from kiosk.budget.importing import import_budget
        from kiosk.budget.siskeudes import kd_desa_for, read_any

        require(actor, "apbdes.import")
        with self.store.read() as s:
            village = s.execute(select(OfficeProfile.village_code)).scalar()
        parsed = read_any(path, kd_desa=kd_desa_for(village, kd_desa))
        return import_budget(self.store, actor, parsed, dry_run=dry_run)

    def export_template(self, actor: Actor, tahun: int, path: Any) -> Any:
        """Write the year's budget (induk, perubahan, realization) to the simple template (CSV/XLSX)."""
        from pathlib import Path

        from kiosk.budget.template import template_rows, write_rows

        require(actor, "apbdes.view")
        with self.store.read() as s:
            induk = _find(s, tahun, 0)
            if induk is None:
                raise NotFound(N_("There is no APBDes for {year}."), year=tahun)
            latest = _find(s, tahun, None)
            lines0 = [_line_info(ln) for ln in _lines(s, induk.id)]
            lines1 = [_line_info(ln) for ln in _lines(s, latest.id)] if latest and latest.versi else None
            t = RealisasiEntry.__table__
            real = {(acc, keg, sd): (total, last) for acc, keg, sd, total, last in s.execute(
                select(t.c.kode_rekening, t.c.kode_kegiatan, t.c.sumber_dana, func.sum(t.c.jumlah),
                       func.max(t.c.tanggal)).where(t.c.tahun == tahun)
                .group_by(t.c.kode_rekening, t.c.kode_kegiatan, t.c.sumber_dana))}
        return write_rows(Path(path), template_rows(tahun, lines0, lines1, real))

    def poster_pdf(self, actor: Actor, tahun: int, *, size: str = "A3", today: dt.date | None = None) -> bytes:
        """The transparency poster (A3 or A1 vector PDF) of the year's latest version with its realization."""
        from printing.apbdes_poster import SIZES, render_poster

        if size.upper() not in SIZES:
            raise ValidationError(N_("The poster comes in A3 or A1."))
        return render_poster(self._print_data(actor, tahun, "", today), size)

    def report_pdf(self, actor: Actor, tahun: int, period: str, *, today: dt.date | None = None) -> bytes:
        """Laporan Realisasi Pelaksanaan APBDes: ``semester1`` (realization to 30 June) or ``akhir``."""
        from kiosk.budget.prints import PERIODS
        from printing.apbdes_report import render_realization_report

        if period not in PERIODS:
            raise ValidationError(N_("The report is for “semester1” or “akhir” (end of year)."))
        return render_realization_report(self._print_data(actor, tahun, period, today))

    def submit_report(self, actor: Actor, tahun: int, period: str) -> dict[str, Any]:
        """Send the realization report of a period to the district (Bupati via camat): the report's
        figures and the hash of its PDF travel as an ``apbdes_laporan`` record; the district checks the
        date against its deadline."""
        import hashlib

        require(actor, "apbdes.approve")
        pdf = self.report_pdf(actor, tahun, period)
        view = self.view(actor, tahun)
        from kiosk.budget.prints import period_end

        real = self.view(actor, tahun, until=period_end(tahun, period)).realization
        report_id = new_id()
        payload = {"tahun": tahun, "periode": period, "submitted_at": utcnow().isoformat(timespec="seconds"),
                   "apbdes_id": view.apbdes.id, "pdf_sha256": hashlib.sha256(pdf).hexdigest(),
                   "budget": view.budget.to_json(), "realization": real.to_json()}
        with self.store.write() as s:
            s.add(ApbdesLaporan(id=report_id, tahun=tahun, periode=period, submitted_at=utcnow(),
                                pdf_sha256=payload["pdf_sha256"], submitted_by=actor.username))
            s.flush()
            record_change(s, actor, entity="apbdes_laporan", entity_id=report_id, op="create", payload=payload,
                          action="apbdes.report_submitted", audit_details={"tahun": tahun, "periode": period})
        return {"id": report_id, **payload}

    def _print_data(self, actor: Actor, tahun: int, period: str, today: dt.date | None) -> Any:
        from kiosk.budget.prints import budget_print, period_end
        from kiosk.services.office import OfficeService

        until = period_end(tahun, period) if period else None
        view = self.view(actor, tahun, until=until)
        office = OfficeService(self.store).profile()
        return budget_print(view, office, office.logo, period=period, today=today)

    # --- changing the APBDes ---------------------------------------------------------------------

    def create(self, actor: Actor, tahun: int, *, perdes_no: str = "", perdes_date: dt.date | None = None,
               lines: Sequence[LineInput] = ()) -> ApbdesInfo:
        """A new APBDes induk (versi 0) for ``tahun``, in draft."""
        require(actor, "apbdes.edit")
        _check_year(tahun)
        ref = reference_for(tahun)
        checked = [check_line(ref, ln) for ln in lines]
        with self.store.write() as s:
            if _find(s, tahun, 0) is not None:
                raise ValidationError(N_("The APBDes {year} already exists."), year=tahun)
            a = Apbdes(tahun=tahun, versi=0, perdes_no=perdes_no.strip(), perdes_date=perdes_date,
                       status=STATUS_DRAFT, history=[_step(actor, STATUS_DRAFT)], source="manual",
                       siskeudes_version="", reference_version=ref.version, version=1)
            s.add(a)
            s.flush()
            rows = _add_lines(s, a, checked)
            record_change(s, actor, entity=ENTITY_APBDES, entity_id=a.id, op="create",
                          payload=apbdes_payload(a, rows), action="apbdes.create",
                          audit_details={"tahun": tahun, "versi": 0, "lines": len(rows)})
            return _info(a)

    def create_perubahan(self, actor: Actor, tahun: int) -> ApbdesInfo:
        """APBDes Perubahan: a new version in draft, starting from the lines of the set version before it."""
        require(actor, "apbdes.edit")
        with self.store.write() as s:
            prev = _find(s, tahun, None)
            if prev is None:
                raise NotFound(N_("There is no APBDes for {year}."), year=tahun)
            if prev.status != STATUS_SET:
                raise BudgetStateError(status=prev.status, action=N_("changed by an APBDes Perubahan"))
            a = Apbdes(tahun=tahun, versi=prev.versi + 1, perdes_no="", perdes_date=None, status=STATUS_DRAFT,
                       history=[_step(actor, STATUS_DRAFT)], source="manual", siskeudes_version="",
                       reference_version=prev.reference_version, version=1)
            s.add(a)
            s.flush()
            copied = [{k: getattr(ln, k) for k in _LINE_COPY} for ln in _lines(s, prev.id)]
            rows = _add_lines(s, a, copied)
            record_change(s, actor, entity=ENTITY_APBDES, entity_id=a.id, op="create",
                          payload=apbdes_payload(a, rows), action="apbdes.create_perubahan",
                          audit_details={"tahun": tahun, "versi": a.versi, "from": prev.id})
            return _info(a)

    def update_header(self, actor: Actor, apbdes_id: str, *, perdes_no: str | None = None,
                      perdes_date: dt.date | None = None, base_version: int | None = None) -> ApbdesInfo:
        require(actor, "apbdes.edit")
        with self.store.write() as s:
            a = _for_change(s, apbdes_id, base_version, allow_set=False)
            changed = []
            if perdes_no is not None and perdes_no.strip() != a.perdes_no:
                a.perdes_no = perdes_no.strip()
                changed.append("perdes_no")
            if perdes_date is not None and perdes_date != a.perdes_date:
                if perdes_date.year not in (a.tahun - 1, a.tahun):
                    raise ValidationError(fields={"perdes_date": N_("The Perdes date must fall in the budget "
                                                                    "year or the year before.")})
                a.perdes_date = perdes_date
                changed.append("perdes_date")
            if changed:
                self._touch(s, actor, a, "update", {"fields": changed})
            return _info(a)

    def add_line(self, actor: Actor, apbdes_id: str, data: LineInput) -> LineInfo:
        require(actor, "apbdes.edit")
        with self.store.write() as s:
            a = _for_change(s, apbdes_id, None)
            values = check_line(reference_for(a.tahun), data)
            no = (s.execute(select(func.max(ApbdesLine.no)).where(ApbdesLine.apbdes_id == a.id)).scalar() or 0) + 1
            ln = ApbdesLine(apbdes_id=a.id, no=no, **_money(values))
            s.add(ln)
            s.flush()
            self._touch(s, actor, a, "update", {"line_added": ln.id})
            return _line_info(ln)

    def update_line(self, actor: Actor, line_id: str, data: LineInput) -> LineInfo:
        require(actor, "apbdes.edit")
        with self.store.write() as s:
            ln = get_or_raise(s, ApbdesLine, line_id)
            a = _for_change(s, ln.apbdes_id, None)
            values = check_line(reference_for(a.tahun), data)
            for k, v in _money(values).items():
                setattr(ln, k, v)
            s.flush()
            self._touch(s, actor, a, "update", {"line_changed": ln.id})
            return _line_info(ln)

    def delete_line(self, actor: Actor, line_id: str) -> None:
        require(actor, "apbdes.edit")
        with self.store.write() as s:
            ln = get_or_raise(s, ApbdesLine, line_id)
            a = _for_change(s, ln.apbdes_id, None)
            s.delete(ln)
            s.flush()
            self._touch(s, actor, a, "update", {"line_deleted": line_id})

    def transition(self, actor: Actor, apbdes_id: str, to_status: str, *, note: str = "",
                   base_version: int | None = None) -> ApbdesInfo:
        """Move the APBDes to its next state (checked). Setting it needs a balanced budget and the Perdes."""
        require(actor, "apbdes.approve")
        with self.store.write() as s:
            a = get_or_raise(s, Apbdes, apbdes_id)
            if base_version is not None and base_version != a.version:
                from kiosk.errors import ConflictError

                raise ConflictError()
            if to_status not in TRANSITIONS.get(a.status, frozenset()):
                raise BudgetStateError(status=a.status, action=_action_label(to_status))
            if to_status == STATUS_SET:
                totals = ledger.amounts((ln.kode_rekening, ln.anggaran) for ln in _lines(s, a.id))
                if not totals.balanced:
                    raise BudgetNotBalanced(silpa=format_rupiah(totals.silpa),
                                            pendapatan=format_rupiah(totals.pendapatan),
                                            belanja=format_rupiah(totals.belanja),
                                            netto=format_rupiah(totals.pembiayaan_netto))
                if not a.perdes_no or a.perdes_date is None:
                    raise ValidationError(N_("Give the Perdes number and date before setting the APBDes."))
            a.status = to_status
            a.history = [*a.history, _step(actor, to_status, note)]
            if to_status == STATUS_SET:
                a.set_at = utcnow()
            self._touch(s, actor, a, "transition", {"to": to_status}, action=f"apbdes.{to_status}")
            return _info(a)

    def _touch(self, s: Session, actor: Actor, a: Apbdes, op: str, details: dict[str, Any], *,
               action: str | None = None) -> None:
        a.updated_at = utcnow()
        s.flush()
        payload = apbdes_payload(a, _lines(s, a.id))
        payload["version"] = a.version + 1  # the version the gateway gives the record with this change
        # every change after the create travels as an update of the whole APBDes (the district merges it
        # field by field against the base version and rebuilds its projection from the result)
        record_change(s, actor, entity=ENTITY_APBDES, entity_id=a.id, op="update", record=a, payload=payload,
                      action=action or f"apbdes.{op}", audit_details=details)

    # --- realization ---------------------------------------------------------------------------

    def record_realization(self, actor: Actor, *, tanggal: dt.date, kode_rekening: str, jumlah: Decimal | str,
                           kode_kegiatan: str | None = None, sumber_dana: str = "", jenis: str = "MANUAL",
                           bukti_no: str = "", uraian: str = "") -> RealisasiResult:
        """Append one realization entry. Beyond the budget is a warning, not a refusal."""
        require(actor, "apbdes.realize")
        _check_year(tanggal.year)
        ref = reference_for(tanggal.year)
        errors: dict[str, str] = {}
        try:
            account = ref.check_account(kode_rekening)
        except ValidationError as e:
            errors["kode_rekening"] = e.user_message()
            account = ""
        keg = normalize_kegiatan(kode_kegiatan)
        if account.startswith(AKUN_BELANJA):
            try:
                keg = ref.check_kegiatan(keg or "")
            except ValidationError as e:
                errors["kode_kegiatan"] = e.user_message()
        else:
            keg = None
        try:
            amount = parse_amount(jumlah)
            if amount == 0:
                errors["jumlah"] = _("The amount must be more than zero.")
        except AmountError as e:
            errors["jumlah"] = e.user_message()
        if jenis not in REALISASI_KINDS or jenis == "KOREKSI":
            errors["jenis"] = _("Unknown kind of entry.")
        if errors:
            raise ValidationError(fields=errors)
        with self.store.write() as s:
            entry = RealisasiEntry(tahun=tanggal.year, tanggal=tanggal, kode_rekening=account, kode_kegiatan=keg,
                                   sumber_dana=sumber_dana.strip().upper(), jumlah=amount, jenis=jenis,
                                   bukti_no=bukti_no.strip(), uraian=uraian.strip(), created_by=actor.username)
            s.add(entry)
            s.flush()
            record_change(s, actor, entity=ENTITY_REALISASI, entity_id=entry.id, op="create",
                          payload=realisasi_payload(entry), action="apbdes.realisasi")
            warnings = _beyond_budget(s, entry)
            return RealisasiResult(_realisasi_info(entry), warnings)

    def correct_realization(self, actor: Actor, entry_id: str, *, jumlah: Decimal | str,
                            reason: str) -> RealisasiResult:
        """Correct an entry by appending a new one: the difference to the right amount (``jumlah``).

        The original stays as it was; the ledger's sum for it becomes ``jumlah``."""
        require(actor, "apbdes.realize")
        if not reason.strip():
            raise ValidationError(fields={"reason": N_("Say why the entry is corrected.")})
        try:
            right = parse_amount(jumlah)
        except AmountError as e:
            raise ValidationError(fields={"jumlah": e.template}, **e.data) from None
        with self.store.write() as s:
            orig = get_or_raise(s, RealisasiEntry, entry_id)
            if orig.jenis == "KOREKSI":
                raise ValidationError(N_("Correct the original entry, not a correction."))
            already = s.execute(select(RealisasiEntry.jumlah).where(RealisasiEntry.corrects_id == orig.id)).scalars()
            current = orig.jumlah + sum(already, ZERO)
            delta = right - current
            if delta == 0:
                raise ValidationError(N_("The entry already amounts to Rp {amount}."), amount=format_rupiah(right))
            entry = RealisasiEntry(tahun=orig.tahun, tanggal=dt.date.today() if dt.date.today().year == orig.tahun
                                   else orig.tanggal, kode_rekening=orig.kode_rekening,
                                   kode_kegiatan=orig.kode_kegiatan, sumber_dana=orig.sumber_dana, jumlah=delta,
                                   jenis="KOREKSI", bukti_no=orig.bukti_no, uraian=reason.strip(),
                                   source_ref=orig.source_ref, corrects_id=orig.id, created_by=actor.username)
            s.add(entry)
            s.flush()
            record_change(s, actor, entity=ENTITY_REALISASI, entity_id=entry.id, op="create",
                          payload=realisasi_payload(entry), action="apbdes.realisasi_koreksi",
                          audit_details={"corrects": orig.id})
            return RealisasiResult(_realisasi_info(entry), _beyond_budget(s, entry))


# --- helpers -----------------------------------------------------------------------------------

_LINE_COPY = ("kode_rekening", "kode_kegiatan", "uraian", "volume", "satuan", "harga_satuan", "sumber_dana",
              "anggaran", "lokasi", "keluaran", "tags")


def _action_label(status: str) -> str:
    return {STATUS_AGREED: N_("agreed with the BPD"), STATUS_EVALUATED: N_("marked evaluated"),
            STATUS_SET: N_("set"), STATUS_DRAFT: N_("sent back to draft")}.get(status, status)


def _check_year(year: int) -> None:
    if not 2015 <= year <= utcnow().year + 2:
        raise ValidationError(N_("{year} is not a plausible budget year."), year=year)


def _step(actor: Actor, status: str, note: str = "") -> dict[str, Any]:
    return {"status": status, "at": utcnow().isoformat(timespec="seconds"), "by": actor.username,
            "name": actor.full_name, "note": note}


def _find(s: Session, tahun: int, versi: int | None) -> Apbdes | None:
    q = select(Apbdes).where(Apbdes.tahun == tahun)
    q = q.where(Apbdes.versi == versi) if versi is not None else q.order_by(Apbdes.versi.desc())
    return s.scalars(q.limit(1)).first()


def _lines(s: Session, apbdes_id: str) -> list[ApbdesLine]:
    return list(s.scalars(select(ApbdesLine).where(ApbdesLine.apbdes_id == apbdes_id).order_by(ApbdesLine.no)))


def _for_change(s: Session, apbdes_id: str, base_version: int | None, *, allow_set: bool = False) -> Apbdes:
    a = get_or_raise(s, Apbdes, apbdes_id)
    if base_version is not None and base_version != a.version:
        from kiosk.errors import ConflictError

        raise ConflictError()
    if a.status != STATUS_DRAFT and not allow_set:
        raise BudgetStateError(status=a.status, action=N_("edited (make an APBDes Perubahan or send it back "
                                                          "to draft)"))
    return a


def _money(values: dict[str, Any]) -> dict[str, Any]:
    return dict(values)


def _add_lines(s: Session, a: Apbdes, rows: Sequence[dict[str, Any]]) -> list[ApbdesLine]:
    out = []
    for no, values in enumerate(rows, start=1):
        ln = ApbdesLine(apbdes_id=a.id, no=no, **values)
        s.add(ln)
        out.append(ln)
    s.flush()
    return out


def _realization_sums(s: Session, tahun: int, until: dt.date | None
                      ) -> tuple[list[tuple[str, str | None, Decimal]], dt.date | None]:
    # SUM of a Money column reads back as Decimal (the column's type): exact, no float on the way
    t = RealisasiEntry.__table__
    q = (select(t.c.kode_rekening, t.c.kode_kegiatan, func.sum(t.c.jumlah)).where(t.c.tahun == tahun)
         .group_by(t.c.kode_rekening, t.c.kode_kegiatan))
    last = select(func.max(t.c.tanggal)).where(t.c.tahun == tahun)
    if until is not None:
        q = q.where(t.c.tanggal <= until)
        last = last.where(t.c.tanggal <= until)
    rows = [(acc, keg, total if total is not None else ZERO) for acc, keg, total in s.execute(q)]
    return rows, s.execute(last).scalar()


def _beyond_budget(s: Session, e: RealisasiEntry) -> list[Notice]:
    """A warning when the realization of the entry's line passes its budget (spending only)."""
    if not e.kode_rekening.startswith(AKUN_BELANJA):
        return []
    a = _find(s, e.tahun, None)
    if a is None:
        return []
    budget = s.execute(select(func.coalesce(func.sum(ApbdesLine.__table__.c.anggaran), 0)).where(
        ApbdesLine.apbdes_id == a.id, ApbdesLine.kode_rekening == e.kode_rekening,
        ApbdesLine.kode_kegiatan == e.kode_kegiatan)).scalar() or 0
    spent = s.execute(select(func.coalesce(func.sum(RealisasiEntry.__table__.c.jumlah), 0)).where(
        RealisasiEntry.tahun == e.tahun, RealisasiEntry.kode_rekening == e.kode_rekening,
        RealisasiEntry.kode_kegiatan == e.kode_kegiatan)).scalar() or 0
    if spent > budget:
        return [Notice(N_("The realization of {account} in kegiatan {kegiatan} (Rp {spent}) is beyond its "
                          "budget (Rp {budget})."),
                       {"account": e.kode_rekening, "kegiatan": e.kode_kegiatan or "-",
                        "spent": format_rupiah(Decimal(spent)), "budget": format_rupiah(Decimal(budget))})]
    return []


__all__ = ["ApbdesService", "BudgetNotBalanced", "BudgetStateError", "LineInput", "replace"]
