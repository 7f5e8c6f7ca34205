"""The resident's own requests and their state (nobody else's)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QScrollArea, QVBoxLayout, QWidget

from kiosk.i18n import N_, _
from ui.kiosk.common import button, label

STATUS_TEXT = {
    "diajukan": N_("Sent — waiting for the staff"),
    "disetujui": N_("Approved — the letter is being prepared"),
    "diterbitkan": N_("Ready — collect it at the office"),
    "ditolak": N_("Not approved — please ask at the counter"),
    "dibatalkan": N_("Cancelled"),
}


class MyRequestsScreen(QWidget):
    back = Signal()

    def __init__(self, requests: list[Any], titles: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("my_requests")
        column = QVBoxLayout(self)
        column.setContentsMargins(64, 24, 64, 32)
        column.setSpacing(12)
        column.addWidget(label(_("My requests"), "title"))
        if not requests:
            column.addWidget(label(_("You have no letter requests yet."), "subtitle"))
        else:
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            body = QWidget()
            grid = QGridLayout(body)
            grid.setHorizontalSpacing(28)
            grid.setVerticalSpacing(14)
            for col, caption in enumerate((_("Date"), _("Letter"), _("Queue"), _("State"))):
                grid.addWidget(label(caption, "caption"), 0, col)
            for row, r in enumerate(requests, start=1):
                local = r.created_at.replace(tzinfo=dt.UTC).astimezone()
                grid.addWidget(label(local.strftime("%d-%m-%Y"), "value"), row, 0)
                grid.addWidget(label(titles.get(r.letter_type, r.letter_type), "value"), row, 1)
                grid.addWidget(label(r.queue_number or "-", "value"), row, 2)
                grid.addWidget(label(_(STATUS_TEXT.get(r.status, r.status)), "value"), row, 3)
            grid.setColumnStretch(1, 2)
            grid.setColumnStretch(3, 2)
            grid.setRowStretch(len(requests) + 1, 1)
            scroll.setWidget(body)
            column.addWidget(scroll, 1)
        column.addStretch(0)
        back = button("‹ " + _("Back to the menu"), "my_requests_back", "secondary")
        back.clicked.connect(self.back.emit)
        column.addWidget(back)
