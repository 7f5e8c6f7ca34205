"""The "Complaints" tab of Settings: the category list and the response limit (4 hours by default)."""

from __future__ import annotations

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QLabel, QPlainTextEdit, QPushButton, QWidget

from kiosk.i18n import _
from ui import msgbox
from ui.context import AppContext


class HoursSpinBox(QDoubleSpinBox):
    """Hours as Indonesians write them: "4 jam", "4,5 jam" (not "4.0 jam")."""

    def __init__(self) -> None:
        super().__init__()
        self.setLocale(QLocale(QLocale.Language.Indonesian, QLocale.Country.Indonesia))  # "4,5" parses

    def textFromValue(self, value: float) -> str:
        return f"{value:g}".replace(".", ",")


class ComplaintSettingsTab(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        service = ctx.services.complaints
        form = QFormLayout(self)
        self.hours = HoursSpinBox()
        self.hours.setObjectName("responseHours")
        self.hours.setRange(0.5, 336)
        self.hours.setSingleStep(0.5)
        self.hours.setDecimals(1)
        self.hours.setSuffix(" " + _("hours"))
        self.hours.setValue(service.response_hours())
        self.categories = QPlainTextEdit("\n".join(service.categories()))
        self.categories.setObjectName("complaintCategories")
        self.categories.setMaximumHeight(180)
        form.addRow(_("Response limit"), self.hours)
        form.addRow(QLabel(_("A complaint must get its first response within this time "
                             "(Banyuwangi: 4 hours). New complaints use the new limit.")))
        form.addRow(_("Categories (one per line)"), self.categories)
        save = QPushButton(_("Save"))
        save.setObjectName("saveComplaintSettings")
        save.clicked.connect(self.save)
        form.addRow(save)

    def save(self) -> None:
        actor = self.ctx.require_actor()
        hours = self.hours.value()
        categories = [x for x in self.categories.toPlainText().splitlines() if x.strip()]
        service = self.ctx.services.complaints

        def done(_result: object) -> None:
            self.categories.setPlainText("\n".join(service.categories()))
            self.ctx.changed("setting")
            msgbox.show_info(self, _("The complaint settings were saved."))

        self.ctx.runner.write(lambda: service.configure(actor, categories=categories, response_hours=hours),
                              done, lambda e: msgbox.show_error(self, e))
