"""Penduduk: search as you type over every resident, open one with Enter, register and import."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import _
from kiosk.refdata import code_list
from kiosk.services.residents_search import PAGE_SIZE, ResidentQuery, SearchPage
from kiosk.text import display_name
from ui import msgbox
from ui.context import AppContext
from ui.models.residents import ResidentTableModel


class _ResultsView(QTableView):
    """Enter opens the current resident; arrows move through the list."""

    def __init__(self, screen: PendudukScreen) -> None:
        super().__init__()
        self.screen = screen

    def keyPressEvent(self, event: Any) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.screen.open_current()
            return
        super().keyPressEvent(event)


class PendudukScreen(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._generation = 0
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText(_("Type a name, NIK or No. KK…"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.refresh)
        self.search.installEventFilter(self)
        top.addWidget(self.search, 3)
        self.dusun = QLineEdit()
        self.dusun.setPlaceholderText(_("Dusun"))
        self.dusun.textChanged.connect(self.refresh)
        top.addWidget(self.dusun, 1)
        self.status = QComboBox()
        self.status.addItem(_("All statuses"), None)
        for code, name in code_list("status_dasar").items():
            self.status.addItem(display_name(name), code)
        self.status.setCurrentIndex(1)  # HIDUP
        self.status.currentIndexChanged.connect(self.refresh)
        top.addWidget(self.status)
        new = QPushButton(_("New resident"))
        new.clicked.connect(self.new_resident)
        top.addWidget(new)
        imp = QPushButton(_("Import…"))
        imp.clicked.connect(self.import_file)
        top.addWidget(imp)
        layout.addLayout(top)
        self.model = ResidentTableModel(self)
        self.view = _ResultsView(self)
        self.view.setObjectName("results")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.view.horizontalHeader()
        # A whole NIK (16 digits) and each short column fit; the name takes the rest.
        for column in range(ResidentTableModel.COLUMN_COUNT):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.view.verticalHeader().hide()
        self.view.doubleClicked.connect(lambda _i: self.open_current())
        layout.addWidget(self.view)
        self.hint = QLabel()
        layout.addWidget(self.hint)
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self.search.setFocus)
        ctx.signals.data_changed.connect(self._on_changed)
        self.refresh()
        self.search.setFocus()

    def eventFilter(self, obj: Any, event: Any) -> bool:
        # Down arrow or Enter in the search box moves into the results
        if obj is self.search and event.type() == event.Type.KeyPress:
            if event.key() == Qt.Key.Key_Down and self.model.rowCount():
                self.view.setFocus()
                self.view.selectRow(0)
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.model.rowCount():
                if not self.view.currentIndex().isValid():
                    self.view.selectRow(0)
                self.open_current()
                return True
        return super().eventFilter(obj, event)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.search.setFocus()

    def query(self) -> ResidentQuery:
        return ResidentQuery(text=self.search.text(), dusun=self.dusun.text().strip() or None,
                             status=self.status.currentData())

    def refresh(self, *_args: Any) -> None:
        """Search for what is typed now; an answer to an older keystroke is dropped."""
        self._generation += 1
        generation = self._generation
        q = self.query()
        actor = self.ctx.require_actor()
        rs = self.ctx.services.residents

        def fetch(after: Any) -> SearchPage:
            return rs.search(actor, q, after=after, limit=PAGE_SIZE * 4)

        def done(page: SearchPage) -> None:
            if generation == self._generation:
                self.model.reset(page, fetch)
                self.hint.setText(_("No resident found.") if not page.rows else
                                  _("Enter opens the selected resident."))

        self.ctx.runner.run(lambda: fetch(None), done, lambda e: msgbox.show_error(self, e))

    def _on_changed(self, entity: str) -> None:
        if entity in ("resident", "family", "*"):
            self.refresh()

    def open_current(self) -> None:
        row = self.model.row_at(self.view.currentIndex().row() if self.view.currentIndex().isValid() else -1)
        if row is not None:
            self.open_resident(row.id)

    def open_resident(self, resident_id: str) -> Any:
        from ui.dialogs.resident_detail import ResidentDetailDialog

        dialog = ResidentDetailDialog(self.ctx, resident_id, self)
        dialog.open()
        return dialog

    def new_resident(self) -> None:
        from ui.dialogs.resident_form import ResidentFormDialog

        dialog = ResidentFormDialog(self.ctx, None, self)
        dialog.accepted.connect(lambda: self._created(dialog.saved))
        dialog.open()

    def _created(self, record: Any) -> None:
        """Say that the new resident is saved, and show them in the list (found by NIK or name)."""
        if record is None:
            return
        self.dusun.clear()
        self.status.setCurrentIndex(max(0, self.status.findData(record.status)))
        self.search.setText(record.nik or record.name)
        msgbox.show_info(self, _("{name} is saved as a new resident and shown in the list.").format(
            name=record.name))

    def import_file(self) -> None:
        from ui.dialogs.import_residents import ImportResidentsDialog

        ImportResidentsDialog(self.ctx, self).open()

    def current_index(self) -> QModelIndex:
        return self.view.currentIndex()
