"""Peristiwa dialogs: birth (kelahiran), death (kematian), move out (pindah keluar), move in (pindah masuk),
and the status changes missing (hilang) and gone away (pergi)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from kiosk.errors import ValidationError
from kiosk.i18n import N_, _
from kiosk.services.residents import STATUS_GONE, STATUS_MISSING, EventResult, NikWarnings, ResidentRecord
from ui import msgbox
from ui.context import AppContext

TITLES = {"birth": N_("Record a birth"), "death": N_("Record a death"), "move_out": N_("Record a move out"),
          "move_in": N_("Record a returning resident"), "missing": N_("Record as missing (hilang)"),
          "gone": N_("Record as gone away (pergi)")}
STATUS_OF = {"missing": STATUS_MISSING, "gone": STATUS_GONE}


class EventDialog(QDialog):
    """One of the four events, or a status change (missing, gone), for ``resident`` (for a birth: the
    mother or father; the child is new)."""

    def __init__(self, ctx: AppContext, kind: str, resident: ResidentRecord, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.kind, self.resident = ctx, kind, resident
        self.result_: EventResult | None = None
        self.setWindowTitle(_(TITLES[kind]))
        form = QFormLayout(self)
        form.addRow(QLabel(f"<b>{resident.name}</b>"))
        self.date = QDateEdit(QDate.currentDate())
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("dd-MM-yyyy")
        self.date.setMaximumDate(QDate.currentDate())
        self.date.setObjectName("date")
        form.addRow(_("Date"), self.date)
        self.fields: dict[str, QLineEdit] = {}

        def add(key: str, label: str) -> QLineEdit:
            edit = QLineEdit()
            edit.setObjectName(key)
            self.fields[key] = edit
            form.addRow(_(label), edit)
            return edit

        if kind == "birth":
            add("name", N_("Child's name"))
            self.sex = QComboBox()
            self.sex.addItem(_("Male"), 1)
            self.sex.addItem(_("Female"), 2)
            form.addRow(_("Sex"), self.sex)
            add("birth_place", N_("Place of birth"))
            add("nik", N_("Child's NIK (empty: NIK belum ada)"))
        elif kind == "death":
            add("place", N_("Place of death"))
            add("cause", N_("Cause"))
        elif kind == "move_out":
            add("destination", N_("Destination"))
            add("reason", N_("Reason"))
        elif kind in STATUS_OF:
            add("note", N_("Note"))
        else:
            add("origin", N_("Coming from"))
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(lambda: self.save(False))
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def text(self, key: str) -> str:
        return self.fields[key].text().strip()

    def save(self, accept_warnings: bool = False) -> None:
        actor = self.ctx.require_actor()
        rs = self.ctx.services.residents
        when: dt.date = self.date.date().toPython()  # type: ignore[assignment]
        r = self.resident

        def work() -> EventResult:
            if self.kind == "birth":
                parent_key = "mother_id" if r.sex == 2 else "father_id"
                child: dict[str, Any] = {"name": self.text("name"), "sex": self.sex.currentData(),
                                         "birth_date": when, "birth_place": self.text("birth_place"),
                                         "nik": self.text("nik") or None}
                return rs.record_birth(actor, child, family_id=r.family_id, accept_warnings=accept_warnings,
                                       **{parent_key: r.id})
            if self.kind == "death":
                return rs.record_death(actor, r.id, date=when, place=self.text("place"), cause=self.text("cause"))
            if self.kind == "move_out":
                return rs.record_move_out(actor, r.id, date=when, destination=self.text("destination"),
                                          reason=self.text("reason"))
            if self.kind in STATUS_OF:
                return rs.set_status(actor, r.id, STATUS_OF[self.kind], date=when, note=self.text("note"))
            return rs.record_move_in(actor, date=when, origin=self.text("origin"), resident_id=r.id)

        self.ctx.runner.write(work, self._done, self._failed)

    def _done(self, result: EventResult) -> None:
        self.result_ = result
        self.ctx.changed("resident")
        if result.family_needs_head:
            msgbox.show_info(self, _("The head of this family is no longer active. Choose a new head of "
                                     "family in the family view."))
        self.accept()

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, NikWarnings):
            if msgbox.confirm(self, error.user_message(), _("Save anyway?"), yes=_("Simpan tetap")):
                self.save(True)
            return
        if isinstance(error, ValidationError) and error.fields:
            self.error.setText("\n".join(error.field_messages().values()))
            return
        msgbox.show_error(self, error)
