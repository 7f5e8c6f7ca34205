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
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.errors import ValidationError
from kiosk.i18n import N_, _
from kiosk.refdata import code_list
from kiosk.services.residents import (
    RELATION_HEAD,
    RELATION_OTHER,
    STATUS_ALIVE,
    FamilyInfo,
    MoveResult,
    NikWarnings,
    ResidentRecord,
)
from ui import msgbox
from ui.context import AppContext
from ui.widgets.letter_form import ResidentSearch

_Index = QModelIndex | QPersistentModelIndex
ERROR_STYLE = "color: #b00020;"
# The old head's usual relation once the new head is: istri → suami, suami → istri, anak → orang tua...
OLD_HEAD_RELATION = {2: 3, 3: 2, 4: 7, 5: 8}


def _code_name(stem: str, code: int | None) -> str:
    return (code_list(stem).name_of(code) or "").title() if code is not None else ""


def relation_name(code: int | None) -> str:
    return _code_name("hubungan_keluarga", code)


def relation_combo(*, with_head: bool = True, placeholder: bool = True) -> QComboBox:
    """The SHDK code list as a combo box (data: the code); "— choose —" first when ``placeholder``."""
    combo = QComboBox()
    if placeholder:
        combo.addItem(_("— choose —"), None)
    for code, name in code_list("hubungan_keluarga").items():
        if with_head or code != RELATION_HEAD:
            combo.addItem(name.title(), code)
    return combo


def ask_choice(parent: QWidget | None, title: str, prompt: str, options: list[tuple[str, Any]],
               current: int = 0) -> Any | None:
    """One value picked from ``options`` (label, value), or None when cancelled. Tests patch this."""
    labels = [label for label, _value in options]
    label, ok = QInputDialog.getItem(parent, title, prompt, labels, current, False)
    if not ok or label not in labels:
        return None
    return options[labels.index(label)][1]


def _error_label() -> QLabel:
    label = QLabel("")
    label.setObjectName("error")
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.hide()
    return label


def _show_inline(label: QLabel, error: BaseException) -> bool:
    """Put a validation error's messages in ``label``; False when it is another kind of error."""
    if isinstance(error, ValidationError) and error.fields:
        label.setText("\n".join(error.field_messages().values()))
        label.show()
        return True
    return False


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
            return _code_name("jenis_kelamin", m.sex)
        if column == 4:
            return m.birth_date.strftime("%d-%m-%Y") if isinstance(m.birth_date, dt.date) else ""
        return _code_name("status_dasar", m.status)

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
            actions.addWidget(b)
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


# --- the dialogs behind the actions -----------------------------------------------------------------


class _SavingDialog(QDialog):
    """A dialog that saves through the runner: inline validation errors, NIK warnings asked once."""

    def __init__(self, ctx: AppContext, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.result_: Any = None
        self.error = _error_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(lambda: self.save(False))
        self.buttons.rejected.connect(self.reject)

    def work(self, accept_warnings: bool) -> Any:
        raise NotImplementedError

    def save(self, accept_warnings: bool = False) -> None:
        self.error.hide()
        try:
            work = self.work(accept_warnings)
        except ValueError as e:  # checked here before asking the service
            self.error.setText(str(e))
            self.error.show()
            return
        self.ctx.runner.write(work, self._done, self._failed)

    def _done(self, result: Any) -> None:
        self.result_ = result
        self.accept()

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, NikWarnings):
            if msgbox.confirm(self, error.user_message(), _("Save anyway?"), yes=_("Simpan tetap")):
                self.save(True)
            return
        if not _show_inline(self.error, error):
            msgbox.show_error(self, error)


class AddMemberDialog(_SavingDialog):
    """Tambah anggota: find a resident, choose their relation in this KK."""

    def __init__(self, ctx: AppContext, family: FamilyInfo, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.family = family
        self.setWindowTitle(_("Add a member to KK {kk}").format(kk=family.kk_number or "-"))
        self.resize(600, 460)
        layout = QVBoxLayout(self)
        hint = QLabel(_("A resident who is in another KK moves into this one."))
        hint.setStyleSheet("color: #4b5563;")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.search = ResidentSearch(ctx, self)
        layout.addWidget(self.search, 1)
        form = QFormLayout()
        self.relation = relation_combo(with_head=family.head_resident_id is None)
        self.relation.setObjectName("relation")
        form.addRow(_("Relation in family"), self.relation)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.search.chosen.connect(lambda _row: self.relation.setFocus())
        self.search.query.setFocus()

    def work(self, accept_warnings: bool) -> Any:
        row = self.search.selected()
        relation = self.relation.currentData()
        if row is None:
            raise ValueError(_("Find and choose a resident first."))
        if relation is None:
            raise ValueError(_("Choose the relation in the family."))
        if any(m.id == row.id for m in self.family.members):
            raise ValueError(_("{name} is already a member of this family.").format(name=row.name))
        actor = self.ctx.require_actor()
        rs = self.ctx.services.residents
        fid, rid = self.family.id, row.id
        return lambda: rs.add_member(actor, fid, rid, relation)


class MoveMemberDialog(_SavingDialog):
    """Pindah KK: the member joins the family with the No. KK typed here, with a new relation."""

    def __init__(self, ctx: AppContext, family: FamilyInfo, member: ResidentRecord,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.family, self.member = family, member
        self.target: FamilyInfo | None = None
        self.setWindowTitle(_("Move {name} to another KK").format(name=member.name))
        self.setMinimumWidth(480)
        form = QFormLayout(self)
        form.addRow(QLabel(f"<b>{member.name}</b> · {relation_name(member.family_relation)}"))
        self.kk = QLineEdit()
        self.kk.setObjectName("targetKk")
        self.kk.setPlaceholderText(_("No. KK (16 digits)"))
        self.kk.setMaxLength(20)
        form.addRow(_("To No. KK"), self.kk)
        self.target_label = QLabel(_("Type the 16 digits of the No. KK."))
        self.target_label.setObjectName("targetFamily")
        self.target_label.setWordWrap(True)
        self.target_label.setStyleSheet("color: #4b5563;")
        form.addRow("", self.target_label)
        self.relation = relation_combo()
        self.relation.setObjectName("relation")
        form.addRow(_("Relation in family"), self.relation)
        form.addRow(self.error)
        form.addRow(self.buttons)
        self.kk.textChanged.connect(self.look_up)
        self.ok_button.setEnabled(False)

    def look_up(self, text: str = "") -> None:
        digits = "".join(c for c in (text or self.kk.text()) if c.isdigit())
        self.target = None
        self.ok_button.setEnabled(False)
        if len(digits) != 16:
            self.target_label.setText(_("Type the 16 digits of the No. KK."))
            return
        actor = self.ctx.require_actor()
        rs = self.ctx.services.residents
        self.ctx.runner.run(lambda: rs.family_by_kk(actor, digits), lambda f: self._found(digits, f),
                            lambda e: self.target_label.setText(msgbox.error_text(e)))

    def _found(self, digits: str, family: FamilyInfo | None) -> None:
        if "".join(c for c in self.kk.text() if c.isdigit()) != digits:
            return  # typed on meanwhile
        if family is None:
            self.target_label.setText(_("No family has this No. KK."))
            return
        if family.id == self.family.id:
            self.target_label.setText(_("This is the member's own family."))
            return
        self.target = family
        head = family.head.name if family.head else _("no head of family")
        place = ", ".join(x for x in (family.address, f"RT {family.rt or '-'}/RW {family.rw or '-'}",
                                      family.dusun) if x)
        self.target_label.setText(_("Family of {head} · {place} · {n} members").format(
            head=head, place=place, n=len(family.members)))
        self.ok_button.setEnabled(True)

    def work(self, accept_warnings: bool) -> Any:
        relation = self.relation.currentData()
        if self.target is None:
            raise ValueError(_("No family has this No. KK."))
        if relation is None:
            raise ValueError(_("Choose the relation in the family."))
        actor = self.ctx.require_actor()
        rs = self.ctx.services.residents
        rid, fid = self.member.id, self.target.id
        return lambda: rs.move_member(actor, rid, fid, relation)


class SplitFamilyDialog(_SavingDialog):
    """Pecah KK: tick the members who leave, name the new head, give the new No. KK and address."""

    def __init__(self, ctx: AppContext, family: FamilyInfo, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.family = family
        self.members = [m for m in family.members if m.status == STATUS_ALIVE]
        self.setWindowTitle(_("Split KK {kk}").format(kk=family.kk_number or "-"))
        self.resize(640, 560)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Tick the members who move to the new family card, and their relation "
                                  "to its head:")))
        self.table = QTableWidget(len(self.members), 2)
        self.table.setObjectName("splitMembers")
        self.table.setHorizontalHeaderLabels([_("Member"), _("Relation in the new KK")])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.relations: list[QComboBox] = []
        for row, m in enumerate(self.members):
            item = QTableWidgetItem(f"{m.name}  ({relation_name(m.family_relation)})")
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.UserRole, m.id)
            self.table.setItem(row, 0, item)
            combo = relation_combo(with_head=False, placeholder=False)
            combo.setCurrentIndex(max(0, combo.findData(m.family_relation if m.family_relation != RELATION_HEAD
                                                        else RELATION_OTHER)))
            self.table.setCellWidget(row, 1, combo)
            self.relations.append(combo)
        self.table.resizeRowsToContents()
        layout.addWidget(self.table, 1)
        form = QFormLayout()
        self.head = QComboBox()
        self.head.setObjectName("newHead")
        form.addRow(_("Head of the new family"), self.head)
        self.kk = QLineEdit()
        self.kk.setObjectName("newKk")
        self.kk.setMaxLength(20)
        self.kk.setPlaceholderText(_("16 digits; empty if the No. KK is not issued yet"))
        form.addRow(_("New No. KK"), self.kk)
        self.address = QLineEdit(family.address)
        form.addRow(_("Address"), self.address)
        place = QHBoxLayout()
        self.rt = QLineEdit(family.rt)
        self.rw = QLineEdit(family.rw)
        self.dusun = QLineEdit(family.dusun)
        for w in (self.rt, self.rw):
            w.setMaxLength(3)
            w.setMaximumWidth(60)
        for label, w in ((_("RT"), self.rt), (_("RW"), self.rw), (_("Dusun"), self.dusun)):
            place.addWidget(QLabel(label))
            place.addWidget(w, 1 if w is self.dusun else 0)
        form.addRow(_("RT/RW"), place)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.table.itemChanged.connect(lambda _i: self._update_heads())
        self.head.currentIndexChanged.connect(lambda _i: self._update_relations())
        self._update_heads()

    def set_checked(self, resident_ids: list[str]) -> None:
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            wanted = item.data(Qt.ItemDataRole.UserRole) in resident_ids
            item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)

    def checked(self) -> list[str]:
        return [self.table.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(self.table.rowCount())
                if self.table.item(r, 0).checkState() == Qt.CheckState.Checked]

    def _update_heads(self) -> None:
        current = self.head.currentData()
        ids = self.checked()
        self.head.blockSignals(True)
        self.head.clear()
        self.head.addItem(_("— choose —"), None)
        for m in self.members:
            if m.id in ids:
                self.head.addItem(m.name, m.id)
        self.head.setCurrentIndex(max(0, self.head.findData(current)) if current in ids else
                                  (1 if len(ids) == 1 else 0))
        self.head.blockSignals(False)
        self._update_relations()

    def _update_relations(self) -> None:
        head = self.head.currentData()
        for m, combo in zip(self.members, self.relations, strict=True):
            combo.setEnabled(m.id != head)

    def set_head(self, resident_id: str) -> None:
        self.head.setCurrentIndex(max(0, self.head.findData(resident_id)))

    def work(self, accept_warnings: bool) -> Any:
        ids = self.checked()
        head = self.head.currentData()
        if not ids:
            raise ValueError(_("Tick at least one member."))
        if head is None:
            raise ValueError(_("Choose the head of the new family."))
        if len(ids) == len(self.members):
            raise ValueError(_("At least one member must stay in the old family card."))
        relations = {m.id: combo.currentData() for m, combo in zip(self.members, self.relations, strict=True)
                     if m.id in ids and m.id != head}
        actor = self.ctx.require_actor()
        rs = self.ctx.services.residents
        fid = self.family.id
        kk = self.kk.text().strip() or None
        address, rt, rw, dusun = self.address.text(), self.rt.text(), self.rw.text(), self.dusun.text()
        return lambda: rs.split_family(actor, fid, new_kk_number=kk, member_ids=ids, head_id=head,
                                       relations=relations, address=address, rt=rt, rw=rw, dusun=dusun,
                                       accept_warnings=accept_warnings)
