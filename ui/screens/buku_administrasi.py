"""Buku Administrasi: choose a book (A.1–A.5, agenda, ekspedisi), filter by period, dusun/RT/RW and a
search, see its rows, and export it to PDF or XLSX in the background with progress."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from kiosk.books.catalog import BOOKS, Filters
from kiosk.books.export import BookService, default_filters, leaf_labels
from kiosk.i18n import _
from ui import msgbox
from ui.context import AppContext
from ui.models.book_rows import BookRowsModel


class _Progress(QObject):
    """Progress from the worker thread, delivered on the GUI thread (queued signal)."""

    step = Signal(int, int)


def _qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


class BukuAdministrasiScreen(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = BookService(ctx.services.store)
        layout = QVBoxLayout(self)
        title = QLabel(_("Administration books"))
        title.setObjectName("ScreenTitle")
        layout.addWidget(title)

        form = QFormLayout()
        self.book = QComboBox()
        self.book.setObjectName("book")
        for name, book in BOOKS.items():
            self.book.addItem(f"{book.code} — {book.title}", name)
        form.addRow(_("Book"), self.book)
        period = QHBoxLayout()
        self.date_from = QDateEdit()
        self.date_to = QDateEdit()
        for w in (self.date_from, self.date_to):
            w.setCalendarPopup(True)
            w.setDisplayFormat("dd-MM-yyyy")
        period.addWidget(self.date_from)
        period.addWidget(QLabel(_("to")))
        period.addWidget(self.date_to)
        period.addStretch(1)
        form.addRow(_("Period"), period)
        place = QHBoxLayout()
        self.dusun = QLineEdit()
        self.dusun.setPlaceholderText(_("Dusun (all)"))
        self.rw = QLineEdit()
        self.rw.setPlaceholderText("RW")
        self.rw.setMaximumWidth(70)
        self.rt = QLineEdit()
        self.rt.setPlaceholderText("RT")
        self.rt.setMaximumWidth(70)
        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Search name, NIK, No. KK…"))
        for w in (self.dusun, self.rw, self.rt, self.search):
            place.addWidget(w)
        form.addRow(_("Where"), place)
        layout.addLayout(form)

        buttons = QHBoxLayout()
        self.show_button = QPushButton(_("Show"))
        self.pdf_button = QPushButton(_("Export PDF…"))
        self.xlsx_button = QPushButton(_("Export XLSX…"))
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.progress.setMaximumWidth(220)
        self.count = QLabel("")
        for w in (self.show_button, self.pdf_button, self.xlsx_button):
            buttons.addWidget(w)
        buttons.addWidget(self.progress)
        buttons.addStretch(1)
        buttons.addWidget(self.count)
        layout.addLayout(buttons)

        self.model = BookRowsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.setAlternatingRowColors(True)
        layout.addWidget(self.table, 1)

        self._progress = _Progress()
        self._progress.step.connect(self._on_progress)
        self.book.currentIndexChanged.connect(self._book_changed)
        self.show_button.clicked.connect(self.load)
        self.search.returnPressed.connect(self.load)
        self.pdf_button.clicked.connect(lambda: self.export("pdf"))
        self.xlsx_button.clicked.connect(lambda: self.export("xlsx"))
        self._book_changed()

    # -- filters ------------------------------------------------------------------------------------

    def _book_changed(self) -> None:
        f = default_filters(self.book.currentData())
        self.date_from.setDate(_qdate(f.date_from))
        self.date_to.setDate(_qdate(f.date_to))
        self.model.set_rows([], [])
        self.count.setText("")

    def filters(self) -> Filters:
        return Filters(_pydate(self.date_from.date()), _pydate(self.date_to.date()),
                       self.dusun.text().strip() or None, self.rw.text().strip() or None,
                       self.rt.text().strip() or None, self.search.text().strip())

    # -- showing and exporting ------------------------------------------------------------------------

    def load(self) -> None:
        actor = self.ctx.require_actor()
        name, filters = self.book.currentData(), self.filters()
        self.count.setText(_("Loading…"))
        self.ctx.runner.run(lambda: self.service.rows(actor, name, filters), self._show_rows, self._failed)

    def _show_rows(self, result: Any) -> None:
        self.model.set_rows(leaf_labels(result.book.columns), result.rows)
        self.table.resizeColumnsToContents()
        self.count.setText(_("{n} rows · {period}").format(n=len(result.rows), period=result.period))

    def _failed(self, error: BaseException) -> None:
        self.count.setText("")
        self.progress.setVisible(False)
        self._enable(True)
        msgbox.show_error(self, error)

    def export(self, kind: str) -> None:
        name = self.book.currentData()
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Export book"), f"buku-{name}-{_pydate(self.date_to.date()):%Y-%m-%d}.{kind}",
            "Excel (*.xlsx)" if kind == "xlsx" else "PDF (*.pdf)")
        if path:
            self.export_to(path, kind)

    def export_to(self, path: str, kind: str) -> None:
        if not path.lower().endswith("." + kind):
            path += "." + kind
        actor = self.ctx.require_actor()
        name, f = self.book.currentData(), self.filters()
        step = self._progress.step
        self.progress.setRange(0, 3)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self._enable(False)
        self.ctx.runner.run(
            lambda: self.service.export(actor, name, Path(path), date_from=f.date_from, date_to=f.date_to,
                                        dusun=f.dusun, rw=f.rw, rt=f.rt, search=f.search,
                                        progress=lambda done, total: step.emit(done, total)),
            self._exported, self._failed)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _exported(self, result: Any) -> None:
        self.progress.setVisible(False)
        self._enable(True)
        msgbox.show_info(self, _("{title}: {rows} rows written to {path}").format(
            title=result.title, rows=result.rows, path=result.path))

    def _enable(self, on: bool) -> None:
        for w in (self.show_button, self.pdf_button, self.xlsx_button):
            w.setEnabled(on)
