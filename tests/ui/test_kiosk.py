"""The self-service kiosk: sign-in on the keypad, lockout, letter request, complaint, idle wipe, escape
attempts, supervisor exit, the staff program's "Mode kios" and the PIN slip button."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QTextEdit, QWidget

from kiosk.models import Complaint, LetterRequest
from tests.helpers import ADMIN_PASSWORD

NIK = "3510011205800001"
OTHER_NIK = "3510010101900009"
PIN = "246810"
NAME = "Slamet Sukoco"


def _register(ctx: Any, name: str, nik: str, pin: str | None) -> str:
    admin = ctx.services.users.first_admin_actor()
    record = ctx.services.residents.register(
        admin, {"name": name, "nik": nik, "sex": 1, "birth_date": dt.date(1980, 5, 12), "dusun": "Krajan",
                "rt": "1", "rw": "2"}, accept_warnings=True)
    if pin:
        ctx.services.residents.set_pin(admin, record.id, pin)
    return str(record.id)


@pytest.fixture
def resident(ctx: Any) -> str:
    return _register(ctx, NAME, NIK, PIN)


def make_window(ctx: Any, qtbot: Any, **kw: Any) -> Any:
    from ui.kiosk.window import KioskWindow

    window = KioskWindow(ctx, **kw)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def window(ctx: Any, qtbot: Any, messages: list[Any]) -> Iterator[Any]:
    w = make_window(ctx, qtbot, idle_ms=60_000)
    yield w
    w._allow_close = True
    w.remove_filters()
    w.close()
    w.deleteLater()


def click(qtbot: Any, widget: QWidget) -> None:
    assert widget.isVisible(), widget.objectName()
    assert widget.isEnabled(), widget.objectName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def find(window: Any, name: str, cls: type = QWidget) -> Any:
    widget = window.findChild(cls, name)
    assert widget is not None, name
    return widget


def type_on_keypad(qtbot: Any, window: Any, digits: str) -> None:
    screen = window.body.currentWidget()
    keypad = screen.keypad
    for d in digits:
        click(qtbot, keypad.buttons[d])


def sign_in(qtbot: Any, window: Any, nik: str = NIK, pin: str = PIN) -> None:
    click(qtbot, find(window, "start"))
    assert window.current_screen() == "identify"
    type_on_keypad(qtbot, window, nik)
    type_on_keypad(qtbot, window, pin)  # the keypad moves to the PIN after 16 digits
    click(qtbot, find(window, "sign_in"))


def texts(window: Any) -> list[str]:
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    found: list[str] = []
    for w in window.findChildren(QLineEdit):
        found += [w.text(), w.placeholderText()]
    for w in window.findChildren(QLabel):
        found.append(w.text())
    for w in window.findChildren(QPlainTextEdit):
        found.append(w.toPlainText())
    for w in window.findChildren(QTextEdit):
        found.append(w.toPlainText())
    for w in window.findChildren(QPushButton):
        found.append(w.text())
    return found


def test_welcome_has_start_and_language_switch(window: Any, qtbot: Any) -> None:
    assert window.current_screen() == "welcome"
    flags = window.windowFlags()
    assert flags & Qt.WindowType.FramelessWindowHint and flags & Qt.WindowType.WindowStaysOnTopHint
    start = find(window, "start")
    assert start.text() == "Mulai" and start.height() >= 48
    click(qtbot, find(window, "lang_en"))
    assert find(window, "start").text() == "Start"
    click(qtbot, find(window, "lang_id"))
    assert find(window, "start").text() == "Mulai"


def test_sign_in_with_keypad_shows_masked_nik_and_name(window: Any, qtbot: Any, resident: str) -> None:
    click(qtbot, find(window, "start"))
    keypad = window.body.currentWidget().keypad
    assert all(b.height() >= 48 and b.width() >= 48 for b in keypad.buttons.values())
    pin_edit = find(window, "pin", QLineEdit)
    assert pin_edit.echoMode() == QLineEdit.EchoMode.Password
    type_on_keypad(qtbot, window, NIK)
    type_on_keypad(qtbot, window, PIN)
    assert find(window, "nik", QLineEdit).text() == NIK and pin_edit.text() == PIN
    click(qtbot, find(window, "sign_in"))
    assert window.current_screen() == "menu"
    assert window.actor.user_id == resident
    assert find(window, "resident_name", QLabel).text() == f"Halo, {NAME}"
    assert "3510********0001" in find(window, "resident_nik", QLabel).text()
    assert not any(NIK in t for t in texts(window))  # the whole NIK is gone with the identify screen


def test_wrong_pin_unknown_nik_same_message_then_lockout(window: Any, qtbot: Any, resident: str) -> None:
    sign_in(qtbot, window, NIK, "111111")
    error = find(window, "identify_error", QLabel)
    assert error.isVisible() and error.text() == "NIK atau PIN tidak cocok."
    assert find(window, "pin", QLineEdit).text() == ""
    window.end_session()
    sign_in(qtbot, window, OTHER_NIK, PIN)
    assert find(window, "identify_error", QLabel).text() == "NIK atau PIN tidak cocok."
    for _ in range(3):  # the NIK keeps what was typed; a new PIN each time
        type_on_keypad(qtbot, window, "111111")
        click(qtbot, find(window, "sign_in"))
    assert find(window, "identify_error", QLabel).text() == "NIK atau PIN tidak cocok."
    type_on_keypad(qtbot, window, "111111")
    click(qtbot, find(window, "sign_in"))  # fifth failure for the unknown NIK
    assert find(window, "identify_error", QLabel).text() == "Terlalu banyak percobaan. Coba lagi nanti."
    window.end_session()
    for _ in range(4):
        sign_in(qtbot, window, NIK, "999999")
        window.end_session()
    sign_in(qtbot, window, NIK, PIN)  # the right PIN, but the NIK is locked now (1 + 4 failures)
    assert find(window, "identify_error", QLabel).text() == "Terlalu banyak percobaan. Coba lagi nanti."
    assert window.actor is None


def test_request_a_letter_shows_number_and_ticket(window: Any, qtbot: Any, resident: str, ctx: Any) -> None:
    sign_in(qtbot, window)
    click(qtbot, find(window, "menu_request"))
    click(qtbot, find(window, "type_domisili"))
    form = window.body.currentWidget().form
    sejak = find(window, "field_sejak", QLineEdit)
    click(qtbot, sejak)
    assert form.pads.currentWidget() is form.keypad_holder
    for d in "01022015":
        click(qtbot, form.keypad.buttons[d])
    assert sejak.text() == "01-02-2015"
    click(qtbot, find(window, "request_next"))  # purpose still empty
    assert find(window, "error_keperluan", QLabel).isVisible()
    keperluan = find(window, "field_keperluan", QLineEdit)
    assert form.pads.currentWidget() is form.keyboard and form.keyboard.target is keperluan
    for ch in "melamar kerja":
        click(qtbot, form.keyboard.buttons["space"] if ch == " " else form.keyboard.buttons[ch])
    assert keperluan.text() == "Melamar kerja"
    click(qtbot, find(window, "request_next"))
    summary = window.body.currentWidget().pages.currentWidget()
    assert summary.objectName() == "summary"
    summary_texts = [w.text() for w in summary.findChildren(QLabel)]
    assert "01-02-2015" in summary_texts and "Melamar kerja" in summary_texts
    click(qtbot, find(window, "request_next"))  # "Kirim permohonan"
    assert find(window, "queue_number", QLabel).text() == "K-001"
    assert find(window, "request_number", QLabel).isVisible()
    assert find(window, "ticket_image", QLabel).pixmap().width() > 100  # no printer: shown on screen
    with ctx.services.store.read() as s:
        req = s.query(LetterRequest).one()
    assert (req.channel, req.resident_id, req.letter_type, req.queue_number) == ("kios", resident, "domisili",
                                                                                "K-001")
    click(qtbot, find(window, "request_finish"))  # finishing signs out
    assert window.current_screen() == "welcome" and window.actor is None
    assert not any(NAME in t or "Melamar" in t or "K-001" in t for t in texts(window))


def test_my_requests_shows_own_only(window: Any, qtbot: Any, resident: str, ctx: Any) -> None:
    other = _register(ctx, "Orang Lain", OTHER_NIK, "135790")
    with ctx.services.store.write() as s:
        s.add(LetterRequest(resident_id=resident, letter_type="skck", channel="kios", queue_number="K-007"))
        s.add(LetterRequest(resident_id=other, letter_type="sktm", channel="kios", queue_number="K-008"))
    sign_in(qtbot, window)
    click(qtbot, find(window, "menu_my_requests"))
    shown = texts(window)
    assert "K-007" in shown and "K-008" not in shown
    assert any("SKCK" in t for t in shown) and not any("Orang Lain" in t for t in shown)


def test_file_a_complaint(window: Any, qtbot: Any, resident: str, ctx: Any) -> None:
    sign_in(qtbot, window)
    click(qtbot, find(window, "menu_complaint"))
    click(qtbot, find(window, "category_1"))  # Infrastruktur
    screen = window.body.currentWidget()
    for ch in "jalan rusak":
        click(qtbot, screen.keyboard.buttons["space"] if ch == " " else screen.keyboard.buttons[ch])
    click(qtbot, find(window, "complaint_phone", QLineEdit))
    for d in "081234567890":
        click(qtbot, screen.keypad.buttons[d])
    click(qtbot, find(window, "complaint_send"))
    assert find(window, "complaint_received", QLabel).isVisible()
    with ctx.services.store.read() as s:
        c = s.query(Complaint).one()
    assert (c.channel, c.category, c.text, c.reporter_resident_id) == ("kios", "Infrastruktur", "Jalan rusak",
                                                                       resident)
    assert c.reporter_phone.endswith("81234567890")
    click(qtbot, find(window, "complaint_finish"))
    assert window.current_screen() == "welcome"


def test_idle_countdown_then_wipe(ctx: Any, qtbot: Any, messages: list[Any], resident: str) -> None:
    window = make_window(ctx, qtbot, idle_ms=300, countdown_ms=400)
    try:
        sign_in(qtbot, window)
        click(qtbot, find(window, "menu_request"))
        click(qtbot, find(window, "type_domisili"))
        form = window.body.currentWidget().form
        click(qtbot, find(window, "field_keperluan", QLineEdit))
        for ch in "rahasia":
            click(qtbot, form.keyboard.buttons[ch])
        qtbot.waitUntil(lambda: window.overlay.isVisible(), timeout=3000)
        assert "detik" in window.overlay.text.text()
        qtbot.waitUntil(lambda: window.current_screen() == "welcome", timeout=3000)
        assert window.actor is None and not window.overlay.isVisible()
        shown = texts(window)
        assert not any(NAME in t or "0001" in t or NIK in t or "Rahasia" in t for t in shown), shown
        assert window.screen("menu") is None and window.screen("request") is None
    finally:
        window._allow_close = True
        window.remove_filters()
        window.close()


def test_still_here_keeps_the_session(ctx: Any, qtbot: Any, messages: list[Any], resident: str) -> None:
    window = make_window(ctx, qtbot, idle_ms=200, countdown_ms=60_000)
    try:
        sign_in(qtbot, window)
        qtbot.waitUntil(lambda: window.overlay.isVisible(), timeout=3000)
        click(qtbot, find(window, "still_here"))
        assert not window.overlay.isVisible() and window.current_screen() == "menu"
    finally:
        window._allow_close = True
        window.remove_filters()
        window.close()


def test_escape_attempts_are_ignored(window: Any, qtbot: Any) -> None:
    assert window.close() is False
    assert window.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.keyClick(window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    click(qtbot, find(window, "start"))
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.isVisible() and window.current_screen() == "identify"


def _supervisor_exit(window: Any, qtbot: Any, password: str) -> None:
    for _ in range(5):
        click(qtbot, window.corner)
    assert window.current_screen() == "supervisor"
    find(window, "supervisor_username", QLineEdit).setText("admin")
    find(window, "supervisor_password", QLineEdit).setText(password)
    click(qtbot, find(window, "supervisor_ok"))


def test_supervisor_exit_needs_the_right_password(window: Any, qtbot: Any, resident: str) -> None:
    sign_in(qtbot, window)
    _supervisor_exit(window, qtbot, "salah-sekali")
    assert window.isVisible() and window.actor is None  # the resident's session ended first
    assert find(window, "supervisor_error", QLabel).isVisible()
    with qtbot.waitSignal(window.exited, timeout=5000):
        find(window, "supervisor_password", QLineEdit).setText(ADMIN_PASSWORD)
        click(qtbot, find(window, "supervisor_ok"))
    assert not window.isVisible()


def test_ctrl_alt_shift_k_asks_for_a_supervisor(window: Any, qtbot: Any) -> None:
    mods = (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
            | Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(window, Qt.Key.Key_K, mods)
    assert window.current_screen() == "supervisor"
    click(qtbot, find(window, "supervisor_cancel"))
    assert window.current_screen() == "welcome"


def test_english_kiosk(window: Any, qtbot: Any, resident: str) -> None:
    click(qtbot, find(window, "lang_en"))
    sign_in(qtbot, window, NIK, "000000")
    assert find(window, "identify_error", QLabel).text() == "NIK or PIN does not match."
    type_on_keypad(qtbot, window, PIN)
    click(qtbot, find(window, "sign_in"))
    assert find(window, "menu_request").text().endswith("Request a letter")
    click(qtbot, find(window, "menu_finish"))
    assert find(window, "start").text() == "Mulai"  # the next resident starts in Indonesian


def test_screenshots(ctx: Any, qtbot: Any, messages: list[Any], resident: str, tmp_path: Path) -> None:
    """Welcome, keypad, request form and ticket at 1280×800 (set KIOSK_SCREENSHOTS=dir to keep them)."""
    out = Path(os.environ.get("KIOSK_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    window = make_window(ctx, qtbot, idle_ms=600_000)
    try:
        def shot(name: str) -> None:
            QApplication.processEvents()
            image = window.grab()
            assert image.width() == 1280 and image.height() == 800
            assert image.save(str(out / f"kiosk_{name}.png"))

        shot("welcome")
        click(qtbot, find(window, "start"))
        type_on_keypad(qtbot, window, NIK[:10])
        shot("keypad")
        type_on_keypad(qtbot, window, NIK[10:] + PIN)
        click(qtbot, find(window, "sign_in"))
        shot("menu")
        click(qtbot, find(window, "menu_request"))
        shot("choose")
        click(qtbot, find(window, "type_domisili"))
        click(qtbot, find(window, "field_keperluan", QLineEdit))
        shot("form")
        find(window, "field_sejak", QLineEdit).setText("01-02-2015")
        find(window, "field_keperluan", QLineEdit).setText("Melamar pekerjaan")
        click(qtbot, find(window, "request_next"))
        shot("summary")
        click(qtbot, find(window, "request_next"))
        shot("ticket")
        window.go("complaint")
        click(qtbot, find(window, "category_0"))
        shot("complaint")
        window.idle.idle_timer.setInterval(1)
        window.idle.start()
        qtbot.waitUntil(lambda: window.overlay.isVisible(), timeout=3000)
        shot("idle")
    finally:
        window._allow_close = True
        window.remove_filters()
        window.close()


def test_mode_kios_from_the_staff_program(ctx: Any, qtbot: Any, messages: list[Any], monkeypatch: Any) -> None:
    from ui.app import StaffSession

    session = StaffSession(ctx)
    restarted: list[bool] = []
    monkeypatch.setattr(session, "_restart", lambda: restarted.append(True))
    ctx.options["kiosk_fullscreen"] = False
    main = session.open_main_window()
    action = main.findChild(QAction, "action_kiosk_mode")
    assert action is not None and action.text() == "Mode kios"
    action.trigger()
    kiosk = ctx.options["kiosk_window"]
    try:
        assert session.window is None and ctx.actor is None and kiosk.isVisible()
        kiosk.resize(1280, 800)
        with qtbot.waitSignal(kiosk.exited, timeout=5000):
            _supervisor_exit(kiosk, qtbot, ADMIN_PASSWORD)
        qtbot.waitUntil(lambda: restarted == [True], timeout=3000)
    finally:
        import shiboken6

        if shiboken6.isValid(kiosk):  # leaving kiosk mode may already have deleted it
            kiosk._allow_close = True
            kiosk.remove_filters()
            kiosk.close()
        QApplication.instance().setQuitOnLastWindowClosed(True)


def test_operators_have_no_kiosk_mode_action(ctx: Any, qtbot: Any, messages: list[Any]) -> None:
    from tests.helpers import make_user
    from ui.app import StaffSession

    ctx.actor = make_user(ctx.services, "operator1", "operator")
    session = StaffSession(ctx)
    main = session.open_main_window()
    try:
        assert main.findChild(QAction, "action_kiosk_mode") is None
    finally:
        QApplication.instance().removeEventFilter(session.idle)
        main.close()
