"""The resident's letters (Surat tab of the resident detail) and reissuing a letter from the register."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter

import forms
from kiosk.services.demo import create_demo_village
from tests.helpers import make_user
from ui.dialogs.pdf_preview import PdfPreviewDialog
from ui.dialogs.resident_detail import ResidentDetailDialog
from ui.screens import surat
from ui.screens.surat import SuratScreen
from ui.widgets.resident_letters import ResidentLetters


@pytest.fixture
def village(ctx: Any) -> Any:
    create_demo_village(ctx.services, residents=40)
    return ctx


def _issue(ctx: Any, resident_id: str) -> Any:
    letters = ctx.services.letters
    lt = letters.letter_type("domisili")
    return letters.issue_direct(ctx.require_actor(), resident_id=resident_id, letter_type="domisili",
                                values=forms.sample_values(lt, dt.date.today()))


def test_letters_tab_lists_issued_letters_and_opens_the_pdf(village: Any, qtbot: Any, messages: Any,
                                                             qtmodeltester: Any, tmp_path: Any) -> None:
    ctx = village
    admin = ctx.require_actor()
    resident = ctx.services.residents.search(admin, "", limit=1).rows[0]
    letter = _issue(ctx, resident.id)
    detail = ResidentDetailDialog(ctx, resident.id)
    qtbot.addWidget(detail)
    titles = [detail.tabs.tabText(i) for i in range(detail.tabs.count())]
    assert "Surat" in titles
    tab = detail.tabs.widget(titles.index("Surat"))
    assert isinstance(tab, ResidentLetters)
    model = tab.model
    assert model.rowCount() == 1
    assert [model.text(model.rows[0], c) for c in (0, 1, 3, 4)] == [
        letter.number, dt.date.today().strftime("%d-%m-%Y"), "Diterbitkan", "belum"]
    assert "Domisili" in model.text(model.rows[0], 2)
    qtmodeltester.check(model)

    # double-click opens the archived PDF; printing it counts a print, and the tab shows it
    detail.show()
    detail.tabs.setCurrentWidget(tab)
    qtbot.waitExposed(detail)
    rect = tab.table.visualRect(model.index(0, 0))
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    preview = tab.last_preview
    assert isinstance(preview, PdfPreviewDialog) and preview.page_count() >= 1
    printer = preview.make_printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setResolution(96)
    printer.setOutputFileName(str(tmp_path / "letter.pdf"))
    preview.print_now(printer)
    preview.close()
    assert ctx.services.letters.get_letter(admin, letter.id).print_count == 1
    assert model.text(model.rows[0], 4) == "1×"
    assert [m for m in messages if m[0] == "error"] == []


def test_a_resident_without_letters_gets_a_hint(village: Any, qtbot: Any) -> None:
    ctx = village
    resident = ctx.services.residents.search(ctx.require_actor(), "", limit=1).rows[0]
    tab = ResidentLetters(ctx, resident.id)
    qtbot.addWidget(tab)
    assert tab.model.rowCount() == 0
    assert tab.hint.text() == "Belum ada surat yang diterbitkan untuk penduduk ini."


def test_reissue_from_the_register_voids_the_old_and_shows_the_new(village: Any, qtbot: Any, messages: Any,
                                                                   monkeypatch: Any) -> None:
    ctx = village
    services = ctx.services
    resident = services.residents.search(ctx.require_actor(), "", limit=1).rows[0]
    old = _issue(ctx, resident.id)

    ctx.actor = make_user(services, "operator1", "operator")
    operator_screen = SuratScreen(ctx)
    qtbot.addWidget(operator_screen)
    assert operator_screen.reissue_button.isHidden()  # supervisors only

    ctx.actor = make_user(services, "kades", "supervisor")
    screen = SuratScreen(ctx)
    qtbot.addWidget(screen)
    assert not screen.reissue_button.isEnabled()
    screen.select_numbers([old.number])
    assert screen.reissue_button.isEnabled()

    asked: list[str] = []
    monkeypatch.setattr(surat, "ask_reason", lambda parent, title, prompt: asked.append(prompt) or None)
    qtbot.mouseClick(screen.reissue_button, Qt.MouseButton.LeftButton)  # cancelled: nothing happens
    assert asked and old.number in asked[0]
    assert not services.letters.get_letter(ctx.actor, old.id).voided

    monkeypatch.setattr(surat, "ask_reason", lambda *a: "Salah tulis alamat")
    qtbot.mouseClick(screen.reissue_button, Qt.MouseButton.LeftButton)
    assert [m for m in messages if m[0] == "error"] == []
    assert services.letters.get_letter(ctx.actor, old.id).voided
    new = services.letters.letters_for_resident(ctx.actor, resident.id)[0]
    assert new.number != old.number and new.reissue_of == old.id and not new.voided
    numbers = [screen.model.text(r, 0) for r in screen.model.rows]
    states = {screen.model.text(r, 0): screen.model.text(r, 4) for r in screen.model.rows}
    assert new.number in numbers and states[new.number] == "Diterbitkan"
    assert states[old.number] == "Batal: Salah tulis alamat"
    assert [attr.number for attr in screen.selected()] == [new.number]
    preview = screen.last_preview
    assert isinstance(preview, PdfPreviewDialog) and new.number in preview.windowTitle()
    preview.close()
