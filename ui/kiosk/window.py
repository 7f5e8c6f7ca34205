"""The kiosk window: full screen, no frame, no way out but a supervisor's password; one resident at a time.

Screens that show a resident's data are built when the resident signs in and destroyed (not hidden)
when the session ends — by "Finish", after the idle countdown, or when a supervisor leaves — so no
widget keeps the previous resident's name, NIK or what they typed.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QMouseEvent, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLineEdit,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk import i18n, settings
from kiosk.i18n import _
from ui.kiosk.common import TouchLineEdit, button, error_text, label
from ui.kiosk.idle import COUNTDOWN_SECONDS, CountdownOverlay, IdleGuard
from ui.kiosk.keyboard import OnScreenKeyboard

log = logging.getLogger(__name__)
STYLE = Path(__file__).resolve().parent.parent.parent / "resources" / "style" / "kiosk.qss"
EXIT_TAPS = 5
EXIT_TAP_SECONDS = 3.0
CORNER = 96  # px: the hidden exit corner (top left)


class KeyGuard(QObject):
    """Swallows the keys that close or leave a window; Ctrl+Alt+Shift+K asks for a supervisor."""

    def __init__(self, window: KioskWindow) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() not in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride):
            return False
        assert isinstance(event, QKeyEvent)
        key = event.key()
        mods = event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        alt = bool(mods & Qt.KeyboardModifier.AltModifier)
        shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
        if key == Qt.Key.Key_K and ctrl and alt and shift:
            if event.type() == QEvent.Type.KeyPress:
                self.window.request_exit()
            return True
        if key in (Qt.Key.Key_Escape, Qt.Key.Key_Close, Qt.Key.Key_Back, Qt.Key.Key_Menu):
            return True
        if key == Qt.Key.Key_F4 and (alt or ctrl):
            return True
        if ctrl and key in (Qt.Key.Key_W, Qt.Key.Key_Q):
            return True
        return alt and key == Qt.Key.Key_Tab


class ExitCorner(QWidget):
    """An invisible square in the top-left corner: five taps within three seconds ask for a supervisor."""

    def __init__(self, window: KioskWindow) -> None:
        super().__init__(window)
        self.setObjectName("exit_corner")
        self.window_ = window
        self.taps: list[float] = []
        self.setGeometry(0, 0, CORNER, CORNER)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        now = time.monotonic()
        self.taps = [t for t in self.taps if now - t <= EXIT_TAP_SECONDS] + [now]
        if len(self.taps) >= EXIT_TAPS:
            self.taps = []
            self.window_.request_exit()
        event.accept()


class SupervisorScreen(QWidget):
    """A supervisor's username and password to leave kiosk mode."""

    submitted = Signal(str, str)
    cancel = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("supervisor")
        column = QVBoxLayout(self)
        column.setContentsMargins(120, 16, 120, 16)
        column.setSpacing(8)
        column.addWidget(label(_("Leave kiosk mode"), "title"))
        column.addWidget(label(_("For village staff only: a supervisor's username and password."), "hint"))
        row = QHBoxLayout()
        self.username = TouchLineEdit("text")
        self.username.setObjectName("supervisor_username")
        self.username.setPlaceholderText(_("Username"))
        self.password = TouchLineEdit("text")
        self.password.setObjectName("supervisor_password")
        self.password.setPlaceholderText(_("Password"))
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        row.addWidget(self.username)
        row.addWidget(self.password)
        column.addLayout(row)
        self.error = label("", "error", name="supervisor_error")
        self.error.hide()
        column.addWidget(self.error)
        self.keyboard = OnScreenKeyboard()
        self.keyboard.setFixedHeight(300)
        column.addWidget(self.keyboard)
        for edit in (self.username, self.password):
            edit.touched.connect(self.keyboard.set_target)
        self.keyboard.set_target(self.username)
        buttons = QHBoxLayout()
        cancel = button(_("Cancel"), "supervisor_cancel", "secondary")
        cancel.clicked.connect(self.cancel.emit)
        self.ok = button(_("Leave kiosk mode"), "supervisor_ok", "primary")
        self.ok.clicked.connect(lambda: self.submitted.emit(self.username.text().strip(), self.password.text()))
        buttons.addWidget(cancel, 1)
        buttons.addWidget(self.ok, 2)
        column.addLayout(buttons)
        self.username.setFocus()

    def show_error(self, text: str) -> None:
        self.password.clear()
        self.error.setText(text)
        self.error.show()


class KioskWindow(QWidget):
    """The self-service kiosk. ``exited`` fires after a supervisor has left kiosk mode."""

    exited = Signal()

    def __init__(self, ctx: Any, *, idle_ms: int | None = None,
                 countdown_ms: int = COUNTDOWN_SECONDS * 1000) -> None:
        super().__init__(None, Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint)
        self.ctx = ctx
        self.setObjectName("KioskWindow")
        self.setWindowTitle(_("Smart Kampung — self-service"))
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        if STYLE.exists():
            self.setStyleSheet(STYLE.read_text(encoding="utf-8"))
        self.default_language = i18n.current_language()
        self.office = ctx.services.office.profile()
        self.actor: Any = None
        self.profile: Any = None
        self.serial = 0  # a session's number: answers for an ended session are dropped
        self._allow_close = False
        self._filters_installed = False

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.header = QWidget()
        self.header.setObjectName("KioskHeader")
        self.header.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.header.setFixedHeight(84)
        head = QHBoxLayout(self.header)
        head.setContentsMargins(CORNER + 8, 0, 24, 0)
        self.header_title = label("", "header", wrap=False)
        head.addWidget(self.header_title, 1)
        self.header_finish = button(_("Finish"), "header_finish", "headerButton", height=60)
        self.header_finish.setMinimumWidth(200)
        self.header_finish.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.header_finish.clicked.connect(self.end_session)
        head.addWidget(self.header_finish)
        column.addWidget(self.header)
        self.body = QStackedWidget()
        self.body.setObjectName("KioskBody")
        column.addWidget(self.body, 1)

        self.overlay = CountdownOverlay(self)
        self.corner = ExitCorner(self)
        if idle_ms is None:
            idle_ms = int(ctx.services.preferences.get(settings.KIOSK_IDLE_SECONDS)) * 1000
        self.idle = IdleGuard(idle_ms, countdown_ms, self)
        self.idle.warn.connect(lambda: self.overlay.popup(self.idle.countdown_ms // 1000))
        self.idle.tick.connect(self.overlay.set_seconds)
        self.idle.expired.connect(self._idle_expired)
        self.overlay.still_here.connect(self._still_here)
        self.keys = KeyGuard(self)
        self.install_filters()
        self.reset()

    # --- window ----------------------------------------------------------------------------------

    def install_filters(self) -> None:
        app = QApplication.instance()
        if app is not None and not self._filters_installed:
            app.installEventFilter(self.keys)
            app.installEventFilter(self.idle)
            self._filters_installed = True

    def remove_filters(self) -> None:
        app = QApplication.instance()
        if app is not None and self._filters_installed:
            app.removeEventFilter(self.keys)
            app.removeEventFilter(self.idle)
            self._filters_installed = False

    def show_kiosk(self) -> None:
        self.showFullScreen()
        self.raise_()
        self.activateWindow()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._allow_close:
            self.remove_filters()
            event.accept()
        else:
            event.ignore()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self.overlay.isVisible():
            self.overlay.setGeometry(self.rect())
        self.corner.raise_()

    # --- screens ---------------------------------------------------------------------------------

    def screen(self, name: str) -> QWidget | None:
        for index in range(self.body.count()):
            widget = self.body.widget(index)
            if widget.objectName() == name:
                return widget
        return None

    def current_screen(self) -> str:
        widget = self.body.currentWidget()
        return widget.objectName() if widget is not None else ""

    def _put(self, widget: QWidget) -> QWidget:
        """Show ``widget``, destroying the screen of the same name it replaces."""
        old = self.screen(widget.objectName())
        self.body.addWidget(widget)
        self.body.setCurrentWidget(widget)
        if old is not None:
            self._destroy(old)
        self.corner.raise_()
        return widget

    def _destroy(self, widget: QWidget) -> None:
        self.body.removeWidget(widget)
        widget.setParent(None)  # out of the window at once, not at the next event loop turn
        widget.deleteLater()

    def reset(self) -> None:
        """Everything back to the welcome screen; every screen is built anew."""
        self.idle.stop()
        self.overlay.hide()
        if i18n.current_language() != self.default_language:
            i18n.set_language(self.default_language)
        self.actor = None
        self.profile = None
        while self.body.count():
            self._destroy(self.body.widget(0))
        self._build_start_screens()

    def _build_start_screens(self) -> None:
        from ui.kiosk.screens.welcome import WelcomeScreen, office_title

        self.header_title.setText(_("Self-service kiosk · {office}").format(office=office_title(self.office)))
        self.header_finish.setText(_("Finish"))
        self.header_finish.hide()
        welcome = WelcomeScreen(self.office)
        welcome.start.connect(self.show_identify)
        welcome.language.connect(self.set_language)
        welcome.budget.connect(self.show_budget)
        self._put(welcome)

    def show_budget(self, year: int | None = None) -> None:
        """Anggaran Desa: public budget figures, no sign-in needed (the idle timeout brings back the welcome)."""
        from ui.kiosk.screens.anggaran import AnggaranScreen, public_budget

        def done(result: tuple[Any, list[int]]) -> None:
            old = self.screen("anggaran")
            if old is not None:
                self._destroy(old)
            screen = AnggaranScreen(*result)
            screen.back.connect(self.reset)
            screen.year_chosen.connect(self.show_budget)
            self._put(screen)
            self.idle.start()

        self._run(lambda: public_budget(self.ctx.services, year), done,
                  lambda e: log.warning("kiosk: budget not shown: %s", type(e).__name__))

    def set_language(self, language: str) -> None:
        """Switch the kiosk's language (from the welcome screen) and rebuild every text."""
        if self.actor is not None:
            return
        i18n.set_language(language)
        while self.body.count():
            self._destroy(self.body.widget(0))
        self._build_start_screens()

    def end_session(self) -> None:
        """Finish: forget the resident and wipe everything typed (also after the idle countdown)."""
        self.serial += 1
        if self.actor is not None:
            log.info("kiosk: session ended")
        self.reset()

    def _idle_expired(self) -> None:
        log.info("kiosk: idle timeout")
        self.end_session()

    def _still_here(self) -> None:
        self.overlay.hide()
        self.idle.still_here()

    # --- identification ------------------------------------------------------------------------

    def show_identify(self) -> None:
        from ui.kiosk.screens.identify import IdentifyScreen

        screen = IdentifyScreen()
        screen.submitted.connect(self._identify)
        screen.back.connect(self.end_session)
        self._put(screen)
        self.header_finish.setText(_("Cancel"))
        self.header_finish.show()
        screen.nik.setFocus()
        self.idle.start()

    def _identify(self, nik: str, pin: str) -> None:
        serial = self.serial
        services = self.ctx.services

        def work() -> tuple[Any, Any]:
            actor = services.kiosk_auth.identify(nik, pin)
            return actor, services.kiosk_auth.profile(actor)

        def done(result: tuple[Any, Any]) -> None:
            if serial != self.serial:
                return
            self.actor, self.profile = result
            self.show_menu()

        def failed(error: BaseException) -> None:
            screen = self.screen("identify")
            if serial == self.serial and screen is not None:
                screen.show_error(error_text(error))  # type: ignore[attr-defined]

        self.ctx.runner.write(work, done, failed)

    # --- the resident's screens ----------------------------------------------------------------

    def show_menu(self) -> None:
        from ui.kiosk.screens.menu import MenuScreen

        if self.actor is None:
            self.reset()
            return
        identify = self.screen("identify")
        if identify is not None:
            self._destroy(identify)  # the typed NIK and PIN go now
        menu = MenuScreen(self.profile.name, self.profile.masked_nik)
        menu.chosen.connect(self.go)
        self._put(menu)
        self.header_finish.setText(_("Finish"))
        self.header_finish.show()
        self.idle.start()

    def go(self, key: str) -> None:
        if self.actor is None:
            self.reset()
            return
        if key == "finish":
            self.end_session()
        elif key == "request":
            self.show_request()
        elif key == "my_requests":
            self.show_my_requests()
        elif key == "complaint":
            self.show_complaint()
        elif key == "info":
            from ui.kiosk.screens.info import InfoScreen

            info = InfoScreen(self.office)
            info.back.connect(self.show_menu)
            self._put(info)

    def _run(self, fn: Callable[[], Any], done: Callable[[Any], None], failed: Callable[[BaseException], None],
             *, write: bool = False) -> None:
        """Run ``fn`` in the background; drop the answer if the session has ended meanwhile."""
        serial = self.serial

        def on_done(result: Any) -> None:
            if serial == self.serial:
                done(result)

        def on_error(error: BaseException) -> None:
            if serial == self.serial:
                failed(error)
            else:
                log.warning("kiosk: error after the session ended: %s", type(error).__name__)

        self.ctx.runner.run(fn, on_done, on_error, write=write)

    def show_request(self) -> None:
        from ui.kiosk.screens.request import RequestScreen, kiosk_letter_types

        letters = self.ctx.services.letters
        screen = RequestScreen(kiosk_letter_types(letters.catalog()))
        screen.check_values = letters.check_values
        screen.back.connect(self.show_menu)
        screen.finish.connect(self.end_session)
        screen.submit.connect(self._submit_request)
        self._put(screen)

    def _submit_request(self, letter_type: str, values: dict[str, Any]) -> None:
        actor = self.actor
        letters = self.ctx.services.letters
        preferences = self.ctx.services.preferences

        def work() -> tuple[Any, bytes, str]:
            info = letters.create_request(actor, resident_id=actor.user_id, letter_type=letter_type,
                                          values=values, channel="kios")
            return info, letters.queue_ticket_pdf(actor, info.id), str(preferences.get(settings.PRINTER) or "")

        def done(result: tuple[Any, bytes, str]) -> None:
            info, pdf, printer_name = result
            self.ctx.changed("letter_request")
            printed = self.print_ticket(pdf, printer_name, info.queue_number or "")
            from ui.kiosk.ticket import pdf_image

            image = pdf_image(pdf, 340)
            screen = self.screen("request")
            if screen is not None:
                screen.show_done(info, QPixmap.fromImage(image) if not image.isNull() else None,  # type: ignore[attr-defined]
                                 printed)

        def failed(error: BaseException) -> None:
            screen = self.screen("request")
            if screen is not None:
                screen.show_error(error_text(error))  # type: ignore[attr-defined]

        self._run(work, done, failed, write=True)

    def print_ticket(self, pdf: bytes, printer_name: str, queue_number: str) -> bool:
        """Print the ticket when a printer is set; False shows it on screen only."""
        from ui.kiosk.ticket import print_pdf, ticket_printer

        info = ticket_printer(printer_name)
        if info is None:
            return False
        try:
            return print_pdf(pdf, info, _("Queue ticket {number}").format(number=queue_number))
        except Exception:  # a printer problem must not leave the resident without their number
            log.exception("kiosk: printing the queue ticket failed")
            return False

    def show_my_requests(self) -> None:
        from ui.kiosk.screens.my_requests import MyRequestsScreen

        actor = self.actor
        services = self.ctx.services

        def work() -> tuple[list[Any], dict[str, str]]:
            from ui.kiosk.common import letter_title

            titles = {t.code: letter_title(t.title) for t in services.letters.catalog()}
            return services.kiosk_auth.own_requests(actor), titles

        def done(result: tuple[list[Any], dict[str, str]]) -> None:
            screen = MyRequestsScreen(*result)
            screen.back.connect(self.show_menu)
            self._put(screen)

        self._run(work, done, self._show_failure)

    def show_complaint(self) -> None:
        from ui.kiosk.screens.complaint import ComplaintScreen

        screen = ComplaintScreen(self.ctx.services.complaints.categories())
        screen.back.connect(self.show_menu)
        screen.finish.connect(self.end_session)
        screen.submit.connect(self._submit_complaint)
        self._put(screen)

    def _submit_complaint(self, category: str, text: str, phone: str) -> None:
        actor = self.actor
        complaints = self.ctx.services.complaints

        def work() -> Any:
            return complaints.record(actor, "kios", category, text, reporter_resident_id=actor.user_id,
                                     reporter_phone=phone)

        def done(info: Any) -> None:
            self.ctx.changed("complaint")
            due = info.due_at.replace(tzinfo=dt.UTC).astimezone()
            screen = self.screen("complaint")
            if screen is not None:
                screen.show_done(due.strftime("%d-%m-%Y %H.%M"))  # type: ignore[attr-defined]

        def failed(error: BaseException) -> None:
            screen = self.screen("complaint")
            if screen is not None:
                screen.show_error(error_text(error))  # type: ignore[attr-defined]

        self._run(work, done, failed, write=True)

    def _show_failure(self, error: BaseException) -> None:
        menu = self.screen("menu")
        log.warning("kiosk: %s", type(error).__name__)
        if menu is not None:
            self.body.setCurrentWidget(menu)

    # --- leaving kiosk mode ----------------------------------------------------------------------

    def request_exit(self) -> None:
        """The hidden gesture or key: end any resident's session, then ask for a supervisor."""
        if self._allow_close:
            return
        self.end_session()
        screen = SupervisorScreen()
        screen.cancel.connect(self.end_session)
        screen.submitted.connect(self._verify_supervisor)
        self._put(screen)
        self.header_finish.setText(_("Cancel"))
        self.header_finish.show()
        self.idle.start()

    def _verify_supervisor(self, username: str, password: str) -> None:
        users = self.ctx.services.users

        def failed(error: BaseException) -> None:
            screen = self.screen("supervisor")
            if screen is not None:
                screen.show_error(error_text(error))  # type: ignore[attr-defined]

        self._run(lambda: users.verify_supervisor(username, password), lambda _actor: self.leave(), failed,
                  write=True)

    def leave(self) -> None:
        """Leave kiosk mode (after a supervisor's password)."""
        log.info("kiosk: a supervisor left kiosk mode")
        self.serial += 1
        self.idle.stop()
        self.remove_filters()
        while self.body.count():
            self._destroy(self.body.widget(0))
        if i18n.current_language() != self.default_language:
            i18n.set_language(self.default_language)
        self._allow_close = True
        self.close()
        self.exited.emit()


def run_kiosk_window(ctx: Any, app: Any, *, on_exit: Callable[[], None] | None = None) -> int:
    """Start the kiosk. Standalone (``--kiosk``) it runs the event loop and returns the exit code; with
    ``on_exit`` (the staff program's "Mode kios") it returns at once and calls ``on_exit`` on leaving."""
    if not ctx.services.office.is_configured():
        from kiosk.errors import NotConfigured
        from ui.msgbox import show_error

        show_error(None, NotConfigured())
        return 2
    window = KioskWindow(ctx)
    ctx.options["kiosk_window"] = window  # keep it alive
    if on_exit is not None:
        window.exited.connect(on_exit)
        window.show_kiosk()
        return 0
    window.exited.connect(app.quit)
    window.show_kiosk()
    return int(app.exec())
