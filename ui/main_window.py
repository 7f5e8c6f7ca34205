"""The staff program's main window: navigation on the left, the chosen screen on the right."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from kiosk.i18n import _
from kiosk.permissions import allowed
from ui.context import AppContext
from ui.screen_fit import fit_to_screen
from ui.screens import SCREENS, ScreenSpec

log = logging.getLogger(__name__)


BADGE_DELAY_MS = 400


class MainWindow(QMainWindow):
    """Navigation + stacked screens, a status bar (user, sync state), menus, idle lock."""

    lock_requested = Signal()
    logout_requested = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("MainWindow")
        profile = ctx.services.office.profile()
        self.setWindowTitle(_("Smart Kampung — {kind} {name}").format(
            kind=profile.village_kind.replace("_", " ").title(), name=profile.village_name))
        fit_to_screen(self, 1280, 800)  # 1366×768: the whole window, status bar included, on screen
        self._screens: dict[str, QWidget] = {}
        self._specs: list[ScreenSpec] = [
            s for s in SCREENS if s.permission is None or allowed(ctx.require_actor(), s.permission)
        ]

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.nav = QListWidget()
        self.nav.setObjectName("Navigation")
        self.nav.setFixedWidth(220)
        self.nav.setIconSize(QSize(20, 20))
        self.stack = QStackedWidget()
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        for spec in self._specs:
            item = QListWidgetItem(_(spec.title))
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            item.setSizeHint(QSize(200, 44))
            self.nav.addItem(item)
        self.nav.currentRowChanged.connect(self._show_row)

        self._build_menus()
        self._build_status_bar()
        self.ctx.signals.data_changed.connect(self._refresh_badges)
        self.nav.setCurrentRow(0)
        # Counts in the navigation come a moment after the window is usable (they import the services).
        QTimer.singleShot(BADGE_DELAY_MS, self._refresh_badges)
        __import__("ui.widgets.sync_status", fromlist=["attach"]).attach(self, start=not ctx.runner.synchronous)

    # --- screens -------------------------------------------------------------------------------

    def screen_for(self, key: str) -> QWidget:
        """The screen for ``key``, created on first use."""
        if key not in self._screens:
            spec = next(s for s in self._specs if s.key == key)
            module_name, class_name = spec.factory.split(":")
            cls = getattr(importlib.import_module(module_name), class_name)
            widget = cls(self.ctx, self)
            widget.setObjectName(f"screen_{key}")
            self._screens[key] = widget
            self.stack.addWidget(widget)
        return self._screens[key]

    def show_screen(self, key: str) -> QWidget:
        for row, spec in enumerate(self._specs):
            if spec.key == key:
                self.nav.setCurrentRow(row)
                return self._screens[key]
        raise KeyError(key)

    def _show_row(self, row: int) -> None:
        if row < 0:
            return
        widget = self.screen_for(self._specs[row].key)
        self.stack.setCurrentWidget(widget)
        if hasattr(widget, "on_shown"):
            widget.on_shown()

    def _refresh_badges(self, _entity: str = "*") -> None:
        for row, spec in enumerate(self._specs):
            if not spec.badge:
                continue
            module_name, fn_name = spec.badge.split(":")
            fn = getattr(importlib.import_module(module_name), fn_name)

            def apply(count: Any, row: int = row, spec: ScreenSpec = spec) -> None:
                item = self.nav.item(row)
                if item is not None:
                    item.setText(_(spec.title) + (f"  ({count})" if count else ""))

            self.ctx.runner.run(lambda fn=fn: fn(self.ctx), apply, lambda e: log.warning("badge: %s", e))

    # --- menus and status bar --------------------------------------------------------------------

    def _build_menus(self) -> None:
        bar = self.menuBar()
        program = bar.addMenu(_("&Program"))
        change_pw = QAction(_("Change password…"), self)
        change_pw.triggered.connect(self._change_password)
        program.addAction(change_pw)
        lock = QAction(_("Lock"), self)
        lock.setShortcut(QKeySequence("Ctrl+L"))
        lock.triggered.connect(self.lock_requested.emit)
        program.addAction(lock)
        logout = QAction(_("Sign out"), self)
        logout.triggered.connect(self.logout_requested.emit)
        program.addAction(logout)
        program.addSeparator()
        quit_action = QAction(_("Quit"), self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        program.addAction(quit_action)
        self.extra_menu = program  # features (kiosk mode) add actions here
        help_menu = bar.addMenu(_("&Help"))
        about = QAction(_("About Smart Kampung"), self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _build_status_bar(self) -> None:
        actor = self.ctx.require_actor()
        self.user_label = QLabel(_("Signed in: {name} ({role})").format(
            name=actor.full_name or actor.username, role=_(actor.role)))
        self.statusBar().addWidget(self.user_label)
        self.sync_label = QLabel("")
        self.sync_label.setObjectName("SyncStatus")
        self.statusBar().addPermanentWidget(self.sync_label)

    def _change_password(self) -> None:
        from ui.dialogs.change_password import ChangePasswordDialog

        ChangePasswordDialog(self.ctx, self).exec()

    def _about(self) -> None:
        from ui.dialogs.about import AboutDialog

        AboutDialog(self.ctx, self).exec()


class IdleWatcher(QObject):
    """Emits ``idle`` after ``minutes`` without keyboard or mouse input anywhere in the program."""

    idle = Signal()
    _EVENTS = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
               QEvent.Type.Wheel, QEvent.Type.TouchBegin}

    def __init__(self, milliseconds: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(max(1, milliseconds))
        self.timer.timeout.connect(self.idle.emit)

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() in self._EVENTS and self.timer.isActive():
            self.timer.start()
        return False
