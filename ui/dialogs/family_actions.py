"""The dialogs behind the family view's actions: add a member (tambah anggota), move a member to another KK
(pindah KK) and split a KK (pecah KK). Each saves itself through the runner — validation errors inline,
NIK warnings asked with "Simpan tetap" — and keeps what the service returned in ``result_``.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.errors import ValidationError
from kiosk.i18n import _
from kiosk.refdata import code_list
from kiosk.services.residents import (
    RELATION_HEAD,
    RELATION_OTHER,
    STATUS_ALIVE,
    FamilyInfo,
    NikWarnings,
    ResidentRecord,
)
from kiosk.text import display_name
from ui import msgbox
from ui.context import AppContext
from ui.widgets.letter_form import ResidentSearch

ERROR_STYLE = "color: #b00020;"


def code_name(stem: str, code: int | None) -> str:
    return display_name(code_list(stem).name_of(code) or "") if code is not None else ""


def relation_name(code: int | None) -> str:
    return code_name("hubungan_keluarga", code)


def relation_combo(*, with_head: bool = True, placeholder: bool = True) -> QComboBox:
    """The SHDK code list as a combo box (data: the code); "— choose —" first when ``placeholder``."""
    combo = QComboBox()
    if placeholder:
        combo.addItem(_("— choose —"), None)
    for code, name in code_list("hubungan_keluarga").items():
        if with_head or code != RELATION_HEAD:
            combo.addItem(display_name(name), code)
    return combo


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
        self.setMinimumWidth(560)
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
        form.addRow(self.target_label)
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
            head=f"<b>{html.escape(head)}</b>", place=html.escape(place), n=len(family.members)))
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
        self.table.setAlternatingRowColors(True)
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
            combo = relation_combo(placeholder=False)
            combo.model().item(combo.findData(RELATION_HEAD)).setEnabled(False)  # set by "head" below
            combo.setCurrentIndex(max(0, combo.findData(m.family_relation if m.family_relation != RELATION_HEAD
                                                        else RELATION_OTHER)))
            combo.setProperty("relation", combo.currentData())
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
        ticked = self.checked()
        for m, combo in zip(self.members, self.relations, strict=True):
            if m.id == head:
                if combo.currentData() != RELATION_HEAD:
                    combo.setProperty("relation", combo.currentData())
                    combo.setCurrentIndex(combo.findData(RELATION_HEAD))
            elif combo.currentData() == RELATION_HEAD:
                combo.setCurrentIndex(max(0, combo.findData(combo.property("relation"))))
            combo.setEnabled(m.id in ticked and m.id != head)

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
