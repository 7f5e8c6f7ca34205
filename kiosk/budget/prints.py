"""From a year's budget view to the plain data the prints take (``printing.apbdes_*``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kiosk.budget.ledger import Node
from kiosk.budget.money import ZERO
from kiosk.budget.service import BudgetView
from kiosk.services.office import OfficeInfo
from printing.apbdes_common import BudgetPrint, Office, Row

SEMESTER_I = "semester1"
AKHIR_TAHUN = "akhir"
PERIODS = {SEMESTER_I: "SEMESTER I", AKHIR_TAHUN: "AKHIR TAHUN"}


def period_end(tahun: int, period: str) -> dt.date:
    return dt.date(tahun, 6, 30) if period == SEMESTER_I else dt.date(tahun, 12, 31)


def _perdes(view: BudgetView) -> str:
    a = view.apbdes
    if not a.perdes_no:
        return "Peraturan Desa belum ditetapkan"
    from printing.apbdes_common import tanggal

    text = f"Peraturan Desa Nomor {a.perdes_no}"
    if a.perdes_date:
        text += f" tanggal {tanggal(a.perdes_date)}"
    return text


def _office(info: OfficeInfo, logo: bytes | None) -> Office:
    kind = (info.village_kind or "desa").title()
    lines = [str(x) for x in (info.letterhead_lines or [])] or [
        f"PEMERINTAH {info.kabupaten_name.upper()}", f"KECAMATAN {info.kecamatan_name.upper()}",
        f"{kind.upper()} {info.village_name.upper()}"]
    return Office(village=f"{kind} {info.village_name}", kecamatan=info.kecamatan_name,
                  kabupaten=info.kabupaten_name, provinsi=info.provinsi_name, letterhead=lines, logo_png=logo,
                  head_title=info.head_title or "Kepala Desa", head_name=info.head_name, place=info.village_name)


def _rows(node: Node, depth: int, max_depth: int, *, skip_root: bool = False) -> list[Row]:
    out: list[Row] = []
    if not skip_root:
        out.append(Row(node.code, node.name, node.budget, node.realization, depth, depth == 0))
    if depth < max_depth:
        for child in node.children:
            out += _rows(child, depth + (0 if skip_root else 1), max_depth)
    return out


def budget_print(view: BudgetView, office: OfficeInfo, logo: bytes | None, *, period: str = "",
                 today: dt.date | None = None) -> BudgetPrint:
    by_code = {n.code: n for n in view.tree}
    pend, bel, pemb = by_code.get("4"), by_code.get("5"), by_code.get("6")
    income: list[Row] = []
    if pend:
        for kel in pend.children:
            for jenis in kel.children:
                income.append(Row(jenis.code, jenis.name, jenis.budget, jenis.realization))
    income.sort(key=lambda r: r.budget, reverse=True)
    bidang = [Row(b.code, b.name, b.budget, b.realization) for b in (bel.children if bel else [])]
    kegiatan: list[tuple[str, str, str, Decimal, Decimal]] = []
    lokasi: dict[str, str] = {}
    for ln in view.lines:
        if ln.kode_kegiatan and ln.lokasi and ln.kode_kegiatan not in lokasi:
            lokasi[ln.kode_kegiatan] = ln.lokasi
    if bel:
        for b in bel.children:
            for sb in b.children:
                for k in sb.children:
                    kegiatan.append((k.code, k.name, lokasi.get(k.code, ""), k.budget, k.realization))
    kegiatan.sort(key=lambda k: k[3], reverse=True)
    # the report's tables: pendapatan / belanja / pembiayaan to jenis; belanja per bidang to kegiatan
    kelompok_rows: list[Row] = []
    for top in (pend, bel, pemb):
        if top is None:
            continue
        if top.code == "5":
            kelompok_rows.append(Row("5", top.name, top.budget, top.realization, 0, True))
            groups: dict[str, list[Decimal]] = {}
            for node in top.walk():
                if node.key.count("|") == 2:  # kegiatan|account leaves: group by kelompok/jenis
                    acc = node.code
                    for code in (".".join(acc.split(".")[:2]), ".".join(acc.split(".")[:3])):
                        g = groups.setdefault(code, [ZERO, ZERO])
                        g[0] += node.budget
                        g[1] += node.realization
            for code in sorted(groups, key=lambda c: [int(p) for p in c.split(".")]):
                name = view.reference.name_of(code)
                level = code.count(".")
                kelompok_rows.append(Row(code, name, groups[code][0], groups[code][1], level, level == 1))
        else:
            kelompok_rows += _rows(top, 0, 2)
    bidang_rows = []
    if bel:
        for b in bel.children:
            bidang_rows += _rows(b, 0, 2)
    r = view.realization
    return BudgetPrint(
        office=_office(office, logo), year=view.apbdes.tahun,
        version_label="APBDes" if view.apbdes.versi == 0 else "APBDes Perubahan", perdes=_perdes(view),
        pendapatan=view.budget.pendapatan, belanja=view.budget.belanja,
        penerimaan=view.budget.penerimaan_pembiayaan, pengeluaran=view.budget.pengeluaran_pembiayaan,
        real_pendapatan=r.pendapatan, real_belanja=r.belanja, real_penerimaan=r.penerimaan_pembiayaan,
        real_pengeluaran=r.pengeluaran_pembiayaan, income=income, bidang=bidang, kegiatan=kegiatan,
        kelompok_rows=kelompok_rows, bidang_rows=bidang_rows, as_of=view.as_of,
        printed_on=today or dt.date.today(), period=PERIODS.get(period, ""))
