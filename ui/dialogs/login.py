"""Masuk: sign in with username and password; also the unlock dialog after the idle lock."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from kiosk.actor import Actor
from kiosk.i18n import _
from ui.context import AppContext
from ui.msgbox import error_text


class LoginDialog(QDialog):
    """Ask for username and password; ``actor`` is set on success. With ``unlock_for`` the username is
    fixed (the idle lock: only the signed-in user, or signing out, continues)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, unlock_for: Actor | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.unlock_for = unlock_for
        self.actor: Actor | None = None
        self.setObjectName("LoginDialog")
        profile = ctx.services.office.profile()
        self.setWindowTitle(_("Locked") if unlock_for else _("Sign in"))
        self.setMinimumWidth(380)
        layout = QVBoxLayout(self)
        title = QLabel(f"<h2>Smart Kampung</h2><p>{profile.village_kind.replace('_', ' ').title()} "
                       f"{profile.village_name}, {profile.kecamatan_name}</p>")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        if unlock_for:
            layout.addWidget(QLabel(_("The program was locked after a period of inactivity. Type your password "
                                      "to continue.")))
        else:
            from kiosk.services.demo import DEMO_PASSWORD, is_demo_office

            if is_demo_office(ctx.services):  # a trial: say how to get in
                hint = QLabel(_("Demo village: sign in as admin, operator or kades with the password "
                                "{password}.").format(password=DEMO_PASSWORD))
                hint.setObjectName("demoHint")
                hint.setWordWrap(True)
                hint.setStyleSheet("background: #ecfdf5; border: 1px solid #86efac; border-radius: 4px; padding: 6px;")
                layout.addWidget(hint)
        form = QFormLayout()
        self.username = QLineEdit(unlock_for.username if unlock_for else "")
        self.username.setObjectName("username")
        self.username.setReadOnly(unlock_for is not None)
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(_("Username"), self.username)
        form.addRow(_("Password"), self.password)
        layout.addLayout(form)
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox()
        self.ok_button = buttons.addButton(_("Unlock") if unlock_for else _("Sign in"),
                                           QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("signIn")
        self.ok_button.setDefault(True)
        if unlock_for:
            out = buttons.addButton(_("Sign out"), QDialogButtonBox.ButtonRole.RejectRole)
            out.setObjectName("signOut")
        else:
            buttons.addButton(_("Quit"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._try)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        (self.password if unlock_for else self.username).setFocus()

    def _try(self) -> None:
        username, password = self.username.text().strip(), self.password.text()
        if not username or not password:
            self.message.setText(_("Type your username and password."))
            return
        self.ok_button.setEnabled(False)
        self.ctx.runner.write(lambda: self.ctx.services.users.authenticate(username, password),
                              self._succeeded, self._failed)

    def _succeeded(self, actor: Actor) -> None:
        self.ok_button.setEnabled(True)
        if self.unlock_for and actor.user_id != self.unlock_for.user_id:
            self.message.setText(_("Only the signed-in user can unlock."))
            return
        self.actor = actor
        self.password.clear()
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.ok_button.setEnabled(True)
        self.password.clear()
        self.password.setFocus()
        self.message.setText(error_text(error))
