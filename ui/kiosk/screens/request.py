"""Request a letter: choose a kiosk letter type → fill its form → check the summary → number and ticket."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from forms import FieldDef, LetterType
from kiosk.i18n import _
from ui.kiosk.common import TouchLineEdit, TouchTextEdit, button, label, letter_title, wrapped_button
from ui.kiosk.keyboard import OnScreenKeyboard
from ui.kiosk.keypad import NumericKeypad

KIOSK_KINDS = {"text", "longtext", "date", "time", "number", "choice"}
DATE_DISPLAY = "%d-%m-%Y"


def kiosk_letter_types(catalog: Any) -> list[LetterType]:
    """Kiosk types whose fields a resident can fill on the touch screen, by title."""
    types = [t for t in catalog.kiosk_types() if all(f.kind in KIOSK_KINDS for f in t.fields)]
    return sorted(types, key=lambda t: letter_title(t.title))


def request_number(request_id: str) -> str:
    """The short request number printed on the ticket (the same as the letters service's)."""
    return request_id[-8:].upper()


class FieldEditor:
    """The editor of one field of the letter form and how to read its value."""

    def __init__(self, fd: FieldDef, widget: QWidget, group: QButtonGroup | None = None) -> None:
        self.fd, self.widget, self.group = fd, widget, group

    def value(self) -> str:
        if self.group is not None:
            checked = self.group.checkedButton()
            return str(checked.property("code")) if checked is not None else ""
        if isinstance(self.widget, QPlainTextEdit):
            return self.widget.toPlainText().strip()
        assert isinstance(self.widget, QLineEdit)
        return self.widget.text().strip()

    def display(self) -> str:
        value = self.value()
        return self.fd.choice_label(value) if self.fd.kind == "choice" else value


class LetterFormPage(QWidget):
    """The form of one letter type: touch a field and type on the keys below it."""

    def __init__(self, lt: LetterType, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("letter_form")
        self.lt = lt
        column = QVBoxLayout(self)
        column.setContentsMargins(48, 12, 48, 16)
        column.setSpacing(8)
        column.addWidget(label(letter_title(lt.title), "title"))
        column.addWidget(label(_("Touch a white box, then type with the keys below. Boxes marked * must be "
                                 "filled."), "hint"))
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setObjectName("form_scroll")
        body = QWidget()
        body.setObjectName("form_body")
        self.grid = QGridLayout(body)
        self.grid.setHorizontalSpacing(20)
        self.grid.setVerticalSpacing(6)
        scroll.setWidget(body)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll = scroll
        column.addWidget(scroll, 1)
        self.editors: dict[str, FieldEditor] = {}
        self.errors: dict[str, QLabel] = {}
        row = 0
        for fd in lt.fields:
            caption = label(fd.label + (" *" if fd.required else ""), "caption")
            caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.grid.addWidget(caption, row, 0)
            editor = self._editor(fd)
            self.editors[fd.name] = editor
            self.grid.addWidget(editor.widget, row, 1)
            row += 1
            hint = fd.help or {"date": _("Day-month-year, for example 17-08-1990"),
                               "time": _("Hour:minute, for example 19:30")}.get(fd.kind, "")
            if hint:
                self.grid.addWidget(label(hint, "small"), row, 1)
                row += 1
            error = label("", "fieldError", name=f"error_{fd.name}")
            error.hide()
            self.errors[fd.name] = error
            self.grid.addWidget(error, row, 1)
            row += 1
        self.grid.setColumnStretch(1, 1)
        self.grid.setRowStretch(row, 1)
        self.pads = QStackedWidget()
        self.keyboard = OnScreenKeyboard()
        self.keypad_holder = QWidget()
        holder = QHBoxLayout(self.keypad_holder)
        holder.setContentsMargins(0, 0, 0, 0)
        holder.addStretch(1)
        self.keypad = NumericKeypad()
        self.keypad.setFixedWidth(500)
        self.keypad.setMinimumHeight(0)  # fits the pads' 286 px: the bottom row (Hapus semua / 0 / Hapus) shows
        holder.addWidget(self.keypad)
        holder.addStretch(1)
        self.pads.addWidget(self.keyboard)
        self.pads.addWidget(self.keypad_holder)
        self.pads.setFixedHeight(286)
        column.addWidget(self.pads)
        first = next((e.widget for e in self.editors.values() if e.group is None), None)
        if first is not None:
            self._touched(first)
        else:
            self.pads.hide()

    def _editor(self, fd: FieldDef) -> FieldEditor:
        if fd.kind == "choice":
            box = QWidget()
            box.setObjectName(f"field_{fd.name}")
            row = QHBoxLayout(box)
            row.setContentsMargins(0, 0, 0, 0)
            group = QButtonGroup(box)
            for code, text in fd.choices:
                option = button(text, f"choice_{fd.name}_{code}", "choice", height=60)
                option.setCheckable(True)
                option.setProperty("code", code)
                option.setChecked(code == fd.default)
                group.addButton(option)
                row.addWidget(option)
            return FieldEditor(fd, box, group)
        if fd.kind == "longtext":
            text = TouchTextEdit()
            text.setFixedHeight(110)
            text.setObjectName(f"field_{fd.name}")
            text.touched.connect(self._touched)
            return FieldEditor(fd, text)
        edit = TouchLineEdit(fd.kind)
        edit.setObjectName(f"field_{fd.name}")
        if fd.kind == "date":
            edit.setMaxLength(10)
            edit.setPlaceholderText(_("DD-MM-YYYY"))
            if fd.default == "today":
                edit.setText(dt.date.today().strftime(DATE_DISPLAY))
        elif fd.kind == "time":
            edit.setMaxLength(5)
            edit.setPlaceholderText(_("HH:MM"))
        elif fd.kind == "number":
            edit.setMaxLength(15)
        else:
            edit.setMaxLength(int(fd.max) if fd.max else 200)
            if fd.default and fd.default != "today":
                edit.setText(fd.default)
        edit.touched.connect(self._touched)
        return FieldEditor(fd, edit)

    def _touched(self, widget: QWidget) -> None:
        numeric = widget.property("kioskKind") in ("date", "time", "number")
        for editor in self.editors.values():
            w = editor.widget
            w.setProperty("current", w is widget)
            w.style().unpolish(w)
            w.style().polish(w)
        if numeric:
            assert isinstance(widget, QLineEdit)
            self.keypad.set_target(widget)
            self.keyboard.set_target(None)
            self.pads.setCurrentWidget(self.keypad_holder)
        else:
            assert isinstance(widget, QLineEdit | QPlainTextEdit)
            self.keyboard.set_target(widget)
            self.keypad.set_target(None)
            self.pads.setCurrentWidget(self.keyboard)
        widget.setFocus()
        self.scroll.ensureWidgetVisible(widget, 0, 40)  # and the help line under it

    def values(self) -> dict[str, str]:
        return {name: e.value() for name, e in self.editors.items() if e.value()}

    def show_errors(self, errors: dict[str, str]) -> None:
        for name, error in self.errors.items():
            text = errors.get(name, "")
            error.setText(text)
            error.setVisible(bool(text))
        first = next((name for name in self.editors if name in errors), None)
        if first is not None and self.editors[first].group is None:
            self._touched(self.editors[first].widget)


class RequestScreen(QWidget):
    """The whole request flow for the identified resident; ``submit(type, values)`` goes to the window."""

    submit = Signal(str, dict)
    back = Signal()
    finish = Signal()

    def __init__(self, letter_types: list[LetterType], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("request")
        self.letter_types = {t.code: t for t in letter_types}
        self.current: LetterType | None = None
        self.form: LetterFormPage | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        self.pages = QStackedWidget()
        column.addWidget(self.pages, 1)
        self.bar = QHBoxLayout()
        self.bar.setContentsMargins(48, 0, 48, 20)
        self.bar.setSpacing(16)
        self.back_button = button("‹ " + _("Back"), "request_back", "secondary")
        self.back_button.clicked.connect(self._back)
        self.next_button = button(_("Next") + " ›", "request_next", "primary")
        self.next_button.clicked.connect(self._next)
        self.bar.addWidget(self.back_button, 1)
        self.bar.addWidget(self.next_button, 2)
        column.addLayout(self.bar)
        self.error = label("", "error", name="request_error")
        self.error.hide()
        column.insertWidget(1, self.error)
        self.choose_page = self._choose_page()
        self.pages.addWidget(self.choose_page)
        self.summary_page = QWidget()
        self.done_page = QWidget()
        self.pages.addWidget(self.summary_page)
        self.pages.addWidget(self.done_page)
        self._show(self.choose_page)

    # --- pages ---------------------------------------------------------------------------------

    def _choose_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("choose_type")
        column = QVBoxLayout(page)
        column.setContentsMargins(48, 16, 48, 8)
        column.addWidget(label(_("Which letter do you need?"), "title"))
        column.addWidget(label(_("Touch the letter you need."), "hint"))
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        grid = QGridLayout(body)
        grid.setSpacing(12)
        for index, lt in enumerate(self.letter_types.values()):
            choice = wrapped_button(letter_title(lt.title), f"type_{lt.code}", "typeTile", height=92)
            choice.clicked.connect(lambda _c=False, code=lt.code: self.choose(code))
            grid.addWidget(choice, index // 3, index % 3)
        for col in range(3):
            grid.setColumnStretch(col, 1)
        grid.setRowStretch(len(self.letter_types) // 3 + 1, 1)
        scroll.setWidget(body)
        column.addWidget(scroll, 1)
        if not self.letter_types:
            column.addWidget(label(_("No letters can be requested here at the moment. Please ask at the "
                                     "counter."), "subtitle"))
        return page

    def _show(self, page: QWidget) -> None:
        self.pages.setCurrentWidget(page)
        self.error.hide()
        on_choose = page is self.choose_page
        self.next_button.setVisible(page is self.form or page is self.summary_page)
        self.next_button.setText(_("Send request") if page is self.summary_page else _("Next") + " ›")
        self.next_button.setEnabled(True)
        self.back_button.setText("‹ " + (_("Back to the menu") if on_choose else _("Back")))
        self.back_button.setVisible(page is not self.done_page)

    def choose(self, code: str) -> None:
        lt = self.letter_types[code]
        self.current = lt
        if self.form is not None:
            self.pages.removeWidget(self.form)
            self.form.setParent(None)
            self.form.deleteLater()
        self.form = LetterFormPage(lt)
        self.pages.addWidget(self.form)
        self._show(self.form)

    def _back(self) -> None:
        page = self.pages.currentWidget()
        if page is self.summary_page and self.form is not None:
            self._show(self.form)
        elif page is self.form:
            self._show(self.choose_page)
        else:
            self.back.emit()

    def _next(self) -> None:
        page = self.pages.currentWidget()
        if page is self.form:
            self.check_form()
        elif page is self.summary_page and self.current is not None and self.form is not None:
            self.next_button.setEnabled(False)
            self.next_button.setText(_("Sending…"))
            self.submit.emit(self.current.code, self.form.values())

    # --- called by the window --------------------------------------------------------------------

    check_values: Any = None  # (letter_type, values) -> {field: message}; set by the window

    def check_form(self) -> None:
        assert self.form is not None and self.current is not None
        values = self.form.values()
        errors = self.check_values(self.current.code, values) if self.check_values else {}
        self.form.show_errors(errors)
        if errors:
            return
        self._build_summary()
        self._show(self.summary_page)

    def _replace(self, old: QWidget, name: str) -> QWidget:
        page = QWidget()
        page.setObjectName(name)
        index = self.pages.indexOf(old)
        self.pages.insertWidget(index, page)
        self.pages.removeWidget(old)
        old.setParent(None)
        old.deleteLater()
        return page

    def _build_summary(self) -> None:
        assert self.form is not None and self.current is not None
        self.summary_page = page = self._replace(self.summary_page, "summary")
        column = QVBoxLayout(page)
        column.setContentsMargins(48, 16, 48, 8)
        column.setSpacing(10)
        column.addWidget(label(_("Please check your request"), "title"))
        column.addWidget(label(letter_title(self.current.title), "subtitle"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        row = 0
        for editor in self.form.editors.values():
            if not editor.value():
                continue
            grid.addWidget(label(editor.fd.label, "caption"), row, 0)
            grid.addWidget(label(editor.display(), "value"), row, 1)
            row += 1
        grid.setColumnStretch(1, 1)
        column.addLayout(grid)
        if self.current.requirements:
            column.addSpacing(8)
            column.addWidget(label(_("Bring these to the office:"), "caption"))
            column.addWidget(label("\n".join(f"•  {r}" for r in self.current.requirements), "value"))
        column.addStretch(1)
        column.addWidget(label(_("If something is wrong, touch “Back”. If all is right, touch “Send request”."),
                               "hint"))

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        self.next_button.setEnabled(True)
        self.next_button.setText(_("Send request"))

    def show_done(self, info: Any, ticket_image: QPixmap | None, printed: bool) -> None:
        """The request number, the queue number and the ticket (printed or on screen)."""
        self.done_page = page = self._replace(self.done_page, "done")
        row = QHBoxLayout(page)
        row.setContentsMargins(48, 16, 48, 8)
        row.setSpacing(32)
        column = QVBoxLayout()
        column.setSpacing(10)
        column.addWidget(label("✔  " + _("Your request has been sent"), "title"))
        column.addWidget(label(_("Your queue number"), "subtitle"))
        column.addWidget(label(info.queue_number or "-", "queue", name="queue_number"))
        column.addWidget(label(_("Request number: {number}").format(number=request_number(info.id)), "value",
                               name="request_number"))
        if printed:
            column.addWidget(label(_("Your ticket is being printed. Take it with you."), "subtitle"))
        else:
            column.addWidget(label(_("Remember this number or take a photo of the ticket."), "subtitle"))
        column.addWidget(label(_("Come to the counter with the documents on the ticket. The staff will call "
                                 "your number."), "hint"))
        column.addStretch(1)
        finish = button(_("Finish and sign out"), "request_finish", "finish", height=88)
        finish.clicked.connect(self.finish.emit)
        menu = button("‹ " + _("Back to the menu"), "request_menu", "secondary")
        menu.clicked.connect(self.back.emit)
        column.addWidget(finish)
        column.addWidget(menu)
        row.addLayout(column, 3)
        if ticket_image is not None and not ticket_image.isNull():
            ticket = QLabel()
            ticket.setObjectName("ticket_image")
            ticket.setPixmap(ticket_image)
            ticket.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
            holder = QScrollArea()
            holder.setObjectName("ticket_holder")
            holder.setWidget(ticket)
            holder.setWidgetResizable(True)
            holder.setFixedWidth(ticket_image.width() + 28)
            row.addWidget(holder, 0)
        self._show(page)


