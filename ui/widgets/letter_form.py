"""The letter form (isian surat): one editor per field of a letter type, built from its definition.

Kinds: text, longtext, date, time, number, choice, resident (a NIK with a search button) and people
(a table of rows, e.g. heirs). ``values()`` gives the raw values the letters service validates;
``show_errors()`` puts the messages of a ``ValidationError.field_messages()`` under the fields.
Also the resident search used to pick the letter's resident (``ResidentSearch``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QDate, Qt, QTime, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCalendarWidget,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTimeEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from forms import FieldDef, LetterType, validate_values
from kiosk.i18n import _
from ui.context import AppContext

DATE_FORMAT = "dd-MM-yyyy"


# --- resident search -----------------------------------------------------------------------------


def resident_line(row: Any) -> str:
    """One line for a resident in a result list: name, NIK, address."""
    rt_rw = f"RT {row.rt}/RW {row.rw}" if getattr(row, "rt", "") else ""
    parts = [row.name, row.nik or _("(no NIK)"), " ".join(x for x in (rt_rw, getattr(row, "dusun", "")) if x)]
    return "  ·  ".join(p for p in parts if p)


class ResidentSearch(QWidget):
    """Type a name or NIK; pick one resident from the list. Emits ``chosen(row)`` (a ``ResidentRow``)."""

    chosen = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.rows: list[Any] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.query = QLineEdit()
        self.query.setObjectName("residentQuery")
        self.query.setPlaceholderText(_("Type a name or NIK…"))
        self.query.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setObjectName("residentResults")
        self.status = QLabel("")
        self.status.setObjectName("residentSearchStatus")
        layout.addWidget(self.query)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.status)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self.search_now)
        self.query.textChanged.connect(lambda _t: self._timer.start())
        self.query.returnPressed.connect(self._enter)
        self.results.itemActivated.connect(lambda _i: self._pick())
        self.results.itemDoubleClicked.connect(lambda _i: self._pick())

    def search_now(self) -> None:
        self._timer.stop()
        text = self.query.text().strip()
        actor = self.ctx.require_actor()
        residents = self.ctx.services.residents
        self.ctx.runner.run(lambda: residents.search(actor, text, limit=30), self._show, self._failed)

    def _show(self, page: Any) -> None:
        self.rows = list(page.rows)
        self.results.clear()
        for row in self.rows:
            item = QListWidgetItem(resident_line(row))
            item.setData(Qt.ItemDataRole.UserRole, row.id)
            self.results.addItem(item)
        if self.rows:
            self.results.setCurrentRow(0)
        more = page.next_cursor is not None
        self.status.setText(_("No resident found.") if not self.rows else
                            (_("Showing the first {n}; type more to narrow down.").format(n=len(self.rows))
                             if more else ""))

    def _failed(self, error: BaseException) -> None:
        from ui import msgbox

        self.status.setText(msgbox.error_text(error))

    def _enter(self) -> None:
        self.search_now()
        if len(self.rows) == 1:
            self._pick()

    def selected(self) -> Any | None:
        row = self.results.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _pick(self) -> None:
        row = self.selected()
        if row is not None:
            self.chosen.emit(row)


class ResidentSearchDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Find resident"))
        self.resize(560, 420)
        self.row: Any = None
        layout = QVBoxLayout(self)
        self.search = ResidentSearch(ctx, self)
        layout.addWidget(self.search)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(lambda: self._take(self.search.selected()))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.search.chosen.connect(self._take)

    def _take(self, row: Any) -> None:
        if row is not None:
            self.row = row
            self.accept()


# --- editors for single fields -------------------------------------------------------------------


class DateField(QWidget):
    """A date typed as DD-MM-YYYY, or picked from a calendar; may stay empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(_("DD-MM-YYYY"))
        self.edit.setMaximumWidth(160)
        self.button = QToolButton()
        self.button.setText(_("Calendar"))
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.button)
        self.calendar = QCalendarWidget()
        action = QWidgetAction(menu)
        action.setDefaultWidget(self.calendar)
        menu.addAction(action)
        menu.aboutToShow.connect(self._sync_calendar)
        self.button.setMenu(menu)
        self.calendar.clicked.connect(lambda d: (self.set_value(d.toPython()), menu.close()))
        layout.addWidget(self.edit)
        layout.addWidget(self.button)
        layout.addStretch(1)

    def _sync_calendar(self) -> None:
        from forms.placeholders import parse_date

        d = parse_date(self.edit.text())
        self.calendar.setSelectedDate(QDate(d) if d else QDate.currentDate())

    def value(self) -> str:
        return self.edit.text().strip()

    def set_value(self, value: Any) -> None:
        if isinstance(value, dt.date):
            self.edit.setText(value.strftime("%d-%m-%Y"))
        else:
            self.edit.setText("" if value is None else str(value))


class ResidentField(QWidget):
    """Another resident (e.g. the deceased), given by NIK; "Cari…" finds them by name."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(_("NIK (16 digits)"))
        self.edit.setMaxLength(20)
        self.name = QLabel("")
        self.button = QPushButton(_("Find…"))
        self.button.clicked.connect(self._find)
        layout.addWidget(self.edit)
        layout.addWidget(self.button)
        layout.addWidget(self.name, 1)

    def _find(self) -> None:
        dialog = ResidentSearchDialog(self.ctx, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.row is not None:
            self.edit.setText(dialog.row.nik or "")
            self.name.setText(dialog.row.name)

    def value(self) -> str:
        return self.edit.text().strip()

    def set_value(self, value: Any) -> None:
        if isinstance(value, Mapping):
            self.edit.setText(str(value.get("nik") or ""))
            self.name.setText(str(value.get("nama") or ""))
        else:
            self.edit.setText("" if value is None else str(value))


class PeopleEditor(QWidget):
    """A table of people (heirs, family members moving): one column per column field; add/remove rows."""

    def __init__(self, fd: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fd = fd
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, len(fd.columns))
        self.table.setObjectName(f"people_{fd.name}")
        self.table.setHorizontalHeaderLabels([c.label + (" *" if c.required else "") for c in fd.columns])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(90)
        for c, col in enumerate(fd.columns):  # a long label is cut in the header: the tooltip has it all
            self.table.horizontalHeaderItem(c).setToolTip(col.label + (f"\n{col.help}" if col.help else ""))
        self.table.verticalHeader().setDefaultSectionSize(30)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setMinimumHeight(150)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(_("Add row"))
        self.remove_button = QPushButton(_("Remove row"))
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(lambda: self.add_row())
        self.remove_button.clicked.connect(self._remove)
        self.set_value(None)

    def add_row(self, values: Mapping[str, Any] | None = None) -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        for c, col in enumerate(self.fd.columns):
            value = (values or {}).get(col.name)
            if col.kind == "choice":
                combo = QComboBox()
                combo.addItem("", "")
                for code, label in col.choices:
                    combo.addItem(label, code)
                if value:
                    combo.setCurrentIndex(max(0, combo.findData(value)))
                self.table.setCellWidget(r, c, combo)
            else:
                if isinstance(value, dt.date):
                    value = value.strftime("%d-%m-%Y")
                self.table.setItem(r, c, QTableWidgetItem("" if value is None else str(value)))

    def _remove(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for r in rows or ([self.table.rowCount() - 1] if self.table.rowCount() else []):
            self.table.removeRow(r)

    def value(self) -> list[dict[str, Any]]:
        rows = []
        for r in range(self.table.rowCount()):
            row: dict[str, Any] = {}
            for c, col in enumerate(self.fd.columns):
                widget = self.table.cellWidget(r, c)
                if isinstance(widget, QComboBox):
                    row[col.name] = widget.currentData() or ""
                else:
                    item = self.table.item(r, c)
                    row[col.name] = item.text().strip() if item else ""
            rows.append(row)
        return rows

    def set_value(self, value: Any) -> None:
        self.table.setRowCount(0)
        rows = value if isinstance(value, list) else []
        for row in rows:
            self.add_row(row)
        for _i in range(len(rows), max(1, int(self.fd.min or 0))):
            self.add_row()  # an empty row to start typing in


# --- the whole form -------------------------------------------------------------------------------


class LetterForm(QWidget):
    """The form for one letter type: labels (``*`` = required), editors, help lines, inline errors."""

    changed = Signal()

    def __init__(self, ctx: AppContext, letter_type: LetterType, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.letter_type = letter_type
        self.editors: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        if not letter_type.fields:
            form.addRow(QLabel(_("This letter type has no extra fields.")))
        for fd in letter_type.fields:
            editor = self._editor(fd)
            editor.setObjectName(f"field_{fd.name}")
            self.editors[fd.name] = editor
            box = QWidget()
            column = QVBoxLayout(box)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            column.addWidget(editor)
            if fd.help:
                hint = QLabel(fd.help)
                hint.setWordWrap(True)
                hint.setStyleSheet("color: #4b5563; font-size: 9pt;")
                column.addWidget(hint)
            error = QLabel("")
            error.setObjectName(f"error_{fd.name}")
            error.setWordWrap(True)
            error.setStyleSheet("color: #b00020;")
            error.hide()
            column.addWidget(error)
            self.errors[fd.name] = error
            label = QLabel(fd.label + (" *" if fd.required else ""))
            label.setBuddy(editor)
            form.addRow(label, box)
            self._set(fd, fd.default if fd.default not in (None, "today") else None)
            if fd.kind == "date" and fd.default == "today":
                self._set(fd, dt.date.today())

    def _emit_changed(self, *_args: Any) -> None:
        self.changed.emit()

    def _editor(self, fd: FieldDef) -> QWidget:
        if fd.kind == "longtext":
            w: QWidget = QPlainTextEdit()
            w.setMaximumHeight(90)
            w.textChanged.connect(self._emit_changed)
        elif fd.kind == "date":
            w = DateField()
            w.edit.textChanged.connect(self._emit_changed)
        elif fd.kind == "time":
            w = QTimeEdit()
            w.setDisplayFormat("HH.mm")  # one time format everywhere (Indonesian: 19.30)
            w.timeChanged.connect(self._emit_changed)
        elif fd.kind == "choice":
            w = QComboBox()
            w.addItem(_("— choose —"), "")
            for code, label in fd.choices:
                w.addItem(label, code)
            w.currentIndexChanged.connect(self._emit_changed)
        elif fd.kind == "resident":
            w = ResidentField(self.ctx)
            w.edit.textChanged.connect(self._emit_changed)
        elif fd.kind == "people":
            w = PeopleEditor(fd)
            w.table.itemChanged.connect(self._emit_changed)
        else:  # text, number
            w = QLineEdit()
            if fd.kind == "number":
                w.setMaximumWidth(200)
            if fd.max is not None and fd.kind == "text":
                w.setMaxLength(int(fd.max))
            w.textChanged.connect(self._emit_changed)
        return w

    def _set(self, fd: FieldDef, value: Any) -> None:
        w = self.editors[fd.name]
        if isinstance(w, QPlainTextEdit):
            w.setPlainText("" if value is None else str(value))
        elif isinstance(w, QTimeEdit):
            if isinstance(value, dt.time):
                w.setTime(QTime(value.hour, value.minute))
            elif isinstance(value, str) and QTime.fromString(value, "HH:mm").isValid():
                w.setTime(QTime.fromString(value, "HH:mm"))
        elif isinstance(w, QComboBox):
            w.setCurrentIndex(max(0, w.findData(value or "")))
        elif isinstance(w, DateField | ResidentField | PeopleEditor):
            w.set_value(value)
        elif isinstance(w, QLineEdit):
            w.setText("" if value is None else str(value))

    def set_values(self, values: Mapping[str, Any]) -> None:
        for fd in self.letter_type.fields:
            if fd.name in values:
                self._set(fd, values[fd.name])

    def values(self) -> dict[str, Any]:
        """The raw values as typed (strings, lists of row dicts); the service converts and checks them."""
        out: dict[str, Any] = {}
        for fd in self.letter_type.fields:
            w = self.editors[fd.name]
            if isinstance(w, QPlainTextEdit):
                out[fd.name] = w.toPlainText().strip()
            elif isinstance(w, QTimeEdit):
                out[fd.name] = w.time().toString("HH:mm")
            elif isinstance(w, QComboBox):
                out[fd.name] = w.currentData() or ""
            elif isinstance(w, DateField | ResidentField | PeopleEditor):
                out[fd.name] = w.value()
            elif isinstance(w, QLineEdit):
                out[fd.name] = w.text().strip()
        return out

    # --- errors ----------------------------------------------------------------------------------

    def clear_errors(self) -> None:
        for name, label in self.errors.items():
            label.hide()
            label.setText("")
            self._mark(name, False)

    def show_errors(self, messages: Mapping[str, str]) -> list[str]:
        """Show messages by field name (``"heirs.0.nik"`` goes under the heirs table, naming row and
        column). Returns the messages that belong to no field (to show elsewhere)."""
        self.clear_errors()
        grouped: dict[str, list[str]] = {}
        loose: list[str] = []
        for key, text in messages.items():
            name, _sep, rest = key.partition(".")
            if name not in self.errors:
                loose.append(text)
                continue
            if rest:
                row, _sep, col = rest.partition(".")
                fd = self.letter_type.field(name)
                col_label = next((c.label for c in fd.columns if c.name == col), col) if fd else col
                text = _("Row {row}, {column}: {message}").format(
                    row=int(row) + 1 if row.isdigit() else row, column=col_label, message=text)
            grouped.setdefault(name, []).append(text)
        for name, texts in grouped.items():
            self.errors[name].setText("\n".join(texts))
            self.errors[name].show()
            self._mark(name, True)
        first = next((n for n in self.editors if n in grouped), None)
        if first:
            self.editors[first].setFocus()
        return loose

    def _mark(self, name: str, invalid: bool) -> None:
        w = self.editors[name]
        targets = [w] + [c for c in w.findChildren(QLineEdit)]
        for t in targets:
            t.setProperty("invalid", invalid)
            t.style().unpolish(t)
            t.style().polish(t)

    def check(self, today: dt.date | None = None) -> bool:
        """Check the values here (the service checks again); show errors and return False if any."""
        _cleaned, errors = validate_values(self.letter_type, self.values(), today or dt.date.today())
        self.show_errors({k: v.translate(_) if hasattr(v, "translate") else _(v) for k, v in errors.items()})
        return not errors
