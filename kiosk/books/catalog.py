"""The Buku Administrasi Penduduk (Permendagri 47/2016, lampiran B.1–B.5; issue 16 calls them A.1–A.5) and
the letter books of the Administrasi Umum (A.7 Buku Agenda, A.8 Buku Ekspedisi): titles and columns as
printed, and the rows of each, read from the store.

Columns follow OpenSID's printed views (``resources/views/admin/bumindes/penduduk/*/cetak.blade.php``),
which themselves follow the Permendagri annex; where the store has no such fact (A.1 "dapat membaca
huruf", A.5 "tempat dan tanggal dikeluarkan") the column is kept, empty, so the page is the official one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from babel.dates import format_date
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from kiosk.books import monthly
from kiosk.books.models import IncomingLetter, LetterDispatch, TemporaryResident
from kiosk.books.population import (
    Person,
    build_timelines,
    direction,
    has_events,
    load_events,
    load_people,
)
from kiosk.models import PopulationEvent, Resident
from kiosk.refdata import code_list


@dataclass(frozen=True)
class Filters:
    date_from: dt.date
    date_to: dt.date
    dusun: str | None = None
    rw: str | None = None
    rt: str | None = None
    search: str = ""

    def place_ok(self, dusun: str, rw: str, rt: str) -> bool:
        return ((not self.dusun or dusun == self.dusun) and (not self.rw or rw.lstrip("0") == self.rw.lstrip("0"))
                and (not self.rt or rt.lstrip("0") == self.rt.lstrip("0")))


@dataclass(frozen=True)
class Book:
    code: str  # A.1 ...
    name: str  # CLI name
    title: str
    columns: list[Any]
    shares: list[float]
    align: str
    per_month: bool = False


def _d(value: dt.date | None) -> str:
    return value.strftime("%d-%m-%Y") if value else ""


@lru_cache(maxsize=4096)
def _code(name: str, value: int | None) -> str:
    if value is None:
        return ""
    return code_list(name).name_of(value) or ""


def _sex(value: int | None) -> str:
    return {1: "L", 2: "P"}.get(value or 0, "")


def _address(r: Any) -> str:
    parts = [str(r.address or "").strip()]
    if r.rt:
        parts.append(f"RT {r.rt}")
    if r.rw:
        parts.append(f"RW {r.rw}")
    if r.dusun:
        parts.append(f"Dusun {r.dusun}")
    return " ".join(p for p in parts if p)


def _match(f: Filters, *texts: Any) -> bool:
    if not f.search:
        return True
    needle = f.search.casefold()
    return any(needle in str(t or "").casefold() for t in texts)


_RESIDENT_COLUMNS = (Resident.id, Resident.name, Resident.nik, Resident.kk_number, Resident.sex,
                     Resident.marital_status, Resident.birth_place, Resident.birth_date, Resident.religion,
                     Resident.education, Resident.occupation, Resident.citizenship, Resident.address, Resident.rt,
                     Resident.rw, Resident.dusun, Resident.family_relation, Resident.blood_type,
                     Resident.father_name, Resident.mother_name)


def _present(s: Session, f: Filters) -> tuple[list[Any], dict[str, dt.date]]:
    """Residents living here at the end of ``date_to`` (from the events) with the filters, in book order,
    and the day each started living here (their birth or arrival), where recorded.

    Residents with events are replayed; the others (no events) live here from birth while HIDUP."""
    people = load_people(s, has_events())
    timelines, _problems = build_timelines(people, load_events(s))
    present = {pid for pid, tl in timelines.items() if tl.present_on(f.date_to)}
    since: dict[str, dt.date] = {}
    for pid in present:
        for when, kind, _col, _e in timelines[pid].steps:
            if kind == "entry" and when <= f.date_to:
                since[pid] = when
    # no events: HIDUP and born by then (sex unknown or not); with events: the replay decides below
    q = select(*_RESIDENT_COLUMNS).where(or_(
        and_(Resident.status == 1, or_(Resident.birth_date.is_(None), Resident.birth_date <= f.date_to)),
        Resident.id.in_(select(PopulationEvent.resident_id))))
    if f.dusun:
        q = q.where(Resident.dusun == f.dusun)
    rows = [r for r in s.execute(q).all() if (r.id in present or r.id not in people)
            and f.place_ok(r.dusun, r.rw, r.rt) and _match(f, r.name, r.nik, r.kk_number)]
    rows.sort(key=lambda r: (r.dusun or "", r.rw or "", r.rt or "", r.kk_number or "~", r.family_relation or 99,
                             r.birth_date or dt.date.min, r.name))
    return rows, since


def induk_rows(s: Session, f: Filters) -> list[list[str]]:
    residents, _since = _present(s, f)
    return [[str(i), r.name, _sex(r.sex), _code("status_perkawinan", r.marital_status), r.birth_place or "",
             _d(r.birth_date), _code("agama", r.religion), _code("pendidikan_kk", r.education),
             _code("pekerjaan", r.occupation), "", _code("warganegara", r.citizenship), _address(r),
             _code("hubungan_keluarga", r.family_relation), r.nik or "", r.kk_number or "", ""]
            for i, r in enumerate(residents, start=1)]


def ktp_kk_rows(s: Session, f: Filters) -> list[list[str]]:
    residents, since = _present(s, f)
    residents.sort(key=lambda r: (r.kk_number or "~", r.family_relation or 99, r.birth_date or dt.date.min))
    return [[str(i), r.kk_number or "", r.name, r.nik or "", _sex(r.sex),
             ", ".join(x for x in (r.birth_place or "", _d(r.birth_date)) if x), _code("golongan_darah", r.blood_type),
             _code("agama", r.religion), _code("pendidikan_kk", r.education), _code("pekerjaan", r.occupation),
             _address(r), _code("status_perkawinan", r.marital_status), "", _code("hubungan_keluarga", r.family_relation),
             _code("warganegara", r.citizenship), r.father_name or "", r.mother_name or "", _d(since.get(r.id)), ""]
            for i, r in enumerate(residents, start=1)]


def mutasi_rows(s: Session, f: Filters) -> list[list[str]]:
    """Every birth, death, move in and move out (and hilang/pergi/kembali) of the period, by date."""
    people: dict[str, Person] = load_people(s)
    details: dict[str, Any] = {}
    out: list[list[str]] = []
    for e in load_events(s):
        if not f.date_from <= e.date <= f.date_to or direction(e) is None:
            continue
        p = people.get(e.resident_id)
        if p is None or not f.place_ok(p.dusun, p.rw, p.rt):
            continue
        if e.resident_id not in details:
            details[e.resident_id] = s.get(Resident, e.resident_id)
        r = details[e.resident_id]
        if not _match(f, r.name, r.nik):
            continue
        came_from = came_on = went_to = went_on = died_at = died_on = note = ""
        if e.kind == "birth":
            came_from, came_on, note = f"Lahir di {r.birth_place}".strip() if r.birth_place else "Lahir", _d(e.date), "Kelahiran"
        elif e.kind == "move_in":
            came_from, came_on = str(e.details.get("origin") or ""), _d(e.date)
            note = "Kembali" if e.details.get("returning") else "Pindah datang"
        elif e.kind == "death":
            died_at, died_on, note = str(e.details.get("place") or "-"), _d(e.date), "Kematian"
        elif e.kind == "move_out":
            went_to, went_on, note = str(e.details.get("destination") or ""), _d(e.date), "Pindah keluar"
        else:
            status = _code("status_dasar", e.details.get("status"))
            if e.details.get("status") == 1:
                came_from, came_on, note = str(e.details.get("note") or "-"), _d(e.date), f"Kembali ({status})"
            else:
                went_to, went_on, note = str(e.details.get("note") or "-"), _d(e.date), status.title()
        out.append(["", r.name, r.birth_place or "", _d(r.birth_date), _sex(r.sex), _code("warganegara", r.citizenship),
                    came_from, came_on, went_to, went_on, died_at, died_on, note])
    for i, row in enumerate(out, start=1):
        row[0] = str(i)
    return out


def rekap_rows(s: Session, f: Filters) -> list[list[str]]:
    """A.3 for the month of ``date_to``: per dusun, start + changes = end (from the monthly figures)."""
    month = f.date_to.strftime("%Y-%m")
    figures = monthly.compute(s, month, today=max(dt.date.today(), f.date_to)).figures
    rows: list[list[str]] = []
    blocks = [(d["name"] or "-", d) for d in figures["dusun"] if not f.dusun or d["name"] == f.dusun]
    for i, (name, b) in enumerate(blocks, start=1):
        rows.append([str(i), name, *_rekap_cells(b)])
    if not f.dusun:
        rows.append(["", "JUMLAH", *_rekap_cells(figures["village"])])
    return rows


def _rekap_cells(b: dict[str, Any]) -> list[str]:
    p = b["persons"]

    def four(column: str) -> list[int]:
        return [p["WNA"]["L"][column], p["WNA"]["P"][column], p["WNI"]["L"][column], p["WNI"]["P"][column]]

    start, end = four("start"), four("end")
    cells = [*start, b["families"]["start"], b["members"]["start"], sum(start),
             *four("births"), *four("moved_in"), *four("deaths"), *four("moved_out"),
             *end, b["families"]["end"], b["members"]["end"], sum(end), ""]
    return [str(c) for c in cells]


def sementara_rows(s: Session, f: Filters) -> list[list[str]]:
    """Temporary residents who were here at some point of the period."""
    q = select(TemporaryResident).where(TemporaryResident.arrived_on <= f.date_to).order_by(
        TemporaryResident.arrived_on, TemporaryResident.name)
    out = []
    for t in s.execute(q).scalars():
        if t.departed_on is not None and t.departed_on < f.date_from:
            continue
        if not f.place_ok(t.dusun, t.rw, t.rt) or not _match(f, t.name, t.id_number, t.host_name, t.origin):
            continue
        born = ", ".join(x for x in (t.birth_place, _d(t.birth_date)) if x)
        host = " — ".join(x for x in (t.host_name, _address(t)) if x)
        out.append(["", t.name, "✓" if t.sex == 1 else "", "✓" if t.sex == 2 else "", t.id_number, born, t.occupation,
                    t.nationality or _code("warganegara", t.citizenship), t.ancestry, t.origin, t.purpose, host,
                    _d(t.arrived_on), _d(t.departed_on), t.note])
    for i, row in enumerate(out, start=1):
        row[0] = str(i)
    return out


def agenda_rows(s: Session, f: Filters) -> list[list[str]]:
    q = select(IncomingLetter).where(IncomingLetter.received_on >= f.date_from,
                                     IncomingLetter.received_on <= f.date_to).order_by(
        IncomingLetter.year, IncomingLetter.agenda_number)
    return [[str(x.agenda_number), _d(x.received_on), x.letter_number, _d(x.letter_date), x.sender, x.subject,
             x.disposition, x.note] for x in s.execute(q).scalars()
            if _match(f, x.sender, x.subject, x.letter_number)]


def ekspedisi_rows(s: Session, f: Filters) -> list[list[str]]:
    q = select(LetterDispatch).where(LetterDispatch.sent_on >= f.date_from, LetterDispatch.sent_on <= f.date_to
                                     ).order_by(LetterDispatch.year, LetterDispatch.sequence)
    return [[str(x.sequence), _d(x.sent_on), _d(x.letter_date), x.letter_number, x.subject, x.addressee, x.note]
            for x in s.execute(q).scalars() if _match(f, x.addressee, x.subject, x.letter_number)]


_GROUP4 = [["WNA", ["L", "P"]], ["WNI", ["L", "P"]]]

BOOKS: dict[str, Book] = {b.name: b for b in (
    Book("B.1", "induk", "Buku Induk Penduduk",
         ["NOMOR URUT", "NAMA LENGKAP / PANGGILAN", "JENIS KELAMIN", "STATUS PERKAWINAN",
          ["TEMPAT & TANGGAL LAHIR", ["TEMPAT LAHIR", "TGL"]], "AGAMA", "PENDIDIKAN TERAKHIR", "PEKERJAAN",
          "DAPAT MEMBACA HURUF", "KEWARGA-NEGARAAN", "ALAMAT LENGKAP", "KEDUDUKAN DLM KELUARGA", "NIK", "NOMOR KK",
          "KET"],
         [4, 12, 5, 6.5, 7, 6, 6, 7, 8, 5.5, 6, 13, 7, 10, 10, 4], "CLCL"),
    Book("B.2", "mutasi", "Buku Mutasi Penduduk Desa",
         ["NOMOR URUT", "NAMA LENGKAP / PANGGILAN", ["TEMPAT & TANGGAL LAHIR", ["TEMPAT LAHIR", "TANGGAL"]],
          "JENIS KELAMIN", "KEWARGA-NEGARAAN", ["PENAMBAHAN", ["DATANG DARI", "TANGGAL"]],
          ["PENGURANGAN", ["PINDAH KE", "TANGGAL", "MENINGGAL", "TANGGAL"]], "KET"],
         [4, 13, 8, 6, 4, 5.5, 11, 6, 11, 6, 8, 6, 7], "CLLLCC"),
    Book("B.3", "rekapitulasi", "Buku Rekapitulasi Jumlah Penduduk",
         ["NOMOR URUT", "NAMA DUSUN / LINGKUNGAN",
          ["JUMLAH PENDUDUK AWAL BULAN", [*_GROUP4, "JML KK", "JML ANGGOTA KELUARGA", "JML JIWA (3 s.d. 6)"]],
          ["TAMBAHAN BULAN INI", [["LAHIR", _GROUP4], ["DATANG", _GROUP4]]],
          ["PENGURANGAN BULAN INI", [["MENINGGAL", _GROUP4], ["PINDAH", _GROUP4]]],
          ["JML PENDUDUK AKHIR BULAN", [*_GROUP4, "JML KK", "JML ANGGOTA KELUARGA", "JML JIWA (26 s.d. 29)"]],
          "KET"],
         [3.3, 8, *[2] * 4, 2.6, 4.4, 3.3, *[2] * 16, *[2] * 4, 2.6, 4.4, 3.3, 2.5], "CL" + "C" * 31, per_month=True),
    Book("B.4", "sementara", "Buku Penduduk Sementara",
         ["NOMOR URUT", "NAMA LENGKAP", ["JENIS KELAMIN", ["L", "P"]], "NOMOR IDENTITAS / TANDA PENGENAL",
          "TEMPAT DAN TANGGAL LAHIR / UMUR", "PEKERJAAN", ["KEWARGANEGARAAN", ["KEBANGSAAN", "KETURUNAN"]],
          "DATANG DARI", "MAKSUD DAN TUJUAN KEDATANGAN", "NAMA DAN ALAMAT YG DIDATANGI", "DATANG TANGGAL",
          "PERGI TANGGAL", "KET"],
         [4, 11, 2.5, 2.5, 9, 9, 7, 6, 6, 9, 10, 12, 6, 6, 5], "CLCC"),
    Book("B.5", "ktp-kk", "Buku Kartu Tanda Penduduk dan Buku Kartu Keluarga",
         ["NOMOR URUT", "NO. KK", "NAMA LENGKAP", "NIK", "JENIS KELAMIN", "TEMPAT / TANGGAL LAHIR", "GOL. DARAH",
          "AGAMA", "PENDIDIKAN", "PEKERJAAN", "ALAMAT", "STATUS PERKAWINAN", "TEMPAT DAN TANGGAL DIKELUARKAN",
          "STATUS HUB. KELUARGA", "KEWARGA-NEGARAAN", ["ORANG TUA", ["AYAH", "IBU"]], "TGL MULAI DI DESA", "KET"],
         [4, 10.5, 10, 10.5, 4, 9, 4, 5, 6, 7, 10, 6, 6, 6, 5, 8, 8, 6, 3], "CLLLC"),
    Book("A.7", "agenda-masuk", "Buku Agenda Surat Masuk",
         ["NOMOR URUT", "TANGGAL PENERIMAAN", ["SURAT MASUK", ["NOMOR", "TANGGAL", "PENGIRIM", "ISI SINGKAT"]],
          "DISPOSISI", "KET"],
         [4, 6, 10, 6, 12, 22, 14, 6], "CC"),
    Book("A.8", "ekspedisi", "Buku Ekspedisi",
         ["NOMOR URUT", "TANGGAL PENGIRIMAN", ["SURAT", ["TANGGAL", "NOMOR"]], "ISI SINGKAT SURAT YANG DIKIRIM",
          "DITUJUKAN KEPADA", "KET"],
         [4, 7, 6, 12, 24, 16, 8], "CCC"),
)}
ROW_FUNCTIONS: dict[str, Callable[[Session, Filters], list[list[str]]]] = {
    "induk": induk_rows, "mutasi": mutasi_rows, "rekapitulasi": rekap_rows, "sementara": sementara_rows,
    "ktp-kk": ktp_kk_rows, "agenda-masuk": agenda_rows, "ekspedisi": ekspedisi_rows,
}


def period_label(f: Filters, per_month: bool) -> str:
    if per_month:
        return "Bulan " + format_date(f.date_to, "MMMM y", locale="id")
    if f.date_from == f.date_to:
        return "Tanggal " + format_date(f.date_to, "d MMMM y", locale="id")
    return (f"Periode {format_date(f.date_from, 'd MMMM y', locale='id')} s.d. "
            f"{format_date(f.date_to, 'd MMMM y', locale='id')}")
