"""The on-screen numeric keypad (NIK, PIN, numbers, dates, times) with big keys."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLineEdit, QPushButton, QSizePolicy, QWidget

from kiosk.i18n import _

# A line edit's ``kioskKind`` property makes the keypad add separators as the resident types.
SEPARATORS = {"date": {2: "-", 5: "-"}, "time": {2: ":"}}


def key_button(text: str, name: str, kind: str = "key") -> QPushButton:
    """A big key that never takes the focus (so the field being typed into keeps it)."""
    button = QPushButton(text)
    button.setObjectName(name)
    button.setProperty("kind", kind)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    button.setAutoRepeat(name in ("key_back",))
    button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
    button.setMinimumSize(64, 48)
    return button


class NumericKeypad(QWidget):
    """Digits 1-9, 0, delete and clear; types into ``target`` (a QLineEdit)."""

    typed = Signal()

    def __init__(self, parent: QWidget | None = None, target: QLineEdit | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("NumericKeypad")
        self.target = target
        grid = QGridLayout(self)
        grid.setSpacing(10)
        grid.setContentsMargins(0, 0, 0, 0)
        self.buttons: dict[str, QPushButton] = {}
        for index, digit in enumerate("123456789"):
            self._add(grid, digit, f"key_{digit}", index // 3, index % 3)
        self._add(grid, _("Clear"), "key_clear", 3, 0, kind="keyAction")
        self._add(grid, "0", "key_0", 3, 1)
        self._add(grid, "⌫ " + _("Delete"), "key_back", 3, 2, kind="keyAction")
        for column in range(3):
            grid.setColumnStretch(column, 1)
        for row in range(4):
            grid.setRowStretch(row, 1)
        self.setMinimumSize(420, 330)

    def _add(self, grid: QGridLayout, text: str, name: str, row: int, col: int, kind: str = "key") -> None:
        button = key_button(text, name, kind)
        button.clicked.connect(lambda _checked=False, n=name: self.press(n[4:]))
        grid.addWidget(button, row, col)
        self.buttons[name[4:]] = button

    def set_target(self, target: QLineEdit | None) -> None:
        self.target = target

    def press(self, key: str) -> None:
        """Type ``key`` ("0"-"9", "back", "clear") into the target."""
        edit = self.target
        if edit is None:
            return
        text = edit.text()
        if key == "clear":
            edit.clear()
        elif key == "back":
            text = text[:-1]
            if text and not text[-1].isdigit():  # a separator goes together with the digit before it
                text = text[:-1]
            edit.setText(text)
        elif key.isdigit():
            limit = edit.maxLength()
            if len(text) >= limit:
                return
            separators = SEPARATORS.get(str(edit.property("kioskKind") or ""), {})
            text += key
            if len(text) in separators and len(text) < limit:
                text += separators[len(text)]
            edit.setText(text)
        if self.target is edit:  # a full field may have moved the keypad on to the next one
            edit.setFocus()
        self.typed.emit()
