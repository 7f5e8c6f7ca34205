"""Ganti kata sandi: the signed-in user changes their own password."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from kiosk.i18n import _
from ui.context import AppContext
from ui.msgbox import error_text, show_info


class ChangePasswordDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("Change password"))
        form = QFormLayout(self)
        self.old = QLineEdit()
        self.new = QLineEdit()
        self.again = QLineEdit()
        for w, name in ((self.old, "old"), (self.new, "new"), (self.again, "again")):
            w.setEchoMode(QLineEdit.EchoMode.Password)
            w.setObjectName(name)
        form.addRow(_("Current password"), self.old)
        form.addRow(_("New password"), self.new)
        form.addRow(_("New password again"), self.again)
        self.message = QLabel("")
        self.message.setStyleSheet("color: #b00020;")
        self.message.setWordWrap(True)
        form.addRow(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _save(self) -> None:
        if self.new.text() != self.again.text():
            self.message.setText(_("The two new passwords differ."))
            return
        actor = self.ctx.require_actor()
        old, new = self.old.text(), self.new.text()
        self.ctx.runner.write(lambda: self.ctx.services.users.change_password(actor, old, new),
                              self._done, lambda e: self.message.setText(error_text(e)))

    def _done(self, _result: object) -> None:
        show_info(self, _("Your password was changed."))
        self.accept()
