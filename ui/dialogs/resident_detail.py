"""Rincian penduduk: the resident's data, family members, event history, edit history and letters, with the
actions staff take from here (edit, the four events, missing/gone, kiosk PIN, the family card)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import N_, _
from kiosk.refdata import code_list
from kiosk.services.residents import ResidentRecord
from kiosk.text import display_name
from ui import msgbox
from ui.context import AppContext

EVENT_NAMES = {"birth": N_("Birth"), "death": N_("Death"), "move_in": N_("Move in"), "move_out": N_("Move out"),
               "status_change": N_("Status change")}


def _name(stem: str, code: int | None) -> str:
    return display_name(code_list(stem).name_of(code) or "") if code is not None else ""


def _table(headers: list[str], rows: list[list[str]]) -> QTableWidget:
    t = QTableWidget(len(rows), len(headers))
    t.setHorizontalHeaderLabels(headers)
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            t.setItem(i, j, QTableWidgetItem(value))
    t.resizeColumnsToContents()
    t.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    return t


class ResidentDetailDialog(QDialog):
    def __init__(self, ctx: AppContext, resident_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.resident_id = resident_id
        self.resize(760, 520)
        self.layout_ = QVBoxLayout(self)
        self.tabs = QTabWidget()
        self.layout_.addWidget(self.tabs)
        actions = QHBoxLayout()
        edit = QPushButton(_("Edit"))
        edit.setObjectName("action_edit")
        edit.clicked.connect(self.edit)
        actions.addWidget(edit)
        # The population events (peristiwa) in one menu: a row of nine buttons overwhelms new users.
        events = QToolButton()
        events.setObjectName("action_events")
        events.setText(_("Record an event") + " ▾")
        events.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(events)
        for label, kind in ((N_("Birth"), "birth"), (N_("Death"), "death"), (N_("Move out"), "move_out"),
                            (N_("Move in (returning)"), "move_in"), (N_("Missing"), "missing"),
                            (N_("Gone away"), "gone")):
            action = menu.addAction(_(label))
            action.setObjectName(f"action_{label.split()[0].lower()}")
            action.triggered.connect(lambda _checked=False, k=kind: self.record_event(k))
        events.setMenu(menu)
        actions.addWidget(events)
        pin = QPushButton(_("Set kiosk PIN"))
        pin.setObjectName("action_set")
        pin.clicked.connect(self.set_pin)
        actions.addWidget(pin)
        actions.addStretch(1)
        close = QPushButton(_("Close"))
        close.setObjectName("action_close")
        close.clicked.connect(self.accept)
        actions.addWidget(close)
        self.layout_.addLayout(actions)
        self.record: ResidentRecord | None = None
        self.reload()

    def reload(self) -> None:
        actor = self.ctx.require_actor()
        rs = self.ctx.services.residents
        rid = self.resident_id

        def load() -> Any:
            r = rs.get(actor, rid)
            fam = rs.family(actor, r.family_id) if r.family_id else None
            return r, fam, rs.events(actor, rid), rs.history(actor, rid)

        self.ctx.runner.run(load, self._show, lambda e: msgbox.show_error(self, e))

    def _show(self, loaded: Any) -> None:
        r, fam, events, history = loaded
        self.record = r
        self.setWindowTitle(r.name)
        self.tabs.clear()
        data = QWidget()
        form = QFormLayout(data)
        rows = [
            (N_("Name"), r.name), (N_("NIK"), r.nik or _("NIK belum ada")), (N_("No. KK"), r.kk_number or ""),
            (N_("Sex"), _name("jenis_kelamin", r.sex)),
            (N_("Place, date of birth"), f"{r.birth_place}, {r.birth_date.strftime('%d-%m-%Y') if r.birth_date else ''}"),
            (N_("Religion"), _name("agama", r.religion)), (N_("Marital status"), _name("status_perkawinan", r.marital_status)),
            (N_("Relation in family"), _name("hubungan_keluarga", r.family_relation)),
            (N_("Education (KK)"), _name("pendidikan_kk", r.education)), (N_("Occupation"), _name("pekerjaan", r.occupation)),
            (N_("Address"), f"{r.address} RT {r.rt or '-'} / RW {r.rw or '-'}, {r.dusun}"),
            (N_("Phone"), r.phone), (N_("Status"), _name("status_dasar", r.status)),
            (N_("Kiosk PIN"), _("set") if r.has_pin else _("not set")),
        ]  # fmt: skip
        for label, value in rows:
            form.addRow(_(label), QLabel(value))
        if r.nik_warnings:
            form.addRow(_("Accepted warnings"), QLabel(", ".join(w.get("code", "") for w in r.nik_warnings)))
        self.tabs.addTab(data, _("Data"))
        members = [[m.nik or "", m.name, _name("hubungan_keluarga", m.family_relation), _name("status_dasar", m.status)]
                   for m in (fam.members if fam else ())]
        family_tab = QWidget()
        v = QVBoxLayout(family_tab)
        if fam is not None:
            v.addWidget(QLabel(_("No. KK {kk}").format(kk=fam.kk_number or "-")))
            if fam.needs_head:
                v.addWidget(QLabel(_("This family has no head of family: choose one.")))
        v.addWidget(_table([_("NIK"), _("Name"), _("Relation"), _("Status")], members))
        if fam is not None:
            open_family = QPushButton(_("Open family card…"))
            open_family.setObjectName("openFamily")
            open_family.clicked.connect(lambda: self.open_family(fam.id))
            v.addWidget(open_family, 0, Qt.AlignmentFlag.AlignLeft)
        self.tabs.addTab(family_tab, _("Family"))
        self.tabs.addTab(_table([_("Date"), _("Event"), _("Details")],
                                [[e.event_date.strftime("%d-%m-%Y"), _(EVENT_NAMES.get(e.kind, e.kind)),
                                  ", ".join(f"{k}: {v}" for k, v in e.details.items() if v not in (None, ""))]
                                 for e in events]), _("Events"))
        self.tabs.addTab(_table([_("When"), _("Who"), _("What"), _("Fields")],
                                [[h.at.strftime("%d-%m-%Y %H.%M"), h.username, h.action, ", ".join(h.fields)]
                                 for h in history]), _("Edit history"))
        from ui.widgets.resident_letters import ResidentLetters

        self.tabs.addTab(ResidentLetters(self.ctx, r.id), _("Letters"))

    def edit(self) -> None:
        from ui.dialogs.resident_form import ResidentFormDialog

        if self.record is None:
            return
        if ResidentFormDialog(self.ctx, self.record, self).exec():
            self.reload()

    def open_family(self, family_id: str) -> Any:
        from ui.dialogs.family_view import FamilyViewDialog

        dialog = FamilyViewDialog(self.ctx, family_id, self)
        dialog.finished.connect(lambda _r: self.reload())
        dialog.open()
        return dialog

    def record_event(self, kind: str) -> None:
        from ui.dialogs.resident_events import EventDialog

        if self.record is None:
            return
        if EventDialog(self.ctx, kind, self.record, self).exec():
            self.reload()

    def set_pin(self) -> None:
        pin, ok = QInputDialog.getText(self, _("Set kiosk PIN"), _("New 6-digit PIN for the kiosk:"),
                                       QLineEdit.EchoMode.Password)
        if not ok:
            return
        again, ok = QInputDialog.getText(self, _("Set kiosk PIN"), _("The same PIN again:"),
                                         QLineEdit.EchoMode.Password)
        if not ok:
            return
        if again != pin:  # typed blind: a slip of the finger would lock the resident out
            msgbox.show_error(self, _("The two PINs differ. Nothing was changed; try again."))
            return
        actor = self.ctx.require_actor()
        rid = self.resident_id
        self.ctx.runner.write(lambda: self.ctx.services.residents.set_pin(actor, rid, pin),
                              lambda _r: self._pin_saved(pin), lambda e: msgbox.show_error(self, e))

    def _pin_saved(self, pin: str) -> None:
        self.reload()
        if not msgbox.confirm(self, _("The kiosk PIN was saved. Print a slip for the resident?"),
                              yes=_("Print slip"), no=_("No slip")):
            return
        actor = self.ctx.require_actor()
        rid = self.resident_id

        def show(pdf: bytes) -> None:
            from ui.dialogs.pdf_preview import PdfPreviewDialog

            PdfPreviewDialog(self.ctx, pdf, self, title=_("Kiosk PIN slip"), file_name="slip-pin.pdf").exec()

        self.ctx.runner.run(lambda: self.ctx.services.residents.pin_slip_pdf(actor, rid, pin), show,
                            lambda e: msgbox.show_error(self, e))
