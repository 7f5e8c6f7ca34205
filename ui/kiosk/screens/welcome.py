"""Welcome screen: village, service hours, a big "Mulai" button and the language switch."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from kiosk import i18n
from kiosk.i18n import _
from ui.kiosk.common import button, label


def office_title(office: Any) -> str:
    kind = {"kelurahan": _("Kelurahan"), "desa_adat": _("Desa Adat")}.get(office.village_kind, _("Desa"))
    return _("Village office of {kind} {name}").format(kind=kind, name=office.village_name)


class WelcomeScreen(QWidget):
    start = Signal()
    language = Signal(str)
    budget = Signal()

    def __init__(self, office: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        column = QVBoxLayout(self)
        column.setContentsMargins(80, 24, 80, 32)
        column.setSpacing(18)
        column.addStretch(1)
        column.addWidget(label(_("Welcome"), "hero", align=Qt.AlignmentFlag.AlignCenter))
        column.addWidget(label(_("Self-service for letters and complaints"), "subtitle",
                               align=Qt.AlignmentFlag.AlignCenter))
        column.addWidget(label(office_title(office), "subtitle", align=Qt.AlignmentFlag.AlignCenter))
        if office.service_hours:
            column.addWidget(label(_("Service hours: {hours}").format(hours=office.service_hours), "hint",
                                   align=Qt.AlignmentFlag.AlignCenter))
        column.addSpacing(24)
        row = QHBoxLayout()
        row.addStretch(1)
        self.start_button = button(_("Start"), "start", "hero", height=120)
        self.start_button.setMinimumWidth(520)
        self.start_button.clicked.connect(self.start.emit)
        row.addWidget(self.start_button, 2)
        row.addStretch(1)
        column.addLayout(row)
        column.addWidget(label(_("Touch the green button to begin. You need your KTP (NIK) and the 6-digit "
                                 "PIN from the village office."), "hint", align=Qt.AlignmentFlag.AlignCenter))
        budget_row = QHBoxLayout()
        budget_row.addStretch(1)
        self.budget_button = button(_("Village budget (APBDes)"), "budget", "secondary", height=72)
        self.budget_button.setMinimumWidth(520)
        self.budget_button.clicked.connect(self.budget.emit)
        budget_row.addWidget(self.budget_button, 2)
        budget_row.addStretch(1)
        column.addLayout(budget_row)
        column.addStretch(1)
        langs = QHBoxLayout()
        langs.addStretch(1)
        langs.addWidget(label(_("Language:"), "hint", wrap=False))
        for code, name in (("id", "Bahasa Indonesia"), ("en", "English")):
            choice = button(name, f"lang_{code}", "choice", height=64)
            choice.setCheckable(True)
            choice.setChecked(i18n.current_language() == code)
            choice.setMinimumWidth(340)
            choice.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            choice.clicked.connect(lambda _c=False, c=code: self.language.emit(c))
            langs.addWidget(choice)
        langs.addStretch(1)
        column.addLayout(langs)
