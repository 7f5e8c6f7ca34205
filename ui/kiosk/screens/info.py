"""Service hours and contacts of the village office (nothing personal)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.i18n import _
from ui.kiosk.common import button, label
from ui.kiosk.screens.welcome import office_title


class InfoScreen(QWidget):
    back = Signal()

    def __init__(self, office: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("info")
        column = QVBoxLayout(self)
        column.setContentsMargins(64, 24, 64, 32)
        column.setSpacing(14)
        column.addWidget(label(_("Service hours and contacts"), "title"))
        column.addWidget(label(office_title(office), "subtitle"))
        rows = [
            (_("Service hours"), office.service_hours),
            (_("Address"), ", ".join(x for x in (office.address, office.postcode) if x)),
            (_("Telephone"), office.phone),
            (_("Email"), office.email),
            (_("Head of village"), office.head_name),
        ]
        for caption, value in rows:
            if value:
                column.addWidget(label(caption, "caption"))
                column.addWidget(label(value, "value"))
        column.addStretch(1)
        back = button("‹ " + _("Back to the menu"), "info_back", "secondary")
        back.clicked.connect(self.back.emit)
        column.addWidget(back)
