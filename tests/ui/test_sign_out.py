"""'Keluar akun' hands the computer over: the sign-in dialog comes back, the program keeps running."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ui.app import StaffSession
from ui.main_window import MainWindow


def test_sign_out_returns_to_sign_in_instead_of_quitting(ctx: Any, qapp: Any, monkeypatch: Any) -> None:
    session = StaffSession(ctx)
    admin = ctx.actor
    sign_ins: list[bool] = []

    def sign_in(self: StaffSession) -> bool:  # the next user signs in at the dialog
        assert self.ctx.actor is None  # signed out before the dialog shows
        sign_ins.append(True)
        self.ctx.actor = admin
        return True

    monkeypatch.setattr(StaffSession, "sign_in", sign_in)
    old = qapp.quitOnLastWindowClosed()
    qapp.setQuitOnLastWindowClosed(True)  # as run_gui sets it
    try:
        first = session.open_main_window()
        QTimer.singleShot(50, first.logout_requested.emit)  # Program → Keluar akun
        QTimer.singleShot(1500, lambda: QApplication.exit(7))  # still running then: not quit
        code = qapp.exec()
    finally:
        qapp.setQuitOnLastWindowClosed(old)
    assert code == 7, "the program quit when the user signed out"
    assert sign_ins == [True]
    assert isinstance(session.window, MainWindow) and session.window is not first
    assert session.window.isVisible()
    session.window.close()


def test_cancelled_sign_in_after_sign_out_quits(ctx: Any, qapp: Any, monkeypatch: Any) -> None:
    session = StaffSession(ctx)
    monkeypatch.setattr(StaffSession, "sign_in", lambda self: False)
    old = qapp.quitOnLastWindowClosed()
    qapp.setQuitOnLastWindowClosed(True)
    try:
        first = session.open_main_window()
        QTimer.singleShot(50, first.logout_requested.emit)
        QTimer.singleShot(3000, lambda: QApplication.exit(7))
        code = qapp.exec()
    finally:
        qapp.setQuitOnLastWindowClosed(old)
    assert code == 0 and session.window is None
