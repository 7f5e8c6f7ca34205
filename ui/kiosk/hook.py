"""The staff program's "Mode kios" action: a supervisor switches the office PC to the kiosk for the
evening; leaving the kiosk (supervisor's password) returns to the staff sign-in."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication

from kiosk.i18n import _
from kiosk.permissions import allowed, require

log = logging.getLogger(__name__)


def add_kiosk_action(session: Any) -> QAction | None:
    """Add "Mode kios" to the main window's Program menu for supervisors and admins."""
    window = session.window
    if window is None or not allowed(session.ctx.require_actor(), "kiosk.start"):
        return None
    action = QAction(_("Kiosk mode"), window)
    action.setObjectName("action_kiosk_mode")
    action.triggered.connect(lambda: start_kiosk_mode(session))
    window.extra_menu.addAction(action)
    return action


def start_kiosk_mode(session: Any) -> Any:
    """Close the staff window (signing the user out) and open the kiosk over the same data directory."""
    from ui.kiosk.window import KioskWindow

    ctx = session.ctx
    require(ctx.require_actor(), "kiosk.start")
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)  # between the two windows nothing is shown
    kiosk = KioskWindow(ctx)
    ctx.options["kiosk_window"] = kiosk

    def back_to_sign_in() -> None:
        ctx.options.pop("kiosk_window", None)
        kiosk.deleteLater()
        app.setQuitOnLastWindowClosed(True)
        session._restart()  # the staff sign-in (quits the program if cancelled)

    kiosk.exited.connect(lambda: QTimer.singleShot(0, back_to_sign_in))
    log.info("kiosk mode started by %s", ctx.require_actor().username)
    if session.idle is not None:
        session.idle.stop()
        app.removeEventFilter(session.idle)
    if session.window is not None:
        session.window.close()
        session.window.deleteLater()
        session.window = None
    ctx.actor = None
    ctx.signals.actor_changed.emit(None)
    if ctx.options.get("kiosk_fullscreen", True):
        kiosk.show_kiosk()
    else:
        kiosk.show()
    return kiosk
