"""Identification: NIK and the 6-digit PIN typed on the on-screen keypad (PIN hidden as dots)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from kiosk.i18n import _
from kiosk.nik import NIK_LENGTH
from ui.kiosk.common import TouchLineEdit, button, label
from ui.kiosk.keypad import NumericKeypad

PIN_LENGTH = 6


class IdentifyScreen(QWidget):
    submitted = Signal(str, str)  # nik, pin
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("identify")
        outer = QHBoxLayout(self)
        outer.setContentsMargins(64, 24, 64, 32)
        outer.setSpacing(56)
        left = QVBoxLayout()
        left.setSpacing(12)
        left.addWidget(label(_("Who are you?"), "title"))
        left.addWidget(label(_("1. Your NIK: the 16-digit number on your KTP"), "subtitle"))
        self.nik = TouchLineEdit("nik")
        self.nik.setObjectName("nik")
        self.nik.setMaxLength(NIK_LENGTH)
        self.nik.setPlaceholderText("16 " + _("digits"))
        self.nik.touched.connect(self._target)
        self.nik.textChanged.connect(self._nik_changed)
        left.addWidget(self.nik)
        self.nik_count = label("", "hint", name="nik_count")
        left.addWidget(self.nik_count)
        left.addSpacing(8)
        left.addWidget(label(_("2. Your kiosk PIN: 6 digits from the village office"), "subtitle"))
        self.pin = TouchLineEdit("pin")
        self.pin.setObjectName("pin")
        self.pin.setMaxLength(PIN_LENGTH)
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText("6 " + _("digits"))
        self.pin.touched.connect(self._target)
        self.pin.textChanged.connect(self._update)
        left.addWidget(self.pin)
        self.error = label("", "error", name="identify_error")
        self.error.hide()
        left.addWidget(self.error)
        left.addStretch(1)
        buttons = QGridLayout()
        buttons.setHorizontalSpacing(16)
        self.back_button = button("‹ " + _("Back"), "back", "secondary")
        self.back_button.clicked.connect(self.back.emit)
        self.ok_button = button(_("Sign in"), "sign_in", "primary")
        self.ok_button.clicked.connect(self._submit)
        buttons.addWidget(self.back_button, 0, 0)
        buttons.addWidget(self.ok_button, 0, 1)
        buttons.setColumnStretch(1, 2)
        left.addLayout(buttons)
        outer.addLayout(left, 3)
        right = QVBoxLayout()
        right.addStretch(1)
        self.keypad = NumericKeypad(self, self.nik)
        self.keypad.setMinimumSize(500, 440)
        right.addWidget(self.keypad)
        right.addStretch(1)
        outer.addLayout(right, 2)
        self.busy = False
        self._target(self.nik)
        self._nik_changed()

    def _target(self, edit: QLineEdit) -> None:
        self.keypad.set_target(edit)
        for e in (self.nik, self.pin):
            e.setProperty("current", e is edit)
            e.style().unpolish(e)
            e.style().polish(e)

    def _nik_changed(self) -> None:
        n = len(self.nik.text())
        self.nik_count.setText(_("{n} of 16 digits").format(n=n))
        if n == NIK_LENGTH and self.keypad.target is self.nik:
            self.pin.setFocus()
            self._target(self.pin)
        self._update()

    def _update(self) -> None:
        ready = len(self.nik.text()) == NIK_LENGTH and len(self.pin.text()) == PIN_LENGTH
        self.ok_button.setEnabled(ready and not self.busy)
        if self.nik.text() or self.pin.text():
            self.error.hide()

    def _submit(self) -> None:
        if not self.ok_button.isEnabled():
            return
        self.set_busy(True)
        self.submitted.emit(self.nik.text(), self.pin.text())

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.ok_button.setText(_("Checking…") if busy else _("Sign in"))
        self._update()

    def show_error(self, text: str) -> None:
        """Show the message and empty the PIN (the NIK stays so a typo in the PIN is quick to fix)."""
        self.set_busy(False)
        self.pin.clear()
        self.error.setText(text)
        self.error.show()
        self.pin.setFocus()
        self._target(self.pin)
        self.error.setAlignment(Qt.AlignmentFlag.AlignLeft)
