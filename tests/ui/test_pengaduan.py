"""The Pengaduan screen, its settings tab and the Beranda panels (pytest-qt, offscreen)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from kiosk.models import Letter, LetterRequest, Resident
from ui.main_window import MainWindow
from ui.screens.beranda import BerandaScreen
from ui.screens.pengaduan import OVERDUE_BG, PengaduanScreen

T0 = dt.datetime(2026, 11, 2, 1, 0)
SHOTS = os.environ.get("SK_SCREENSHOTS")  # a folder: save PNGs of the screens for a look


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture(autouse=True)
def _office_style(qapp: Any) -> Iterator[None]:
    """With SK_SCREENSHOTS, widgets get the program's style sheet (as in the real program)."""
    if SHOTS:
        qss = Path(__file__).resolve().parents[2] / "resources" / "style" / "office.qss"
        qapp.setStyleSheet(qss.read_text(encoding="utf-8"))
    yield
    if SHOTS:
        qapp.setStyleSheet("")


def _shot(widget: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(SHOTS) / f"{name}.png"))


def _screen(ctx: Any, qtbot: Any) -> PengaduanScreen:
    screen = PengaduanScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1000, 640)
    screen.show()
    return screen


def _ok(dialog: Any) -> None:
    buttons = dialog.buttons
    button = buttons.button(QDialogButtonBox.StandardButton.Save) or buttons.button(QDialogButtonBox.StandardButton.Ok)
    button.click()


def test_record_by_name_and_respond(ctx: Any, qtbot: Any, messages: list[Any]) -> None:
    clock = Clock(T0)
    ctx.services.complaints.clock = clock
    screen = _screen(ctx, qtbot)
    assert screen.model.rowCount() == 0
    qtbot.mouseClick(screen.new_button, Qt.MouseButton.LeftButton)
    dialog = screen.dialog
    dialog.channel.setCurrentIndex(dialog.channel.findData("whatsapp"))
    dialog.category.setCurrentIndex(dialog.category.findData("Infrastruktur"))
    qtbot.keyClicks(dialog.reporter_name, "Pak Darto")
    qtbot.keyClicks(dialog.reporter_phone, "0812 3456 7890")
    qtbot.keyClicks(dialog.text, "Jembatan di Dusun Krajan retak.")
    _ok(dialog)
    assert messages == []
    assert screen.model.rowCount() == 1
    c = screen.model.complaint(0)
    assert (c.channel, c.reporter_name, c.status, c.due_at) == ("whatsapp", "Pak Darto", "baru",
                                                                T0 + dt.timedelta(hours=4))
    assert screen.selected() is not None and screen.selected().id == c.id
    assert "4:00:00" in screen.model.index(0, 5).data()
    assert screen.respond_button.isEnabled() and screen.whatsapp_button.isEnabled()

    clock.now = T0 + dt.timedelta(hours=1)
    qtbot.mouseClick(screen.respond_button, Qt.MouseButton.LeftButton)
    step = screen.dialog
    qtbot.keyClicks(step.edit, "Sudah kami laporkan ke Dinas PU.")
    _ok(step)
    c = screen.model.complaint(0)
    assert (c.status, c.first_response) == ("ditanggapi", "Sudah kami laporkan ke Dinas PU.")
    assert not screen.respond_button.isEnabled() and screen.resolve_button.isEnabled()
    assert screen.model.index(0, 4).data() == "Ditanggapi"
    assert "Dinas PU" in screen.detail.toPlainText()


def test_record_for_a_resident_found_by_search(ctx: Any, qtbot: Any, messages: list[Any]) -> None:
    with ctx.services.store.write() as s:
        s.add(Resident(name="Siti Aminah", name_search="siti aminah", phone="081311112222", dusun="Krajan"))
    from kiosk.services.residents_search import rebuild_search_index

    rebuild_search_index(ctx.services.store)
    screen = _screen(ctx, qtbot)
    qtbot.mouseClick(screen.new_button, Qt.MouseButton.LeftButton)
    dialog = screen.dialog
    dialog.by_resident.setChecked(True)
    qtbot.keyClicks(dialog.resident_search, "siti")
    dialog.search_residents()
    assert dialog.resident_results.count() == 1
    dialog.resident_results.setCurrentRow(0)
    assert "Siti Aminah" in dialog.resident_chosen.text()
    qtbot.keyClicks(dialog.text, "Bantuan beras belum diterima.")
    _ok(dialog)
    assert messages == []
    c = screen.model.complaint(0)
    assert (c.reporter_name, c.reporter_phone, c.reporter_resident_id is not None) == (
        "Siti Aminah", "081311112222", True)


def test_missing_reporter_shows_an_error(ctx: Any, qtbot: Any, messages: list[Any]) -> None:
    screen = _screen(ctx, qtbot)
    qtbot.mouseClick(screen.new_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(screen.dialog.text, "Tanpa nama")
    _ok(screen.dialog)
    assert messages and messages[0][0] == "error" and "pelapor" in messages[0][1]
    assert screen.model.rowCount() == 0


def test_overdue_rows_stand_out_and_badge_counts_them(ctx: Any, qtbot: Any, messages: list[Any]) -> None:
    clock = Clock(T0)
    ctx.services.complaints.clock = clock
    actor = ctx.require_actor()
    late = ctx.services.complaints.record(actor, "loket", "Keamanan", "Lampu pos ronda mati", reporter_name="A")
    clock.now = T0 + dt.timedelta(hours=3)
    soon = ctx.services.complaints.record(actor, "telepon", "Kebersihan", "Sampah", reporter_name="B",
                                          reporter_phone="0813-0000-1111")
    clock.now = T0 + dt.timedelta(hours=4, minutes=25)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1200, 760)
    window.show()
    screen = window.show_screen("pengaduan")
    assert isinstance(screen, PengaduanScreen)
    rows = {c.id: i for i, c in enumerate(screen.model.rows)}
    late_row, soon_row = rows[late.id], rows[soon.id]
    assert screen.model.index(late_row, 0).data(Qt.ItemDataRole.BackgroundRole).color() == OVERDUE_BG
    assert screen.model.index(late_row, 5).data().startswith("lewat 0:25:")
    assert screen.model.index(soon_row, 0).data(Qt.ItemDataRole.BackgroundRole) is None
    assert screen.model.index(soon_row, 5).data() == "2:35:00 lagi"
    window._refresh_badges()
    nav = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert "Pengaduan  (1)" in nav
    assert "1 terlambat" in screen.summary.text()
    screen.status_filter.setCurrentIndex(screen.status_filter.findData("overdue"))
    assert [c.id for c in screen.model.rows] == [late.id]
    screen.status_filter.setCurrentIndex(screen.status_filter.findData("open"))
    # the clock moves on: the second one passes its due time, the badge follows without a data change
    clock.now = T0 + dt.timedelta(hours=7, minutes=1)
    screen._tick()
    assert screen.model.overdue_count() == 2
    nav = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert "Pengaduan  (2)" in nav
    screen.table.selectRow(rows[soon.id])
    _shot(window, "pengaduan")
    # a response stops the clock: no longer red
    screen.table.selectRow(0)
    ctx.services.complaints.respond(actor, late.id, "Sudah diganti")
    ctx.changed("complaint")
    assert "Pengaduan  (1)" in [window.nav.item(i).text() for i in range(window.nav.count())]


def test_settings_tab_changes_limit_and_categories(ctx: Any, qtbot: Any, messages: list[Any]) -> None:
    from ui.screens.pengaturan import PengaturanScreen

    screen = PengaturanScreen(ctx)
    qtbot.addWidget(screen)
    titles = [screen.tabs.tabText(i) for i in range(screen.tabs.count())]
    assert "Pengaduan" in titles
    tab = screen.tab_content(titles.index("Pengaduan"))
    tab.hours.setValue(2)
    tab.categories.setPlainText("Jalan\nAir bersih\n")
    tab.save()
    assert messages == [("info", "Pengaturan pengaduan disimpan.")]
    assert ctx.services.complaints.response_hours() == 2.0
    assert ctx.services.complaints.categories() == ["Jalan", "Air bersih"]


def test_beranda_panels(ctx: Any, qtbot: Any, messages: list[Any]) -> None:
    clock = Clock(T0)
    ctx.services.complaints.clock = clock
    actor = ctx.require_actor()
    today = dt.date.today()
    with ctx.services.store.write() as s:
        people = [Resident(name=f"Warga {i}", name_search=f"warga {i}", sex=1 + i % 2, religion=1 + (i % 3 == 0),
                           education=1 + i % 6, occupation=1 + i % 9, dusun=("Krajan", "Sumberagung", "Kalibaru")[i % 3],
                           birth_date=dt.date(1950 + i % 70, 1 + i % 12, 1)) for i in range(150)]
        s.add_all(people)
        s.flush()
        s.add_all([Letter(number=f"474/{i}", year=today.year, sequence_number=i, letter_type=t, issued_on=today,
                          content_hash="0" * 64)
                   for i, t in enumerate(["SKTM", "SKTM", "SKTM", "DOMISILI", "SKU", "SKU"], start=1)])
        s.add_all([LetterRequest(resident_id=people[0].id, letter_type="SKTM", channel=ch, status="diajukan")
                   for ch in ("loket", "kios", "kios")])
    ctx.services.complaints.record(actor, "loket", "Keamanan", "Lampu mati", reporter_name="Pak Slamet")
    clock.now = T0 + dt.timedelta(hours=3, minutes=20)
    ctx.services.complaints.record(actor, "whatsapp", "Infrastruktur", "Jalan rusak", reporter_name="Bu Sri")
    clock.now = T0 + dt.timedelta(hours=4, minutes=30)
    beranda = BerandaScreen(ctx)
    qtbot.addWidget(beranda)
    beranda.resize(1100, 1250)
    beranda.show()
    today_panel = beranda.findChild(object, "panelToday")
    complaints_panel = beranda.findChild(object, "panelComplaints")
    stats_panel = beranda.findChild(object, "panelResidentStats")
    assert today_panel.letters_chart.items == [("SKTM", 3), ("SKU", 2), ("DOMISILI", 1)]
    assert ">1<" in today_panel.requests_label.text() and ">2<" in today_panel.requests_label.text()
    assert "Belum terhubung" in today_panel.sync_label.text()
    counts = complaints_panel.counts_label.text()
    assert "terlambat" in counts and ">1</span>" in counts
    assert "lewat 0:30:00" in complaints_panel.list_label.text()
    assert "2:50:00 lagi" in complaints_panel.list_label.text()
    assert stats_panel.stats.total == 150
    assert dict(stats_panel.charts["sex"].items) == {"Laki-laki": 75, "Perempuan": 75}
    assert len(stats_panel.charts["dusun"].items) == 3
    _shot(beranda, "beranda")
    # live: a new letter shows after data_changed
    with ctx.services.store.write() as s:
        s.add(Letter(number="474/99", year=today.year, sequence_number=99, letter_type="DOMISILI", issued_on=today,
                     content_hash="0" * 64))
    ctx.changed("letter")
    assert today_panel.letters_chart.items == [("SKTM", 3), ("DOMISILI", 2), ("SKU", 2)]
    assert messages == []
