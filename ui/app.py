"""Start the staff program (or the kiosk): one QApplication, one application context, first-run setup,
sign-in, the main window, the idle lock and a calm message for the unexpected."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from kiosk import i18n
from kiosk.i18n import _

log = logging.getLogger(__name__)
STYLE = Path(__file__).resolve().parent.parent / "resources" / "style" / "office.qss"


def parse_gui_args(argv: Sequence[str]) -> argparse.Namespace:
    from cli import translate_argparse

    translate_argparse()  # "galat: ... pilihan tidak sah", not argparse's English
    parser = argparse.ArgumentParser(prog="smart-kampung", add_help=False)
    parser.add_argument("--data-dir")
    parser.add_argument("--lang", choices=["id", "en"])
    parser.add_argument("--kiosk", action="store_true")
    parser.add_argument("--demo", action="store_true")
    parser.add_argument("--demo-residents", type=int, default=2000)
    parser.add_argument("--quit-after-start", action="store_true", help=argparse.SUPPRESS)  # benchmark
    args, _unknown = parser.parse_known_args(list(argv))
    return args


def install_excepthook() -> None:
    """Log the unexpected and show a calm message instead of vanishing."""

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log.critical("unexpected error", exc_info=(exc_type, exc, tb))
        if QApplication.instance() is not None:
            from ui.msgbox import error_text

            QMessageBox.warning(None, _("Something went wrong"), error_text(exc))

    sys.excepthook = hook


def make_application(argv: Sequence[str] = ()) -> QApplication:
    app = QApplication.instance() or QApplication(["smart-kampung", *argv])
    assert isinstance(app, QApplication)
    app.setApplicationName("Smart Kampung")
    app.setOrganizationName("Smart Kampung")
    from ui.i18n import install_qt_translator

    install_qt_translator(app)
    if STYLE.exists():
        app.setStyleSheet(style_sheet(STYLE))
    return app


def style_sheet(path: Path) -> str:
    """A style sheet with ``@STYLE_DIR@`` (its images: arrows) made an absolute path."""
    return path.read_text(encoding="utf-8").replace("@STYLE_DIR@", path.parent.resolve().as_posix())


def build_context(data_dir: str | None, *, synchronous: bool = False, options: dict[str, Any] | None = None) -> Any:
    from kiosk.db import Store
    from kiosk.logging_setup import setup_logging
    from kiosk.services import Services
    from ui.context import AppContext, AppSignals
    from ui.runner import Runner

    store = Store.open(data_dir)
    setup_logging(store.paths.logs)
    runner = Runner(synchronous=synchronous)
    ctx = AppContext(services=Services(store), runner=runner, signals=AppSignals(), options=options or {})
    from ui.msgbox import show_error

    runner.default_error_handler = lambda e: show_error(None, e)
    return ctx


class StaffSession:
    """Sign-in → main window → idle lock → sign-out, for as long as the program runs."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.window: Any = None
        self.idle: Any = None
        self._quit_on_last_window = True

    def ensure_configured(self) -> bool:
        if self.ctx.services.office.needs_first_admin():  # half set up (older version): finish it
            from ui.dialogs.setup_wizard import SetupWizard

            return SetupWizard(self.ctx, resume=True).exec() == QDialog.DialogCode.Accepted
        if self.ctx.services.office.is_configured():
            return True
        if self.ctx.options.get("demo"):
            from kiosk.services.demo import create_demo_village

            create_demo_village(self.ctx.services, residents=self.ctx.options.get("demo_residents", 2000))
            return True
        from ui.dialogs.setup_wizard import SetupWizard

        wizard = SetupWizard(self.ctx, demo_residents=self.ctx.options.get("demo_residents", 2000))
        return wizard.exec() == QDialog.DialogCode.Accepted

    def sign_in(self) -> bool:
        from ui.dialogs.login import LoginDialog

        dialog = LoginDialog(self.ctx)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.actor is None:
            return False
        self.ctx.actor = dialog.actor
        self.ctx.signals.actor_changed.emit(dialog.actor)
        return True

    def open_main_window(self) -> Any:
        from kiosk import settings
        from ui.main_window import IdleWatcher, MainWindow

        self.window = MainWindow(self.ctx)
        self.window.lock_requested.connect(self.lock)
        self.window.logout_requested.connect(self.logout)
        minutes = int(self.ctx.services.preferences.get(settings.IDLE_LOCK_MINUTES))
        self.idle = IdleWatcher(minutes * 60_000, self.window)
        self.idle.idle.connect(self.lock)
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self.idle)
        self.idle.start()
        from ui.kiosk.hook import add_kiosk_action

        add_kiosk_action(self)  # "Mode kios" on the Program menu, for supervisors
        self.window.show()
        return self.window

    def lock(self) -> None:
        """Hide the data behind the unlock dialog; only the same user's password (or sign-out) goes on."""
        from ui.dialogs.login import LoginDialog

        if self.window is None or self.ctx.actor is None:
            return
        self.idle.stop()
        self.window.centralWidget().setVisible(False)
        dialog = LoginDialog(self.ctx, self.window, unlock_for=self.ctx.actor)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.window.centralWidget().setVisible(True)
            self.idle.start()
        else:
            self.logout()

    def logout(self) -> None:
        app = QApplication.instance()
        if self.window is not None:
            if isinstance(app, QApplication):
                # Closing the last window would quit the program; the sign-in dialog comes next instead.
                self._quit_on_last_window = app.quitOnLastWindowClosed()
                app.setQuitOnLastWindowClosed(False)
            if app is not None and self.idle is not None:
                app.removeEventFilter(self.idle)
            self.window.close()
            self.window.deleteLater()
            self.window = None
        self.ctx.actor = None
        QTimer.singleShot(0, self._restart)

    def _restart(self) -> None:
        signed_in = self.sign_in()
        if signed_in:
            self.open_main_window()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.setQuitOnLastWindowClosed(self._quit_on_last_window)
        if not signed_in and app is not None:
            app.quit()


def run_gui(argv: Sequence[str]) -> int:
    started = time.perf_counter()
    args = parse_gui_args(argv)
    app = make_application()
    install_excepthook()
    options = {"kiosk": args.kiosk, "demo": args.demo, "demo_residents": args.demo_residents}
    from ui.startup_check import check_database_or_recover, start_daily_backups  # backups (issue 8)

    if not check_database_or_recover(args.data_dir):  # damaged: offer the newest good backup
        return 1
    ctx = build_context(args.data_dir, options=options)
    from kiosk import settings

    language = args.lang or ctx.services.preferences.get(settings.LANGUAGE)
    i18n.set_language(language)
    if args.kiosk:
        from ui.kiosk_entry import run_kiosk  # the self-service kiosk

        return run_kiosk(ctx, app)
    session = StaffSession(ctx)
    if not session.ensure_configured():
        return 0
    if args.quit_after_start:  # benchmark: the first admin, without the sign-in dialog and its slow hash
        ctx.actor = ctx.services.users.first_admin_actor()
        window = session.open_main_window()
        app.processEvents()
        print(f"ready {time.perf_counter() - started:.4f} at {time.time():.6f}", flush=True)
        window.close()
        return 0
    if not session.sign_in():
        return 0
    session.open_main_window()
    start_daily_backups(ctx, app)  # the automatic backup now if due (background), then hourly checks
    app.setQuitOnLastWindowClosed(True)
    return app.exec()


__all__ = ["Qt", "StaffSession", "build_context", "make_application", "run_gui"]
