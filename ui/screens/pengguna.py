"""Pengguna: admins list, add, edit, deactivate users and reset their passwords."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from kiosk.actor import ROLES
from kiosk.i18n import N_, _
from kiosk.services.users import UserInfo
from ui.context import AppContext
from ui.msgbox import error_text, show_error, show_info

ROLE_LABELS = {"operator": N_("Operator"), "supervisor": N_("Supervisor"), "admin": N_("Administrator")}
_Index = QModelIndex | QPersistentModelIndex


class UsersModel(QAbstractTableModel):
    HEADERS = (N_("Username"), N_("Full name"), N_("Role"), N_("Status"))

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[UserInfo] = []

    def set_rows(self, rows: list[UserInfo]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _(self.HEADERS[section])
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        u = self.rows[index.row()]
        if index.column() == 0:
            return u.username
        if index.column() == 1:
            return u.full_name
        if index.column() == 2:
            return _(ROLE_LABELS.get(u.role, u.role))
        return _("active") if u.active else _("inactive")


class UserDialog(QDialog):
    """Add a user (with a password) or edit one (name, role, active)."""

    def __init__(self, parent: QWidget | None, user: UserInfo | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Edit user") if user else _("Add user"))
        form = QFormLayout(self)
        self.username = QLineEdit(user.username if user else "")
        self.username.setReadOnly(user is not None)
        self.username.setObjectName("username")
        self.full_name = QLineEdit(user.full_name if user else "")
        self.full_name.setObjectName("fullName")
        self.role = QComboBox()
        self.role.setObjectName("role")
        for role in ROLES:
            self.role.addItem(_(ROLE_LABELS[role]), role)
        if user:
            self.role.setCurrentIndex(self.role.findData(user.role))
        form.addRow(_("Username"), self.username)
        form.addRow(_("Full name"), self.full_name)
        form.addRow(_("Role"), self.role)
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        if user is None:
            form.addRow(_("Password (at least 8 characters)"), self.password)
        self.active = QComboBox()
        self.active.addItem(_("active"), True)
        self.active.addItem(_("inactive"), False)
        if user:
            self.active.setCurrentIndex(0 if user.active else 1)
            form.addRow(_("Status"), self.active)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class PenggunaScreen(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        title = QLabel(f"<h2>{_('Users')}</h2>")
        layout.addWidget(title)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(_("Add user…"))
        self.add_button.setObjectName("addUser")
        self.edit_button = QPushButton(_("Edit…"))
        self.reset_button = QPushButton(_("Reset password…"))
        for b in (self.add_button, self.edit_button, self.reset_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.model = UsersModel()
        self.table = QTableView()
        self.table.setObjectName("usersTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.doubleClicked.connect(lambda _i: self._edit())
        layout.addWidget(self.table)
        self.add_button.clicked.connect(self._add)
        self.edit_button.clicked.connect(self._edit)
        self.reset_button.clicked.connect(self._reset)
        self.refresh()

    def refresh(self) -> None:
        actor = self.ctx.require_actor()
        self.ctx.runner.run(lambda: self.ctx.services.users.list_users(actor), self.model.set_rows,
                            lambda e: show_error(self, e))

    def _selected(self) -> UserInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows else None

    def _add(self) -> None:
        dialog = UserDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        actor = self.ctx.require_actor()
        users = self.ctx.services.users
        args = dict(username=dialog.username.text(), full_name=dialog.full_name.text(),
                    role=dialog.role.currentData(), password=dialog.password.text())
        self.ctx.runner.write(lambda: users.create_user(actor, **args), lambda _u: self.refresh(),
                              lambda e: show_error(self, e))

    def _edit(self) -> None:
        user = self._selected()
        if user is None:
            return
        dialog = UserDialog(self, user)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        actor = self.ctx.require_actor()
        users = self.ctx.services.users
        self.ctx.runner.write(
            lambda: users.update_user(actor, user.id, full_name=dialog.full_name.text(),
                                      role=dialog.role.currentData(), active=dialog.active.currentData()),
            lambda _u: self.refresh(), lambda e: show_error(self, e))

    def _reset(self) -> None:
        user = self._selected()
        if user is None:
            return
        dialog = QDialog(self)
        dialog.setWindowTitle(_("Reset password of {user}").format(user=user.username))
        form = QFormLayout(dialog)
        pw = QLineEdit()
        pw.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(_("New password"), pw)
        message = QLabel("")
        form.addRow(message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        form.addRow(buttons)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        actor = self.ctx.require_actor()
        new = pw.text()
        self.ctx.runner.write(
            lambda: self.ctx.services.users.reset_password(actor, user.id, new),
            lambda _r: show_info(self, _("The password was reset. The user should change it after signing in.")),
            lambda e: show_error(self, error_text(e)))
