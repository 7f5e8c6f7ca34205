"""The on-screen keyboard for text (names, purposes, complaints): letters, digits, space, delete."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from kiosk.i18n import _
from ui.kiosk.keypad import key_button

ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm,.")


class OnScreenKeyboard(QWidget):
    """Types into ``target`` (QLineEdit or QPlainTextEdit). The first letter is a capital, like a phone."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("OnScreenKeyboard")
        self.target: QLineEdit | QPlainTextEdit | None = None
        self.shift = True
        self.caps = False
        self.letter_buttons: list[QPushButton] = []
        self.buttons: dict[str, QPushButton] = {}
        column = QVBoxLayout(self)
        column.setSpacing(6)
        column.setContentsMargins(0, 0, 0, 0)
        for index, keys in enumerate(ROWS):
            row = QHBoxLayout()
            row.setSpacing(6)
            if index == 3:
                shift = key_button("⇧ " + _("Capital"), "key_shift", "keyAction")
                shift.setCheckable(True)
                shift.clicked.connect(self._toggle_caps)
                row.addWidget(shift, 4)
                self.buttons["shift"] = shift
            elif index:
                row.addStretch(index)
            for ch in keys:
                button = key_button(ch, f"key_{ch}")
                button.setMinimumSize(56, 48)
                button.clicked.connect(lambda _c=False, c=ch: self.type_text(c))
                row.addWidget(button, 2)
                self.buttons[ch] = button
                if ch.isalpha():
                    self.letter_buttons.append(button)
            if index == 2:
                button = key_button("-", "key_dash")
                button.setMinimumSize(56, 48)
                button.clicked.connect(lambda _c=False: self.type_text("-"))
                row.addWidget(button, 2)
            if index == 0:
                back = key_button("⌫ " + _("Delete"), "key_back", "keyAction")
                back.clicked.connect(self.backspace)
                row.addWidget(back, 3)
                self.buttons["back"] = back
            elif index in (1, 2):
                row.addStretch(index)
            column.addLayout(row)
        bottom = QHBoxLayout()
        bottom.setSpacing(6)
        for text, name in (("/", "key_slash"), ("@", "key_at")):
            button = key_button(text, name)
            button.clicked.connect(lambda _c=False, t=text: self.type_text(t))
            bottom.addWidget(button, 1)
        space = key_button(_("Space"), "key_space", "keyAction")
        space.clicked.connect(lambda _c=False: self.type_text(" "))
        bottom.addWidget(space, 6)
        self.buttons["space"] = space
        clear = key_button(_("Clear"), "key_clear", "keyAction")
        clear.clicked.connect(self.clear)
        bottom.addWidget(clear, 2)
        column.addLayout(bottom)
        self._update_labels()

    def set_target(self, target: QLineEdit | QPlainTextEdit | None) -> None:
        self.target = target
        self.shift = target is not None and not self._text()
        self._update_labels()

    def _text(self) -> str:
        if isinstance(self.target, QPlainTextEdit):
            return self.target.toPlainText()
        return self.target.text() if self.target is not None else ""

    def _toggle_caps(self) -> None:
        self.caps = self.buttons["shift"].isChecked()
        self.shift = False
        self._update_labels()

    def _upper(self) -> bool:
        return self.caps or self.shift

    def _update_labels(self) -> None:
        upper = self._upper()
        for button in self.letter_buttons:
            button.setText(button.text().upper() if upper else button.text().lower())

    def type_text(self, text: str) -> None:
        target = self.target
        if target is None:
            return
        if text.isalpha() and self._upper():
            text = text.upper()
        if isinstance(target, QPlainTextEdit):
            target.insertPlainText(text)
        else:
            target.insert(text)
        if text.isalpha() and self.shift:
            self.shift = False
        elif text in ".":
            self.shift = isinstance(target, QPlainTextEdit)  # a new sentence in a long text
        self._update_labels()
        target.setFocus()

    def backspace(self) -> None:
        target = self.target
        if isinstance(target, QPlainTextEdit):
            target.textCursor().deletePreviousChar()
        elif target is not None:
            target.backspace()
        if target is not None:
            target.setFocus()
            self.shift = not self._text()
            self._update_labels()

    def clear(self) -> None:
        if self.target is not None:
            self.target.clear()
            self.target.setFocus()
            self.shift = True
            self._update_labels()
