"""Kartu keluarga: one KK with its members, and the family actions staff take from it — add a member,
move a member to another KK, make a member the head (kepala keluarga), split the KK (pecah KK).

Every action runs through ``Services.residents`` with ``ctx.runner.write``; the dialogs that take input
save themselves (errors inline, NIK warnings asked with "Simpan tetap") and hand their result back.
When a family loses its head (the head moved or split away), staff are asked for the new one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import N_, _
from kiosk.refdata import code_list
from kiosk.services.residents import (
    RELATION_HEAD,
    RELATION_OTHER,
    STATUS_ALIVE,
    FamilyInfo,
    MoveResult,
    ResidentRecord,
)
from ui import msgbox
from ui.context import AppContext
from ui.dialogs.family_actions import (
    AddMemberDialog,
    MoveMemberDialog,
    SplitFamilyDialog,
    code_name,
    relation_name,
)

_Index = QModelIndex | QPersistentModelIndex
# The old head's usual relation once the new head is: istri → suami, suami → istri, anak → orang tua...
OLD_HEAD_RELATION = {2: 3, 3: 2, 4: 7, 5: 8}


def ask_choice(parent: QWidget | None, title: str, prompt: str, options: list[tuple[str, Any]],
               current: int = 0) -> Any | None:
    """One value picked from ``options`` (label, value), or None when cancelled. Tests patch this."""
    labels = [label for label, _value in options]
    label, ok = QInputDialog.getItem(parent, title, prompt, labels, current, False)
    if not ok or label not in labels:
        return None
    return options[labels.index(label)][1]


# --- the members table -----------------------------------------------------------------------------


class FamilyMembersModel(QAbstractTableModel):
    """Anggota keluarga: NIK, name, relation (SHDK), sex, birth date, status; the head in bold, members no
    longer living here (died, moved) in grey."""

    HEADERS = (N_("NIK"), N_("Name"), N_("Relation"), N_("Sex"), N_("Born"), N_("Status"))

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[ResidentRecord] = []
        self.head_id: str | None = None

    def set_family(self, family: FamilyInfo | None) -> None:
        self.beginResetModel()
        self.rows = list(family.members) if family else []
        self.head_id = family.head_resident_id if family else None
        self.endResetModel()

    def member(self, row: int) -> ResidentRecord | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _(self.HEADERS[section])
        return None

    def text(self, m: ResidentRecord, column: int) -> str:
        if column == 0:
            return m.nik or _("(no NIK)")
        if column == 1:
            return m.name
        if column == 2:
            return relation_name(m.family_relation)
        if column == 3:
            return code_name("jenis_kelamin", m.sex)
        if column == 4:
            return m.birth_date.strftime("%d-%m-%Y") if isinstance(m.birth_date, dt.date) else ""
        return code_name("status_dasar", m.status)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        m = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(m, index.column())
        if role == Qt.ItemDataRole.UserRole:
            return m.id
        if role == Qt.ItemDataRole.FontRole and m.id == self.head_id:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and m.status != STATUS_ALIVE:
            return QBrush(QColor("#6b7280"))
        return None


# --- the family view ------------------------------------------------------------------------------


class FamilyViewDialog(QDialog):
    """Kartu keluarga of ``family_id``: data, members and the family actions."""

    def __init__(self, ctx: AppContext, family_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.family_id = family_id
        self.family: FamilyInfo | None = None
        self.setWindowTitle(_("Family card"))
        self.resize(860, 520)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(10)
        self.title = QLabel()
        self.title.setObjectName("familyTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.title)

        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        self.values: dict[str, QLabel] = {}
        for i, (key, label) in enumerate((("head", N_("Head of family")), ("address", N_("Address")),
                                          ("rt_rw", N_("RT/RW")), ("dusun", N_("Dusun")))):
            caption = QLabel(_(label))
            caption.setStyleSheet("color: #4b5563;")
            value = QLabel()
            value.setObjectName(f"family_{key}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[key] = value
            row, col = divmod(i, 2)
            grid.addWidget(caption, row, col * 2)
            grid.addWidget(value, row, col * 2 + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        layout.addLayout(grid)

        self.banner = QLabel(_("This family has no head of family: choose one."))
        self.banner.setObjectName("needsHead")
        self.banner.setStyleSheet("background: #fef3c7; color: #92400e; padding: 6px 8px; border-radius: 4px;")
        self.banner.hide()
        layout.addWidget(self.banner)

        self.model = FamilyMembersModel(self)
        self.table = QTableView()
        self.table.setObjectName("members")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)

        actions = QHBoxLayout()
        self.add_button = QPushButton(_("Add member…"))
        self.add_button.setObjectName("addMember")
        self.move_button = QPushButton(_("Move to another KK…"))
        self.move_button.setObjectName("moveMember")
        self.head_button = QPushButton(_("Make head of family"))
        self.head_button.setObjectName("makeHead")
        self.split_button = QPushButton(_("Split KK (pecah KK)…"))
        self.split_button.setObjectName("splitFamily")
        self.close_button = QPushButton(_("Close"))
        for b in (self.add_button, self.move_button, self.head_button, self.split_button):
            b.setAutoDefault(False)  # Enter never starts an action by surprise
            actions.addWidget(b)
        self.close_button.setDefault(True)
        actions.addStretch(1)
        actions.addWidget(self.close_button)
        layout.addLayout(actions)

        self.add_button.clicked.connect(self.add_member)
        self.move_button.clicked.connect(self.move_selected)
        self.head_button.clicked.connect(self.make_head)
        self.split_button.clicked.connect(self.split)
        self.close_button.clicked.connect(self.accept)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        ctx.signals.data_changed.connect(self._on_changed)
        self.reload()

    # --- data ------------------------------------------------------------------------------------

    def _on_changed(self, entity: str) -> None:
        if entity in ("family", "resident", "*"):
            self.reload()

    def reload(self) -> None:
        actor = self.ctx.require_actor()
        rs = self.ctx.services.residents
        fid = self.family_id
        self.ctx.runner.run(lambda: rs.family(actor, fid), self._show, lambda e: msgbox.show_error(self, e))

    def _show(self, family: FamilyInfo) -> None:
        selected = self.selected()
        self.family = family
        kk = family.kk_number or _("(no No. KK yet)")
        self.title.setText(f"<h2 style='margin:0'>{_('Family card')} · {kk}</h2>")
        self.setWindowTitle(_("Family card {kk}").format(kk=kk))
        head = family.head
        self.values["head"].setText(head.name if head else "—")
        self.values["address"].setText(family.address or "—")
        self.values["rt_rw"].setText(f"{family.rt or '-'} / {family.rw or '-'}")
        self.values["dusun"].setText(family.dusun or "—")
        self.banner.setVisible(family.needs_head)
        self.model.set_family(family)
        if selected is not None:
            self.select_member(selected.id)
        self._update_buttons()

    def selected(self) -> ResidentRecord | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.model.member(rows[0].row()) if rows else None

    def select_member(self, resident_id: str) -> None:
        for row, m in enumerate(self.model.rows):
            if m.id == resident_id:
                self.table.selectRow(row)
                return
        self.table.clearSelection()

    def _update_buttons(self) -> None:
        m = self.selected()
        alive = [x for x in self.model.rows if x.status == STATUS_ALIVE]
        self.move_button.setEnabled(m is not None and m.status == STATUS_ALIVE)
        self.head_button.setEnabled(m is not None and m.status == STATUS_ALIVE and m.id != self.model.head_id)
        self.split_button.setEnabled(len(alive) >= 2)
        self.add_button.setEnabled(self.family is not None)

    def _changed(self) -> None:
        self.ctx.changed("family")
        self.ctx.changed("resident")

    # --- actions ---------------------------------------------------------------------------------

    def add_member(self) -> AddMemberDialog | None:
        if self.family is None:
            return None
        dialog = AddMemberDialog(self.ctx, self.family, self)
        dialog.accepted.connect(lambda: self._moved(dialog.result_))
        dialog.open()
        return dialog

    def move_selected(self) -> MoveMemberDialog | None:
        m = self.selected()
        if self.family is None or m is None:
            return None
        dialog = MoveMemberDialog(self.ctx, self.family, m, self)
        dialog.accepted.connect(lambda: self._moved(dialog.result_))
        dialog.open()
        return dialog

    def _moved(self, result: MoveResult | None) -> None:
        self._changed()
        if result is not None and result.old_family_needs_head:
            self.ask_new_head(result.old_family_needs_head)

    def split(self) -> SplitFamilyDialog | None:
        if self.family is None:
            return None
        dialog = SplitFamilyDialog(self.ctx, self.family, self)
        dialog.accepted.connect(lambda: self._split_done(dialog.result_))
        dialog.open()
        return dialog

    def _split_done(self, result: tuple[FamilyInfo, FamilyInfo] | None) -> None:
        self._changed()
        if result is None:
            return
        old, new = result
        msgbox.show_info(self, _("The new family card {kk} was made with {n} members.").format(
            kk=new.kk_number or _("(no No. KK yet)"), n=len(new.members)))
        if old.needs_head:
            self.ask_new_head(old.id)

    def ask_new_head(self, family_id: str) -> None:
        """The family lost its head: ask staff for the new one among its living members."""
        actor = self.ctx.require_actor()
        rs = self.ctx.services.residents

        def ask(family: FamilyInfo) -> None:
            alive = [m for m in family.members if m.status == STATUS_ALIVE]
            if not alive:
                return
            choice = ask_choice(self, _("Choose the head of family"),
                                _("The head of family {kk} left it. Who is the new head of family?").format(
                                    kk=family.kk_number or "-"),
                                [(f"{m.name} ({relation_name(m.family_relation)})", m.id) for m in alive])
            if choice is None:
                return  # the banner keeps reminding
            self.ctx.runner.write(lambda: rs.change_head(actor, family.id, choice), lambda _f: self._changed(),
                                  lambda e: msgbox.show_error(self, e))

        self.ctx.runner.run(lambda: rs.family(actor, family_id), ask, lambda e: msgbox.show_error(self, e))

    def make_head(self) -> None:
        m = self.selected()
        fam = self.family
        if fam is None or m is None or m.id == fam.head_resident_id:
            return
        old = fam.head
        old_relation = RELATION_OTHER
        if old is not None:
            options = [(relation_name(code), code) for code in code_list("hubungan_keluarga")
                       if code != RELATION_HEAD]
            default = OLD_HEAD_RELATION.get(m.family_relation or 0, RELATION_OTHER)
            current = next((i for i, (_label, code) in enumerate(options) if code == default), 0)
            chosen = ask_choice(self, _("Change the head of family"),
                                _("{new} becomes the head of family. What is {old} to {new} from now on?").format(
                                    new=m.name, old=old.name), options, current)
            if chosen is None:
                return
            old_relation = chosen
        elif not msgbox.confirm(self, _("Make {name} the head of family?").format(name=m.name)):
            return
        actor = self.ctx.require_actor()
        rs = self.ctx.services.residents
        self.ctx.runner.write(lambda: rs.change_head(actor, fam.id, m.id, old_head_relation=old_relation),
                              lambda _f: self._changed(), lambda e: msgbox.show_error(self, e))
