"""The resident's menu after identification: masked NIK and name, then big task tiles."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from kiosk.i18n import _
from ui.kiosk.common import button, label


class MenuScreen(QWidget):
    chosen = Signal(str)  # request | my_requests | complaint | info | finish

    def __init__(self, name: str, masked_nik: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("menu")
        column = QVBoxLayout(self)
        column.setContentsMargins(64, 24, 64, 32)
        column.setSpacing(12)
        column.addWidget(label(_("Hello, {name}").format(name=name), "title", name="resident_name"))
        column.addWidget(label(_("NIK {nik}").format(nik=masked_nik), "subtitle", name="resident_nik"))
        column.addWidget(label(_("What would you like to do? Touch one of the buttons."), "hint"))
        column.addSpacing(12)
        grid = QGridLayout()
        grid.setSpacing(20)
        tiles = [
            ("request", "✉  " + _("Request a letter"), "tile"),
            ("my_requests", "☰  " + _("My requests"), "tile"),
            ("complaint", "✎  " + _("File a complaint"), "tile"),
            ("info", "☎  " + _("Service hours and contacts"), "tile"),
        ]
        for index, (key, text, kind) in enumerate(tiles):
            tile = button(text, f"menu_{key}", kind, height=130)
            tile.clicked.connect(lambda _c=False, k=key: self.chosen.emit(k))
            grid.addWidget(tile, index // 2, index % 2)
        column.addLayout(grid)
        column.addStretch(1)
        finish = button(_("Finish and sign out"), "menu_finish", "finish", height=88)
        finish.clicked.connect(lambda: self.chosen.emit("finish"))
        column.addWidget(finish)
