"""Formulir penduduk: register or edit one resident, grouped (identity, family, address, education and
work, contact), with the service's field messages shown inline and "Simpan tetap?" for NIK warnings."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kiosk.errors import ValidationError
from kiosk.i18n import N_, _
from kiosk.refdata import code_list
from kiosk.services.residents import NikWarnings, ResidentRecord
from kiosk.text import display_name
from ui import msgbox
from ui.context import AppContext
from ui.screen_fit import fit_to_screen

# (field, label, kind) per group; kind: text | code list stem | date | nik
GROUPS: list[tuple[str, list[tuple[str, str, str]]]] = [
    (N_("Identity"), [
        ("name", N_("Name"), "text"), ("nik", N_("NIK"), "nik"), ("sex", N_("Sex"), "jenis_kelamin"),
        ("birth_place", N_("Place of birth"), "text"), ("birth_date", N_("Date of birth (DD-MM-YYYY)"), "date"),
        ("religion", N_("Religion"), "agama"), ("marital_status", N_("Marital status"), "status_perkawinan"),
        ("citizenship", N_("Citizenship"), "warganegara"), ("blood_type", N_("Blood type"), "golongan_darah"),
    ]),
    (N_("Family"), [
        ("kk_number", N_("No. KK"), "text"), ("family_relation", N_("Relation in family"), "hubungan_keluarga"),
        ("father_name", N_("Father's name"), "text"), ("father_nik", N_("Father's NIK"), "text"),
        ("mother_name", N_("Mother's name"), "text"), ("mother_nik", N_("Mother's NIK"), "text"),
    ]),
    (N_("Address"), [
        ("address", N_("Address"), "text"), ("rt", N_("RT"), "known"), ("rw", N_("RW"), "known"),
        ("dusun", N_("Dusun"), "known"),
    ]),
    (N_("Education and work"), [
        ("education", N_("Education (KK)"), "pendidikan_kk"),
        ("education_current", N_("Currently in education"), "pendidikan_sedang"),
        ("occupation", N_("Occupation"), "pekerjaan"),
    ]),
    (N_("Contact"), [("phone", N_("Phone"), "text")]),
]  # fmt: skip


def _date_text(value: dt.date | None) -> str:
    return value.strftime("%d-%m-%Y") if value else ""


def _parse_date(text: str) -> dt.date | str | None:
    text = text.strip()
    if not text:
        return None
    for fmt in ("%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return text  # the service reports it as not a valid date


class ResidentFormDialog(QDialog):
    """New resident (``record`` None) or edit of ``record``. ``saved`` holds the result after accept."""

    def __init__(self, ctx: AppContext, record: ResidentRecord | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.record = record
        self.saved: ResidentRecord | None = None
        self.setWindowTitle(_("Edit resident") if record else _("New resident"))
        self.inputs: dict[str, QLineEdit | QComboBox] = {}
        self.errors: dict[str, QLabel] = {}
        layout = QVBoxLayout(self)
        # The groups scroll (a 1366×768 screen, messages under fields); Save/Cancel stay in view.
        scroll = QScrollArea()
        scroll.setObjectName("residentFormScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        grid = QGridLayout(body)
        scroll.setWidget(body)
        layout.addWidget(scroll, 1)
        order: list[QWidget] = []
        known = ctx.services.residents.address_choices(ctx.require_actor())
        for i, (title, fields) in enumerate(GROUPS):
            box = QGroupBox(_(title))
            form = QFormLayout(box)
            for key, label, kind in fields:
                widget: QLineEdit | QComboBox
                if kind in ("text", "nik", "date"):
                    widget = QLineEdit()
                elif kind == "known":  # typed, or picked from the values already in the register
                    widget = QComboBox()
                    widget.setEditable(True)
                    widget.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
                    widget.addItems(["", *known.get(key, [])])
                    widget.setCurrentIndex(0)
                else:
                    widget = QComboBox()
                    widget.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
                    widget.setMinimumContentsLength(18)  # long code names do not widen the form
                    widget.addItem("", None)
                    for code, name in code_list(kind).items():
                        widget.addItem(display_name(name), code)
                widget.setObjectName(key)
                self.inputs[key] = widget
                err = QLabel()
                err.setObjectName(f"error_{key}")
                err.setStyleSheet("color: #b00020")
                err.setWordWrap(True)
                err.hide()
                self.errors[key] = err
                holder = QWidget()
                v = QVBoxLayout(holder)
                v.setContentsMargins(0, 0, 0, 0)
                v.addWidget(widget)
                if kind == "nik":
                    self.no_nik = QCheckBox(_("NIK belum ada"))
                    self.no_nik.toggled.connect(lambda on, w=widget: w.setEnabled(not on))
                    v.addWidget(self.no_nik)
                v.addWidget(err)
                form.addRow(_(label), holder)
                order.append(widget)
            grid.addWidget(box, i // 2 if i < 4 else 2, i % 2 if i < 4 else 1)
        self.general = QLabel()
        self.general.setStyleSheet("color: #b00020")
        self.general.setWordWrap(True)
        layout.addWidget(self.general)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(_("Save (Ctrl+S)"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        for a, b in itertools.pairwise(order):  # Tab goes down each group, then to the next
            QWidget.setTabOrder(a, b)
        QShortcut(QKeySequence("Ctrl+S"), self, activated=lambda: self.save())
        if record:
            self._fill(record)
        else:  # most residents are Indonesian citizens
            wni = code_list("warganegara").lookup("WNI")
            citizenship = self.inputs["citizenship"]
            if isinstance(citizenship, QComboBox) and wni is not None:
                citizenship.setCurrentIndex(max(0, citizenship.findData(wni)))
        sex_combo = self.inputs["sex"]
        if isinstance(sex_combo, QComboBox):  # the clerk's own choice is not overwritten from the NIK
            sex_combo.activated.connect(lambda _i: sex_combo.setProperty("fromNik", False))
        nik_edit = self.inputs["nik"]
        if isinstance(nik_edit, QLineEdit):
            nik_edit.textChanged.connect(self._sex_from_nik)
        self.inputs["name"].setFocus()
        fit_to_screen(self, 1100, 760)

    def _sex_from_nik(self, text: str) -> None:
        """The NIK holds the sex (women's birth day + 40): fill it in while the clerk has not chosen."""
        from kiosk.nik import InvalidNumber, parse_nik

        sex = self.inputs["sex"]
        if not isinstance(sex, QComboBox) or (sex.currentData() is not None and not sex.property("fromNik")):
            return
        try:
            parts = parse_nik(text)
        except InvalidNumber:
            return
        code = code_list("jenis_kelamin").lookup("PEREMPUAN" if parts.female else "LAKI-LAKI")
        sex.setCurrentIndex(max(0, sex.findData(code)))
        sex.setProperty("fromNik", True)

    def keyPressEvent(self, event: Any) -> None:
        # Ctrl+S reaching the dialog as a key press (the QShortcut above catches it first when it can)
        if event.key() == Qt.Key.Key_S and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.save()
            return
        super().keyPressEvent(event)

    def _fill(self, r: ResidentRecord) -> None:
        for key, widget in self.inputs.items():
            value = getattr(r, key)
            if isinstance(widget, QComboBox) and widget.isEditable():
                widget.setCurrentText(value or "")
            elif isinstance(widget, QComboBox):
                widget.setCurrentIndex(max(0, widget.findData(value)))
            elif key == "birth_date":
                widget.setText(_date_text(value))
            else:
                widget.setText(value or "")
        self.no_nik.setChecked(r.nik is None)

    def values(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for key, widget in self.inputs.items():
            if isinstance(widget, QComboBox) and widget.isEditable():
                data[key] = widget.currentText().strip()
            elif isinstance(widget, QComboBox):
                data[key] = widget.currentData()
            elif key == "birth_date":
                data[key] = _parse_date(widget.text())
            else:
                data[key] = widget.text().strip()
        data["nik"] = None if self.no_nik.isChecked() else (data["nik"] or None)
        for key in ("kk_number", "father_nik", "mother_nik"):
            data[key] = data[key] or None
        if self.record is not None:
            data.pop("kk_number")  # family changes go through the family actions
            data = {k: v for k, v in data.items() if v != getattr(self.record, k)}
        return data

    def show_errors(self, fields: dict[str, str]) -> None:
        for key, label in self.errors.items():
            text = fields.get(key)
            label.setText(text or "")
            label.setVisible(bool(text))
        unknown = [t for k, t in fields.items() if k not in self.errors]
        self.general.setText("\n".join(unknown))
        first = next((k for k in self.inputs if k in fields), None)
        if first:
            self.inputs[first].setFocus()

    def save(self, accept_warnings: bool = False) -> None:
        data = self.values()
        actor = self.ctx.require_actor()
        service = self.ctx.services.residents
        record = self.record
        if record is not None and not data:
            self.saved = record
            self.accept()
            return

        def work() -> ResidentRecord:
            if record is None:
                return service.register(actor, data, accept_warnings=accept_warnings)
            return service.edit(actor, record.id, data, base_version=record.version, accept_warnings=accept_warnings)

        self.ctx.runner.write(work, self._done, self._failed)
        self._accepting = accept_warnings

    def _done(self, result: ResidentRecord) -> None:
        self.saved = result
        self.ctx.changed("resident")
        self.accept()

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, NikWarnings):
            for w_code, key in error.field_of.items():
                label = self.errors.get(key)
                if label is not None:
                    label.setText(" ".join(w.message() for w in error.warnings if w.code == w_code))
                    label.setVisible(True)
            if msgbox.confirm(self, error.user_message(), _("Save anyway?"), yes=_("Simpan tetap")):
                self.save(accept_warnings=True)
            return
        if isinstance(error, ValidationError) and error.fields:
            self.show_errors(error.field_messages())
            return
        msgbox.show_error(self, error)
