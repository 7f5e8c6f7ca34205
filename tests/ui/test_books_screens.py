"""The book screens offscreen: Buku Administrasi (show, export with progress), Laporan Bulanan (compute,
close, re-open with a reason, reprint), and the office books (temporary residents, incoming letters)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from tests.books.village import build

SHOTS = os.environ.get("SMART_KAMPUNG_SCREENSHOTS")


def _shot(widget: Any, name: str) -> None:
    if SHOTS:
        widget.resize(1200, 720)
        widget.grab().save(str(Path(SHOTS) / f"{name}.png"))


@pytest.fixture
def village(ctx: Any) -> Any:
    build(ctx.services, ctx.require_actor())
    return ctx


def test_buku_administrasi_shows_and_exports(village: Any, qtbot: Any, messages: list[Any], tmp_path: Path) -> None:
    from PySide6.QtCore import QDate

    from ui.screens.buku_administrasi import BukuAdministrasiScreen

    screen = BukuAdministrasiScreen(village)
    qtbot.addWidget(screen)
    screen.book.setCurrentIndex(screen.book.findData("mutasi"))
    screen.date_from.setDate(QDate(2026, 10, 1))
    screen.date_to.setDate(QDate(2026, 11, 30))
    screen.show_button.click()
    assert screen.model.rowCount() == 5 and screen.model.columnCount() == 13
    assert screen.model.index(1, 1).data() == "Bayi" and "5" in screen.count.text()
    screen.search.setText("dewi")
    screen.load()
    assert screen.model.rowCount() == 2
    _shot(screen, "buku-administrasi")
    seen: list[tuple[int, int]] = []
    screen._progress.step.connect(lambda d, t: seen.append((d, t)))
    out = tmp_path / "mutasi"
    screen.export_to(str(out), "pdf")
    qtbot.waitUntil(lambda: bool(messages), timeout=10_000)
    assert messages[-1][0] == "info" and (tmp_path / "mutasi.pdf").exists()
    assert len(PdfReader(tmp_path / "mutasi.pdf").pages) == 1 and seen[-1] == (3, 3)
    assert screen.pdf_button.isEnabled() and not screen.progress.isVisible()
    screen.date_from.setDate(QDate(2026, 12, 1))
    screen.date_to.setDate(QDate(2026, 11, 1))
    screen.export_to(str(tmp_path / "bad.xlsx"), "xlsx")
    assert messages[-1][0] == "error" and "sebelum dimulai" in messages[-1][1]
    assert not (tmp_path / "bad.xlsx").exists()


def test_laporan_bulanan_compute_close_reopen(village: Any, qtbot: Any, messages: list[Any], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from ui.screens import laporan_bulanan
    from ui.screens.laporan_bulanan import LaporanBulananScreen

    screen = LaporanBulananScreen(village)
    qtbot.addWidget(screen)
    screen.month.setText("2026-11")
    screen.compute_button.click()
    assert screen.model.index(5, 7).data() == "5"  # end of month, L+P
    assert "sementara" in screen.state.text().lower() and screen.close_button.isEnabled()
    _shot(screen, "laporan-bulanan")
    screen.close_button.click()
    assert "Ditutup" in screen.state.text() and not screen.close_button.isEnabled()
    first = tmp_path / "nov.pdf"
    screen.save_pdf_to(str(first))
    monkeypatch.setattr(laporan_bulanan, "ask_reason", lambda *a: "Kelahiran terlambat dicatat")
    screen.reopen_button.click()
    assert "Kelahiran terlambat dicatat" in screen.state.text() and screen.close_button.isEnabled()
    screen.month.setText("2099-01")
    screen.compute()
    assert "belum dimulai" in screen.state.text() and not screen.pdf_button.isEnabled()
    assert first.read_bytes().startswith(b"%PDF")


def test_office_books_tabs(ctx: Any, qtbot: Any, messages: list[Any]) -> None:
    from PySide6.QtCore import QDate

    from ui.screens.buku_catatan import BukuCatatanScreen

    screen = BukuCatatanScreen(ctx)
    qtbot.addWidget(screen)
    tab = screen.temporary
    tab.inputs["name"].setText("Made Wirawan")
    tab.inputs["origin"].setText("Denpasar")
    today = dt.date.today()
    tab.inputs["arrived_on"].setDate(QDate(today.year, today.month, 1))
    tab.add_button.click()
    assert tab.model.rowCount() == 1 and tab.model.index(0, 1).data() == "Made Wirawan"
    assert tab.staying.count() == 1
    tab.depart_button.click()
    assert tab.staying.count() == 0 and tab.model.index(0, 13).data() == today.strftime("%d-%m-%Y")
    tab.inputs["name"].setText("")
    tab.add_button.click()
    assert messages[-1][0] == "error"
    inc = screen.incoming
    inc.inputs["sender"].setText("Camat Pesanggaran")
    inc.inputs["subject"].setText("Undangan rapat")
    inc.add_button.click()
    assert inc.model.rowCount() == 1 and inc.model.index(0, 4).data() == "Camat Pesanggaran"
    screen.tabs.setCurrentIndex(0)
    _shot(screen, "buku-catatan")
