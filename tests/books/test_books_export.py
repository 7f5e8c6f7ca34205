"""The administration books: rows from the events, PDF (landscape, header on every page, signature) and XLSX."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from python_calamine import CalamineWorkbook
from sqlalchemy import select

import cli
from kiosk.actor import Actor
from kiosk.books.catalog import Filters
from kiosk.books.export import BookService
from kiosk.errors import ValidationError
from kiosk.models import AuditEntry
from kiosk.services import Services
from tests.books.village import build
from tests.helpers import ADMIN_PASSWORD, admin_actor

TODAY = dt.date(2026, 12, 4)
NOV = Filters(dt.date(2026, 11, 1), dt.date(2026, 11, 30))


@pytest.fixture
def admin(services: Services) -> Actor:
    return admin_actor(services)


@pytest.fixture
def books(services: Services, admin: Actor) -> BookService:
    build(services, admin)
    return BookService(services.store)


def _text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_induk_lists_who_lived_here_at_the_end_of_the_period(books: BookService, admin: Actor) -> None:
    names = [r[1] for r in books.rows(admin, "induk", NOV, today=TODAY).rows]
    assert sorted(names) == ["Bayi", "Dewi", "Fitri", "John", "Siti"]  # Agus died on 1 November
    october = [r[1] for r in books.rows(admin, "induk", Filters(dt.date(2026, 10, 1), dt.date(2026, 10, 31)),
                                        today=TODAY).rows]
    assert sorted(october) == ["Agus", "Bayi", "John", "Siti"]  # Dewi away, Fitri not here yet
    krajan = books.rows(admin, "induk", Filters(NOV.date_from, NOV.date_to, dusun="Sumberejo"), today=TODAY).rows
    assert sorted(r[1] for r in krajan) == ["Dewi", "John"]
    rt2 = books.rows(admin, "induk", Filters(NOV.date_from, NOV.date_to, dusun="Sumberejo", rt="2"), today=TODAY).rows
    assert [r[1] for r in rt2] == ["Dewi"]
    found = books.rows(admin, "induk", Filters(NOV.date_from, NOV.date_to, search="fit"), today=TODAY).rows
    assert [r[1] for r in found] == ["Fitri"]


def test_mutasi_has_every_event_of_the_period(books: BookService, admin: Actor) -> None:
    rows = books.rows(admin, "mutasi", Filters(dt.date(2026, 10, 1), dt.date(2026, 11, 30)), today=TODAY).rows
    assert [(r[1], r[12]) for r in rows] == [("Dewi", "Pindah keluar"), ("Bayi", "Kelahiran"), ("Agus", "Kematian"),
                                             ("Dewi", "Kembali"), ("Fitri", "Pindah datang")]
    assert rows[0][8] == "Surabaya" and rows[0][9] == "15-10-2026"
    assert rows[4][6] == "Jember" and rows[2][11] == "01-11-2026"


def test_rekapitulasi_adds_up_per_dusun(books: BookService, admin: Actor) -> None:
    rows = books.rows(admin, "rekapitulasi", NOV, today=TODAY).rows
    assert [r[1] for r in rows] == ["Krajan", "Sumberejo", "JUMLAH"]
    total = [int(x) for x in rows[-1][2:-1]]
    start, changes_in, changes_out, end = sum(total[0:4]), sum(total[7:15]), sum(total[15:23]), sum(total[23:27])
    assert (start, changes_in, changes_out, end) == (4, 2, 1, 5)
    assert start + changes_in - changes_out == end == total[29]
    for dusun in rows[:-1]:
        v = [int(x) for x in dusun[2:-1]]
        assert sum(v[0:4]) + sum(v[7:15]) - sum(v[15:23]) == sum(v[23:27])


def test_pdf_is_landscape_with_header_on_every_page_and_signature(services: Services, admin: Actor,
                                                                    tmp_path: Path) -> None:
    from kiosk.services.demo import create_demo_village

    create_demo_village(services, residents=400)
    out = tmp_path / "induk.pdf"
    result = BookService(services.store).export(admin, "induk", out, date_to=TODAY, today=TODAY)
    assert result.rows == 400
    reader = PdfReader(out)
    assert len(reader.pages) >= 5
    for page in reader.pages:
        box = page.mediabox
        assert float(box.width) > float(box.height)  # landscape
        assert round(float(box.width) / 72 * 25.4) == 330  # F4 by default
    text = _text(out)
    pages = text.split("\f")
    bad = [p[:300] for p in pages if p.strip() and not ("NOMOR KK" in p and "KEDUDUKAN" in p)]
    assert not bad, bad
    assert f"Halaman 1 dari {len(reader.pages)}" in pages[0]
    assert "BUKU INDUK PENDUDUK" in pages[0] and "PEMERINTAH KABUPATEN BANYUWANGI" in pages[0]
    assert "Lampiran B.1" in pages[0]  # Permendagri 47/2016: Administrasi Penduduk is section B
    assert "KEPALA DESA SARONGAN" in pages[-2] + pages[-1] and "Slamet Riyadi" in text


def test_xlsx_has_every_row(books: BookService, admin: Actor, tmp_path: Path) -> None:
    out = tmp_path / "mutasi.xlsx"
    books.export(admin, "mutasi", out, date_from=dt.date(2026, 10, 1), date_to=dt.date(2026, 11, 30), today=TODAY)
    sheet = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert sheet[0][0] == "BUKU MUTASI PENDUDUK DESA"
    assert "PENGURANGAN – PINDAH KE" in sheet[3]
    assert [r[1] for r in sheet[4:]] == ["Dewi", "Bayi", "Agus", "Dewi", "Fitri"]


def test_bad_periods_and_files(books: BookService, admin: Actor, tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as err:
        books.export(admin, "induk", tmp_path / "x.pdf", date_from=dt.date(2026, 11, 30), date_to=dt.date(2026, 11, 1),
                     today=TODAY)
    assert "sebelum" in err.value.user_message()
    with pytest.raises(ValidationError):
        books.export(admin, "induk", tmp_path / "x.docx", today=TODAY)
    with pytest.raises(ValidationError):
        books.export(admin, "induk", tmp_path / "x.pdf", date_from=dt.date(2027, 1, 1), date_to=dt.date(2027, 1, 2),
                     today=TODAY)
    assert not list(tmp_path.glob("x.*"))


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    code = cli.run(list(args))
    out = capsys.readouterr()
    try:
        return code, json.loads(out.out)
    except ValueError:
        return code, out.out + out.err


def test_command_line(services: Services, admin: Actor, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    build(services, admin)
    data = str(services.store.paths.root)
    out = tmp_path / "rekap.pdf"
    code, res = _cli(capsys, "books", "rekapitulasi", "--from", "2026-11-01", "--to", "2026-11-30", "--out", str(out),
                     "--data-dir", data, "--json")
    assert code == 0 and res["rows"] == 3 and out.exists()
    assert "BUKU REKAPITULASI JUMLAH PENDUDUK" in _text(out) and "Bulan November 2026" in _text(out)
    code, res = _cli(capsys, "report", "monthly", "--month", "2026-11", "--data-dir", data, "--json")
    assert code == 0 and res["state"] == "open" and res["figures"]["village"]["total"]["all"]["end"] == 5
    code, text = _cli(capsys, "report", "monthly", "--month", "2099-01", "--data-dir", data)
    assert code == 1 and "belum dimulai" in text
    monkeypatch.setenv("SMART_KAMPUNG_PASSWORD", ADMIN_PASSWORD)
    pdf = tmp_path / "nov.pdf"
    code, res = _cli(capsys, "report", "monthly", "--month", "2026-11", "--close", "--user", "admin", "--out", str(pdf),
                     "--data-dir", data, "--json")
    assert code == 0 and res["state"] == "closed" and res["revision"] == 1
    code, text = _cli(capsys, "report", "monthly", "--month", "2026-11", "--close", "--user", "admin",
                      "--data-dir", data)
    assert code == 1 and "sudah ditutup" in text
    again = tmp_path / "nov2.pdf"
    _cli(capsys, "report", "monthly", "--month", "2026-11", "--out", str(again), "--data-dir", data)
    assert again.read_bytes() == pdf.read_bytes()
    with services.store.read() as s:
        assert s.execute(select(AuditEntry.action).where(AuditEntry.action == "books.export")).scalar()


def test_empty_period_prints_a_clear_page(books: BookService, admin: Actor, tmp_path: Path) -> None:
    out = tmp_path / "sementara.pdf"
    res = books.export(admin, "sementara", out, date_from=dt.date(2026, 11, 1), date_to=dt.date(2026, 11, 30),
                       today=TODAY)
    assert res.rows == 0 and "Tidak ada data pada periode ini." in _text(out)
    assert io.BytesIO(out.read_bytes()).getvalue().startswith(b"%PDF")
