"""Buku Catatan: the books staff write by hand — temporary residents (Buku Penduduk Sementara, A.4),
incoming letters (Buku Agenda surat masuk) and letters sent out (Buku Ekspedisi): a form to add, the
list below, and (for temporary residents) recording the departure."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.books.catalog import BOOKS, Filters
from kiosk.books.export import BookService, leaf_labels
from kiosk.books.registers import RegisterService, list_temporaries
from kiosk.i18n import N_, _
from ui import msgbox
from ui.context import AppContext
from ui.models.book_rows import BookRowsModel


def _date_edit(optional: bool = False) -> QDateEdit:
    w = QDateEdit()
    w.setCalendarPopup(True)
    w.setDisplayFormat("dd-MM-yyyy")
    today = dt.date.today()
    w.setDate(QDate(today.year, today.month, today.day))
    if optional:
        w.setMinimumDate(QDate(1900, 1, 1))
        w.setSpecialValueText(_("(none)"))
        w.setDate(w.minimumDate())
    return w


def _value(w: QDateEdit) -> str:
    if w.specialValueText() and w.date() == w.minimumDate():
        return ""
    d = w.date()
    return f"{d.year():04d}-{d.month():02d}-{d.day():02d}"


class _BookTab(QWidget):
    """A form of text and date fields over the list of one book."""

    book = ""
    fields: tuple[tuple[str, str, str], ...] = ()  # (key, label, kind: text | date | date? | sex)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.registers = RegisterService(ctx.services.store)
        self.books = BookService(ctx.services.store)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.inputs: dict[str, Any] = {}
        for key, label, kind in self.fields:
            if kind == "sex":
                w: Any = QComboBox()
                w.addItem(_("Male"), 1)
                w.addItem(_("Female"), 2)
            elif kind.startswith("date"):
                w = _date_edit(optional=kind.endswith("?"))
            else:
                w = QLineEdit()
            w.setObjectName(key)
            self.inputs[key] = w
            form.addRow(_(label), w)
        layout.addLayout(form)
        row = QHBoxLayout()
        self.add_button = QPushButton(_("Add to the book"))
        self.add_button.clicked.connect(self.add)
        row.addWidget(self.add_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.model = BookRowsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        layout.addWidget(self.table, 1)
        self.refresh()

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, _label, kind in self.fields:
            w = self.inputs[key]
            out[key] = w.currentData() if kind == "sex" else _value(w) if kind.startswith("date") else w.text()
        return out

    def save(self, values: dict[str, Any]) -> Any:
        raise NotImplementedError

    def add(self) -> None:
        values = self.values()
        self.ctx.runner.write(lambda: self.save(values), lambda _r: self._added(), lambda e: msgbox.show_error(self, e))

    def _added(self) -> None:
        for key, _label, kind in self.fields:
            if kind == "text":
                self.inputs[key].clear()
        self.ctx.changed(self.book)
        self.refresh()

    def refresh(self) -> None:
        actor = self.ctx.require_actor()
        today = dt.date.today()
        f = Filters(dt.date(today.year - 1, 1, 1), today)
        self.ctx.runner.run(lambda: self.books.rows(actor, self.book, f),
                            self._show_rows,
                            lambda e: msgbox.show_error(self, e))


    def _show_rows(self, result: Any) -> None:
        self.model.set_rows(leaf_labels(BOOKS[self.book].columns), result.rows)
        self.table.resizeColumnsToContents()


class TemporaryTab(_BookTab):
    book = "sementara"
    fields = (("name", N_("Full name"), "text"), ("sex", N_("Sex"), "sex"), ("id_number", N_("Identity number (NIK/passport)"), "text"),
              ("origin", N_("Came from"), "text"), ("purpose", N_("Purpose of the stay"), "text"),
              ("host_name", N_("Staying with"), "text"), ("dusun", N_("Dusun"), "text"), ("rt", N_("RT"), "text"),
              ("rw", N_("RW"), "text"), ("arrived_on", N_("Arrived on"), "date"), ("departed_on", N_("Left on"), "date?"))

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        row = QHBoxLayout()
        self.staying = QComboBox()
        self.staying.setObjectName("staying")
        self.depart_date = _date_edit()
        self.depart_button = QPushButton(_("Record departure"))
        self.depart_button.clicked.connect(self.depart)
        row.addWidget(QLabel(_("Staying now")))
        row.addWidget(self.staying, 1)
        row.addWidget(self.depart_date)
        row.addWidget(self.depart_button)
        self.layout().insertLayout(2, row)  # type: ignore[union-attr]
        self._load_staying()

    def save(self, values: dict[str, Any]) -> Any:
        return self.registers.add_temporary(self.ctx.require_actor(), values)

    def _added(self) -> None:
        super()._added()
        self._load_staying()

    def _load_staying(self) -> None:
        actor = self.ctx.require_actor()
        store = self.ctx.services.store

        def fill(items: list[Any]) -> None:
            self.staying.clear()
            for t in items:
                self.staying.addItem(f"{t.name} — {t.arrived_on:%d-%m-%Y}", t.id)
            self.depart_button.setEnabled(bool(items))

        self.ctx.runner.run(lambda: list_temporaries(store, actor, staying_only=True), fill,
                            lambda e: msgbox.show_error(self, e))

    def depart(self) -> None:
        temp_id = self.staying.currentData()
        if not temp_id:
            return
        actor = self.ctx.require_actor()
        day = _value(self.depart_date)
        self.ctx.runner.write(lambda: self.registers.depart_temporary(actor, temp_id, day),
                              lambda _r: self._added(), lambda e: msgbox.show_error(self, e))


class IncomingTab(_BookTab):
    book = "agenda-masuk"
    fields = (("received_on", N_("Received on"), "date"), ("letter_number", N_("Letter number"), "text"),
              ("letter_date", N_("Letter date"), "date?"), ("sender", N_("Sender"), "text"), ("subject", N_("Subject"), "text"),
              ("disposition", N_("Disposition"), "text"))

    def save(self, values: dict[str, Any]) -> Any:
        return self.registers.add_incoming(self.ctx.require_actor(), values)


class DispatchTab(_BookTab):
    book = "ekspedisi"
    fields = (("sent_on", N_("Sent on"), "date"), ("letter_number", N_("Letter number"), "text"),
              ("letter_date", N_("Letter date"), "date?"), ("subject", N_("Subject"), "text"),
              ("addressee", N_("Sent to"), "text"))

    def save(self, values: dict[str, Any]) -> Any:
        return self.registers.add_dispatch(self.ctx.require_actor(), values)


class BukuCatatanScreen(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        title = QLabel(_("Office books"))
        title.setObjectName("ScreenTitle")
        layout.addWidget(title)
        self.tabs = QTabWidget()
        self.temporary = TemporaryTab(ctx)
        self.incoming = IncomingTab(ctx)
        self.dispatch = DispatchTab(ctx)
        self.tabs.addTab(self.temporary, _("Temporary residents (B.4)"))
        self.tabs.addTab(self.incoming, _("Incoming letters"))
        self.tabs.addTab(self.dispatch, _("Letters sent (ekspedisi)"))
        layout.addWidget(self.tabs)
