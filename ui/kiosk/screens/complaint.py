"""File a complaint: choose a category → write what happened (and a phone number, if wanted) → done."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from kiosk.i18n import _
from ui.kiosk.common import TouchLineEdit, TouchTextEdit, button, label
from ui.kiosk.keyboard import OnScreenKeyboard
from ui.kiosk.keypad import NumericKeypad


class ComplaintScreen(QWidget):
    submit = Signal(str, str, str)  # category, text, phone
    back = Signal()
    finish = Signal()

    def __init__(self, categories: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("complaint")
        self.category = ""
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        self.pages = QStackedWidget()
        column.addWidget(self.pages, 1)

        choose = QWidget()
        choose.setObjectName("complaint_category")
        c = QVBoxLayout(choose)
        c.setContentsMargins(64, 24, 64, 32)
        c.setSpacing(12)
        c.addWidget(label(_("File a complaint"), "title"))
        c.addWidget(label(_("What is your complaint about? Touch one."), "subtitle"))
        grid = QGridLayout()
        grid.setSpacing(16)
        for index, name in enumerate(categories):
            option = button(name, f"category_{index}", "tile", height=80)  # six fit a 768-px screen
            option.clicked.connect(lambda _c=False, n=name: self.choose(n))
            cols = 3 if len(categories) > 4 else 2  # fewer rows: the page fits a 768-px screen
            grid.addWidget(option, index // cols, index % cols)
        c.addLayout(grid)
        c.addStretch(1)
        back = button("‹ " + _("Back to the menu"), "complaint_back", "secondary")
        back.clicked.connect(self.back.emit)
        c.addWidget(back)
        self.pages.addWidget(choose)
        self.choose_page = choose

        write = QWidget()
        write.setObjectName("complaint_write")
        w = QVBoxLayout(write)
        w.setContentsMargins(48, 12, 48, 16)
        w.setSpacing(8)
        self.write_title = label("", "title", name="complaint_title")
        w.addWidget(self.write_title)
        w.addWidget(label(_("Write what happened and where. Touch a white box, then type with the keys below."),
                          "hint"))
        self.text = TouchTextEdit()
        self.text.setObjectName("complaint_text")
        self.text.setFixedHeight(100)
        self.text.touched.connect(self._touched)
        w.addWidget(self.text)
        phone_row = QHBoxLayout()
        phone_row.addWidget(label(_("Your phone number (optional, for our answer):"), "caption", wrap=False))
        self.phone = TouchLineEdit("phone")
        self.phone.setObjectName("complaint_phone")
        self.phone.setMaxLength(15)
        self.phone.touched.connect(self._touched)
        phone_row.addWidget(self.phone, 1)
        w.addLayout(phone_row)
        self.error = label("", "error", name="complaint_error")
        self.error.hide()
        w.addWidget(self.error)
        self.pads = QStackedWidget()
        self.keyboard = OnScreenKeyboard()
        self.keypad_holder = QWidget()
        holder = QHBoxLayout(self.keypad_holder)
        holder.setContentsMargins(0, 0, 0, 0)
        holder.addStretch(1)
        self.keypad = NumericKeypad()
        self.keypad.setFixedWidth(500)
        self.keypad.setMinimumHeight(0)  # inside the pads' fixed height (the whole screen fits 1366×768)
        holder.addWidget(self.keypad)
        holder.addStretch(1)
        self.pads.addWidget(self.keyboard)
        self.pads.addWidget(self.keypad_holder)
        self.pads.setFixedHeight(286)
        w.addWidget(self.pads, 1)
        buttons = QHBoxLayout()
        buttons.setSpacing(16)
        again = button("‹ " + _("Back"), "complaint_write_back", "secondary")
        again.clicked.connect(lambda: self.pages.setCurrentWidget(self.choose_page))
        self.send_button = button(_("Send complaint"), "complaint_send", "primary")
        self.send_button.clicked.connect(self._send)
        buttons.addWidget(again, 1)
        buttons.addWidget(self.send_button, 2)
        w.addLayout(buttons)
        self.pages.addWidget(write)
        self.write_page = write
        self.done_page = QWidget()
        self.pages.addWidget(self.done_page)

    def choose(self, category: str) -> None:
        self.category = category
        self.write_title.setText(_("Complaint: {category}").format(category=category))
        self.pages.setCurrentWidget(self.write_page)
        self._touched(self.text)

    def _touched(self, widget: Any) -> None:
        if widget is self.phone:
            self.keypad.set_target(self.phone)
            self.keyboard.set_target(None)
            self.pads.setCurrentWidget(self.keypad_holder)
        else:
            self.keyboard.set_target(self.text)
            self.keypad.set_target(None)
            self.pads.setCurrentWidget(self.keyboard)
        for edit in (self.text, self.phone):
            edit.setProperty("current", edit is widget)
            edit.style().unpolish(edit)
            edit.style().polish(edit)
        widget.setFocus()

    def _send(self) -> None:
        text = self.text.toPlainText().strip()
        if not text:
            self.show_error(_("Please write what your complaint is about."))
            return
        self.send_button.setEnabled(False)
        self.send_button.setText(_("Sending…"))
        self.submit.emit(self.category, text, self.phone.text().strip())

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        self.send_button.setEnabled(True)
        self.send_button.setText(_("Send complaint"))

    def show_done(self, due_text: str) -> None:
        page = QWidget()
        page.setObjectName("complaint_done")
        column = QVBoxLayout(page)
        column.setContentsMargins(64, 40, 64, 32)
        column.setSpacing(16)
        column.addWidget(label("✔  " + _("Thank you. Your complaint has been received."), "title",
                               name="complaint_received"))
        column.addWidget(label(_("The village office will respond by {due}.").format(due=due_text), "subtitle"))
        column.addStretch(1)
        finish = button(_("Finish and sign out"), "complaint_finish", "finish", height=88)
        finish.clicked.connect(self.finish.emit)
        menu = button("‹ " + _("Back to the menu"), "complaint_menu", "secondary")
        menu.clicked.connect(self.back.emit)
        column.addWidget(finish)
        column.addWidget(menu)
        self.pages.removeWidget(self.done_page)
        self.done_page.setParent(None)
        self.done_page.deleteLater()
        self.done_page = page
        self.pages.addWidget(page)
        self.pages.setCurrentWidget(page)
