"""Dialogs of the complaints screen: record a new complaint (reporter by resident search or name and
phone) and a short text step (respond, resolve)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.errors import ValidationError
from kiosk.i18n import _
from kiosk.services.complaints import CHANNELS, ComplaintInfo
from ui import msgbox
from ui.context import AppContext


class TextDialog(QDialog):
    """Ask for one piece of text (a response, a resolution); OK only when something is written."""

    def __init__(self, title: str, prompt: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(prompt))
        self.edit = QPlainTextEdit()
        self.edit.setObjectName("stepText")
        layout.addWidget(self.edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(False)
        self.edit.textChanged.connect(lambda: ok.setEnabled(bool(self.text())))

    def text(self) -> str:
        return self.edit.toPlainText().strip()


class NewComplaintDialog(QDialog):
    """Record a complaint: channel, category, reporter (resident found by search, or name + phone), text."""

    saved = Signal(object)  # ComplaintInfo

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("New complaint"))
        self.setMinimumWidth(560)
        self.resident_id: str | None = None
        form = QFormLayout(self)
        self.channel = QComboBox()
        self.channel.setObjectName("channel")
        for key, label in CHANNELS.items():
            if key != "kios":  # the kiosk files its own
                self.channel.addItem(_(label), key)
        self.category = QComboBox()
        self.category.setObjectName("category")
        for c in ctx.services.complaints.categories():
            self.category.addItem(c, c)
        form.addRow(_("Channel"), self.channel)
        form.addRow(_("Category"), self.category)

        kind_row = QHBoxLayout()
        self.by_resident = QRadioButton(_("A resident (search)"))
        self.by_resident.setObjectName("byResident")
        self.by_name = QRadioButton(_("Name and phone"))
        self.by_name.setObjectName("byName")
        group = QButtonGroup(self)
        group.addButton(self.by_resident)
        group.addButton(self.by_name)
        kind_row.addWidget(self.by_resident)
        kind_row.addWidget(self.by_name)
        kind_row.addStretch(1)
        form.addRow(_("Reporter"), kind_row)

        self.reporter_stack = QStackedWidget()
        resident_page = QWidget()
        rp = QVBoxLayout(resident_page)
        rp.setContentsMargins(0, 0, 0, 0)
        self.resident_search = QLineEdit()
        self.resident_search.setObjectName("residentSearch")
        self.resident_search.setPlaceholderText(_("Name or NIK…"))
        self.resident_results = QListWidget()
        self.resident_results.setObjectName("residentResults")
        self.resident_results.setMaximumHeight(120)
        self.resident_chosen = QLabel("")
        self.resident_chosen.setObjectName("residentChosen")
        rp.addWidget(self.resident_search)
        rp.addWidget(self.resident_results)
        rp.addWidget(self.resident_chosen)
        name_page = QWidget()
        np_ = QFormLayout(name_page)
        np_.setContentsMargins(0, 0, 0, 0)
        self.reporter_name = QLineEdit()
        self.reporter_name.setObjectName("reporterName")
        self.reporter_phone = QLineEdit()
        self.reporter_phone.setObjectName("reporterPhone")
        self.reporter_phone.setPlaceholderText("08…")
        np_.addRow(_("Name"), self.reporter_name)
        np_.addRow(_("Phone / WhatsApp"), self.reporter_phone)
        self.reporter_stack.addWidget(resident_page)
        self.reporter_stack.addWidget(name_page)
        form.addRow(self.reporter_stack)

        self.text = QPlainTextEdit()
        self.text.setObjectName("complaintText")
        self.text.setPlaceholderText(_("What is the complaint about?"))
        form.addRow(_("Complaint"), self.text)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)

        self.by_resident.toggled.connect(lambda on: self.reporter_stack.setCurrentIndex(0 if on else 1))
        self.by_name.setChecked(True)
        self.reporter_stack.setCurrentIndex(1)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(200)
        self._search_timer.timeout.connect(self.search_residents)
        self.resident_search.textChanged.connect(lambda _t: self._search_timer.start())
        self.resident_results.currentItemChanged.connect(self._choose)

    def search_residents(self) -> None:
        text = self.resident_search.text().strip()
        actor = self.ctx.require_actor()
        residents = self.ctx.services.residents
        if not text:
            self.resident_results.clear()
            return
        self.ctx.runner.run(lambda: residents.search(actor, text).rows[:20], self._show_residents,
                            lambda e: msgbox.show_error(self, e))

    def _show_residents(self, rows: list[Any]) -> None:
        self.resident_results.clear()
        for r in rows:
            place = " ".join(x for x in (r.dusun, f"RT {r.rt}/RW {r.rw}" if r.rt else "") if x)
            item = QListWidgetItem(f"{r.name} — {r.nik or _('no NIK')}" + (f" · {place}" if place else ""))
            item.setData(Qt.ItemDataRole.UserRole, (r.id, r.name))
            self.resident_results.addItem(item)

    def _choose(self, item: QListWidgetItem | None, _previous: Any = None) -> None:
        if item is None:
            return
        self.resident_id, name = item.data(Qt.ItemDataRole.UserRole)
        self.resident_chosen.setText(_("Chosen: {name}").format(name=name))

    def values(self) -> dict[str, Any]:
        by_resident = self.by_resident.isChecked()
        return {
            "channel": self.channel.currentData(),
            "category": self.category.currentData() or "",
            "text": self.text.toPlainText(),
            "reporter_resident_id": self.resident_id if by_resident else None,
            "reporter_name": "" if by_resident else self.reporter_name.text(),
            "reporter_phone": "" if by_resident else self.reporter_phone.text(),
        }

    def save(self) -> None:
        values = self.values()
        if self.by_resident.isChecked() and not self.resident_id:
            msgbox.show_error(self, ValidationError(fields={"reporter_resident_id": _("Choose a resident from the list.")}))
            return
        actor = self.ctx.require_actor()
        service = self.ctx.services.complaints
        self.ctx.runner.write(lambda: service.record(actor, **values), self._done,
                              lambda e: msgbox.show_error(self, e))

    def _done(self, info: ComplaintInfo) -> None:
        self.saved.emit(info)
        self.accept()
