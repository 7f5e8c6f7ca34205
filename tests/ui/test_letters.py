"""Letters as staff meet them: new letter → issue → register; requests queue with supervisor approval."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import Qt

from kiosk.services import Services
from kiosk.services.demo import create_demo_village
from tests.helpers import make_user
from ui.dialogs.new_letter import NewLetterDialog
from ui.main_window import MainWindow
from ui.screens.permohonan import PermohonanScreen, waiting_badge
from ui.screens.surat import SuratScreen


@pytest.fixture
def village(ctx: Any) -> Any:
    create_demo_village(ctx.services, residents=40)
    return ctx


def _pick_resident(dialog: NewLetterDialog, qtbot: Any, text: str = "") -> Any:
    qtbot.keyClicks(dialog.search.query, text)
    dialog.search.search_now()
    assert dialog.search.rows, "the demo village has residents"
    dialog.search.results.setCurrentRow(0)
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    return dialog.search.rows[0]


def _fill_domisili(dialog: NewLetterDialog, qtbot: Any) -> None:
    form = dialog.form
    assert form is not None
    form.editors["sejak"].set_value(dt.date(2015, 3, 1))
    qtbot.keyClicks(form.editors["keperluan"], "Persyaratan melamar pekerjaan")


def test_new_letter_issue_shows_in_register(village: Any, qtbot: Any, messages: list[Any]) -> None:
    ctx = village
    dialog = NewLetterDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    resident = _pick_resident(dialog, qtbot)
    assert dialog.stack.currentIndex() == 1
    assert resident.name in dialog.summary.text()
    qtbot.keyClicks(dialog.type_filter, "domisili")
    dialog.choose_type("domisili")
    assert dialog.form is not None and "keperluan" in dialog.form.editors
    # nothing filled: inline errors, no letter
    qtbot.mouseClick(dialog.issue_button, Qt.MouseButton.LeftButton)
    assert dialog.issued is None
    assert not dialog.form.errors["keperluan"].isHidden()
    _fill_domisili(dialog, qtbot)
    dialog.preview()
    assert dialog.preview_dialog is not None and dialog.preview_dialog.page_count() > 0
    dialog.preview_dialog.close()
    qtbot.mouseClick(dialog.issue_button, Qt.MouseButton.LeftButton)
    assert messages == []
    letter = dialog.issued
    assert letter is not None and letter.number
    assert dialog.preview_dialog.page_count() >= 1
    dialog.preview_dialog.close()

    screen = SuratScreen(ctx)
    qtbot.addWidget(screen)
    numbers = [screen.model.text(r, 0) for r in screen.model.rows]
    assert letter.number in numbers
    row = numbers.index(letter.number)
    assert resident.name in screen.model.text(screen.model.rows[row], 3)
    assert screen.model.text(screen.model.rows[row], 4) == "Diterbitkan"


def test_server_validation_errors_show_inline(village: Any, qtbot: Any, messages: list[Any]) -> None:
    dialog = NewLetterDialog(village)
    qtbot.addWidget(dialog)
    _pick_resident(dialog, qtbot)
    dialog.choose_type("domisili")
    dialog.form.editors["sejak"].set_value("31-02-2020")
    qtbot.keyClicks(dialog.form.editors["keperluan"], "abc")
    assert not dialog.form.check()
    assert "tanggal" in dialog.form.errors["sejak"].text().lower()
    assert dialog.form.errors["keperluan"].text()


def test_supervisor_approves_request_then_issues(village: Any, qtbot: Any, messages: list[Any],
                                                 monkeypatch: Any) -> None:
    ctx = village
    services: Services = ctx.services
    ctx.actor = make_user(services, "siti", "operator")
    dialog = NewLetterDialog(ctx)
    qtbot.addWidget(dialog)
    _pick_resident(dialog, qtbot)
    dialog.choose_type("belum_menikah")
    assert dialog.letter_type is not None and dialog.letter_type.needs_approval
    assert not dialog.issue_button.isEnabled()  # an operator submits; a supervisor approves
    sample = __import__("forms").sample_values(dialog.letter_type, dt.date.today())
    dialog.form.set_values(sample)
    qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    assert [m for m in messages if m[0] == "error"] == []
    assert dialog.request is not None and dialog.request.status == "diajukan"
    assert waiting_badge(ctx) >= 1

    ctx.actor = make_user(services, "kades", "supervisor")
    screen = PermohonanScreen(ctx)
    qtbot.addWidget(screen)
    assert screen.model.rowCount() == 1
    screen.select_rows([0])
    assert screen.approve_button.isEnabled() and not screen.issue_button.isEnabled()
    qtbot.mouseClick(screen.approve_button, Qt.MouseButton.LeftButton)
    assert screen.model.rowCount() == 1  # the default view keeps it: approved, still to be issued (issue 18)
    screen.set_filters("diajukan")
    assert screen.model.rowCount() == 0
    screen.set_filters("disetujui")
    assert screen.model.rowCount() == 1
    screen.select_rows([0])
    assert screen.issue_button.isEnabled()
    qtbot.mouseClick(screen.issue_button, Qt.MouseButton.LeftButton)
    assert [m for m in messages if m[0] == "error"] == []
    letter = screen.last_issued
    assert letter.number
    assert screen.preview_dialog is not None and screen.preview_dialog.page_count() > 0
    screen.preview_dialog.close()
    assert services.letters.get_request(ctx.actor, dialog.request.id).status == "diterbitkan"


def test_approve_several_at_once_and_reject(village: Any, qtbot: Any, messages: list[Any],
                                            monkeypatch: Any) -> None:
    ctx = village
    services: Services = ctx.services
    admin = ctx.actor
    rows = services.residents.search(admin, "", limit=3).rows
    for row in rows:
        lt = services.letters.letter_type("sktm")
        services.letters.create_request(admin, resident_id=row.id, letter_type="sktm",
                                        values=__import__("forms").sample_values(lt, dt.date.today()))
    ctx.actor = make_user(services, "kades", "supervisor")
    screen = PermohonanScreen(ctx)
    qtbot.addWidget(screen)
    assert screen.model.rowCount() == 3
    screen.select_rows([0, 1])
    assert "2" in screen.approve_button.text()
    qtbot.mouseClick(screen.approve_button, Qt.MouseButton.LeftButton)
    assert screen.model.rowCount() == 3  # the open view keeps the approved ones (issue 18)
    screen.set_filters("diajukan")
    assert screen.model.rowCount() == 1
    assert any(m[0] == "confirm" for m in messages)
    from ui.screens import surat

    monkeypatch.setattr(surat, "ask_reason", lambda *a: "Persyaratan belum lengkap")
    screen.select_rows([0])
    qtbot.mouseClick(screen.reject_button, Qt.MouseButton.LeftButton)
    assert screen.model.rowCount() == 0
    screen.set_filters("ditolak")
    assert screen.model.rowCount() == 1
    assert "Persyaratan belum lengkap" in screen.model.text(screen.model.rows[0], 7)


def test_navigation_has_letter_screens_in_order(village: Any, qtbot: Any) -> None:
    window = MainWindow(village)
    qtbot.addWidget(window)
    titles = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert titles.index("Beranda") < titles.index("Permohonan") < titles.index("Surat") < titles.index("Pengguna")


def test_register_batch_print_one_job_then_void(village: Any, qtbot: Any, messages: list[Any],
                                                monkeypatch: Any, tmp_path: Any) -> None:
    from PySide6.QtPrintSupport import QPrinter

    ctx = village
    services: Services = ctx.services
    admin = ctx.actor
    lt = services.letters.letter_type("domisili")
    issued = [services.letters.issue_direct(admin, resident_id=row.id, letter_type="domisili",
                                            values=__import__("forms").sample_values(lt, dt.date.today()))
              for row in services.residents.search(admin, "", limit=2).rows]
    ctx.actor = make_user(services, "kades", "supervisor")
    screen = SuratScreen(ctx)
    qtbot.addWidget(screen)
    screen.select_numbers([x.number for x in issued])
    assert screen.batch_button.isEnabled() and not screen.void_button.isEnabled()
    dialog = screen.batch_print()
    assert dialog is not None and dialog.page_count() == 2
    printer = dialog.make_printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setResolution(96)
    printer.setOutputFileName(str(tmp_path / "batch.pdf"))
    dialog.print_now(printer)
    dialog.close()
    assert [m for m in messages if m[0] == "error"] == []
    assert all(services.letters.get_letter(admin, x.id).print_count == 1 for x in issued)
    assert screen.model.text(screen.model.rows[0], 5) == "1×"

    from ui.screens import surat

    monkeypatch.setattr(surat, "ask_reason", lambda *a: "Salah ketik nama")
    screen.select_numbers([issued[0].number])
    qtbot.mouseClick(screen.void_button, Qt.MouseButton.LeftButton)
    assert services.letters.get_letter(admin, issued[0].id).voided
    row = [screen.model.text(r, 0) for r in screen.model.rows].index(issued[0].number)
    assert screen.model.text(screen.model.rows[row], 4) == "Batal: Salah ketik nama"
