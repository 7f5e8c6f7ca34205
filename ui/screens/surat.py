"""Surat: the Buku Agenda Surat Keluar (register of issued letters) — view, reprint, batch print, void,
reissue, export."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import _
from kiosk.permissions import allowed
from ui import msgbox
from ui.context import AppContext
from ui.models.letters import LettersModel, attr, is_void

log = logging.getLogger(__name__)


def ask_reason(parent: QWidget | None, title: str, prompt: str) -> str | None:
    """A reason typed by the user (void, reject, cancel), or None when cancelled. Tests patch this."""
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    layout = QVBoxLayout(dialog)
    label = QLabel(prompt)
    label.setWordWrap(True)
    text = QPlainTextEdit()
    text.setObjectName("reason")
    text.setMaximumHeight(100)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.setEnabled(False)
    text.textChanged.connect(lambda: ok.setEnabled(len(text.toPlainText().strip()) >= 3))
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    for w in (label, text, buttons):
        layout.addWidget(w)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return text.toPlainText().strip() or None


def show_letter_pdf(ctx: AppContext, letter: Any, parent: QWidget | None = None) -> Any:
    """Open the preview of an issued letter's archived PDF; printing it counts a print (record_print).

    Returns the dialog when the runner is synchronous (tests), else None (it opens when the PDF is read)."""
    from ui.dialogs.pdf_preview import open_preview

    actor = ctx.require_actor()
    letters = ctx.services.letters
    letter_id = attr(letter, "id", "letter_id")
    number = str(attr(letter, "number", default="") or "")
    opened: list[Any] = []

    def printed() -> None:
        ctx.runner.write(lambda: letters.record_print(actor, letter_id), lambda _r: ctx.changed("letter"),
                         lambda e: msgbox.show_error(parent, e))

    def show(pdf: bytes) -> None:
        opened.append(open_preview(ctx, pdf, parent, title=_("Letter {number}").format(number=number),
                                   file_name=_safe_file_name(number) + ".pdf", on_printed=printed))

    ctx.runner.run(lambda: letters.letter_pdf(actor, letter_id), show, lambda e: msgbox.show_error(parent, e))
    return opened[0] if opened else None


def _safe_file_name(number: str) -> str:
    return "surat-" + "".join(c if c.isalnum() or c in "-." else "-" for c in number).strip("-")


class SuratScreen(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        actor = ctx.require_actor()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.addWidget(QLabel(f"<h2>{_('Register of outgoing letters')}</h2>"))

        top = QHBoxLayout()
        self.new_button = QPushButton(_("New letter…"))
        self.new_button.setObjectName("newLetter")
        self.new_button.setProperty("primary", True)
        top.addWidget(self.new_button)
        top.addSpacing(16)
        top.addWidget(QLabel(_("Year")))
        self.year = QSpinBox()
        self.year.setObjectName("registerYear")
        self.year.setRange(2000, 2100)
        self.year.setValue(dt.date.today().year)
        top.addWidget(self.year)
        self.search = QLineEdit()
        self.search.setObjectName("registerSearch")
        self.search.setPlaceholderText(_("Search number, type or resident…"))
        self.search.setClearButtonEnabled(True)
        top.addWidget(self.search, 1)
        self.export_xlsx = QPushButton(_("Export XLSX…"))
        self.export_pdf = QPushButton(_("Export PDF…"))
        top.addWidget(self.export_xlsx)
        top.addWidget(self.export_pdf)
        layout.addLayout(top)

        self.model = LettersModel()
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.table = QTableView()
        self.table.setObjectName("registerTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the register's own order: by number
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.ExtendedSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        layout.addWidget(self.table, 1)

        actions = QHBoxLayout()
        self.view_button = QPushButton(_("View / reprint…"))
        self.view_button.setObjectName("reprint")
        self.batch_button = QPushButton(_("Print selected as one PDF…"))
        self.batch_button.setObjectName("batchPrint")
        self.batch_button.setVisible(allowed(actor, "letter.batch_print"))
        self.void_button = QPushButton(_("Void letter…"))
        self.void_button.setObjectName("voidLetter")
        self.void_button.setVisible(allowed(actor, "letter.void"))
        self.reissue_button = QPushButton(_("Reissue…"))
        self.reissue_button.setObjectName("reissueLetter")
        self.reissue_button.setToolTip(_("A corrected letter under a new number; this one becomes void."))
        self.reissue_button.setVisible(allowed(actor, "letter.void") and allowed(actor, "letter.issue"))
        self.last_preview: Any = None
        self.count_label = QLabel("")
        for b in (self.view_button, self.batch_button, self.void_button, self.reissue_button):
            actions.addWidget(b)
        actions.addStretch(1)
        layout.addWidget(self.count_label)  # its own line: the buttons' row fits a 1280-px screen
        layout.addLayout(actions)

        self.new_button.clicked.connect(self.new_letter)
        self.year.valueChanged.connect(lambda _y: self.refresh())
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.table.doubleClicked.connect(lambda _i: self.view_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.view_button.clicked.connect(self.view_selected)
        self.batch_button.clicked.connect(self.batch_print)
        self.void_button.clicked.connect(self.void_selected)
        self.reissue_button.clicked.connect(self.reissue_selected)
        self.export_xlsx.clicked.connect(lambda: self.export("xlsx"))
        self.export_pdf.clicked.connect(lambda: self.export("pdf"))
        ctx.signals.data_changed.connect(self._on_changed)
        self.refresh()

    # --- data ------------------------------------------------------------------------------------

    def _on_changed(self, entity: str) -> None:
        if entity in ("letter", "office_profile", "*"):
            self.refresh()

    def refresh(self) -> None:
        actor = self.ctx.require_actor()
        letters = self.ctx.services.letters
        year = self.year.value()

        def load() -> tuple[list[Any], dict[str, str]]:
            return letters.register(actor, year=year), {t.code: t.title for t in letters.catalog()}

        self.ctx.runner.run(load, self._loaded, lambda e: msgbox.show_error(self, e))

    def _loaded(self, result: tuple[list[Any], dict[str, str]]) -> None:
        rows, titles = result
        self.model.set_rows(rows, titles)
        issued = sum(1 for r in rows if not is_void(r) and attr(r, "state", default="used") != "unused")
        self.count_label.setText(_("{n} letters issued in {year}").format(n=issued, year=self.year.value()))
        self._update_buttons()

    def selected(self) -> list[Any]:
        rows = sorted({self.proxy.mapToSource(i).row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.record(r) for r in rows]

    def select_numbers(self, numbers: list[str]) -> None:
        """Select the rows with these letter numbers (tests, and after issuing)."""
        self.table.clearSelection()
        flags = self.table.selectionModel().SelectionFlag
        for r in range(self.proxy.rowCount()):
            rec = self.model.record(self.proxy.mapToSource(self.proxy.index(r, 0)).row())
            if attr(rec, "number") in numbers:
                self.table.selectionModel().select(self.proxy.index(r, 0), flags.Select | flags.Rows)

    def _ids(self, records: list[Any]) -> list[str]:
        return [i for i in (attr(r, "letter_id", "id") for r in records) if i]

    def _update_buttons(self) -> None:
        sel = self.selected()
        live = [r for r in sel if not is_void(r) and self._ids([r])]
        self.view_button.setEnabled(len(sel) == 1 and bool(self._ids(sel)))
        self.batch_button.setEnabled(len(live) >= 1)
        self.void_button.setEnabled(len(live) == 1 and len(sel) == 1)
        self.reissue_button.setEnabled(len(sel) == 1 and bool(self._ids(sel)))

    # --- actions ---------------------------------------------------------------------------------

    def new_letter(self) -> None:
        from ui.dialogs.new_letter import NewLetterDialog

        NewLetterDialog(self.ctx, self).exec()

    def view_selected(self) -> Any:
        sel = self.selected()
        if len(sel) != 1 or not self._ids(sel):
            return None
        rec = sel[0]
        return show_letter_pdf(self.ctx, {"id": self._ids(sel)[0], "number": attr(rec, "number")}, self)

    def batch_print(self) -> Any:
        """All selected issued letters (void ones left out) as one PDF, printed in one job."""
        from ui.dialogs.pdf_preview import open_preview

        records = [r for r in self.selected() if not is_void(r)]
        ids = self._ids(records)
        if not ids:
            return None
        actor = self.ctx.require_actor()
        letters = self.ctx.services.letters
        opened: list[Any] = []

        def printed() -> None:
            self.ctx.runner.write(lambda: letters.record_prints(actor, ids), lambda _r: self.ctx.changed("letter"), lambda e: msgbox.show_error(self, e))

        def show(pdf: bytes) -> None:
            opened.append(open_preview(self.ctx, pdf, self, title=_("{n} letters").format(n=len(ids)),
                                       file_name=f"surat-{len(ids)}.pdf", on_printed=printed))

        self.ctx.runner.run(lambda: letters.batch_pdf(actor, ids), show, lambda e: msgbox.show_error(self, e))
        return opened[0] if opened else None

    def void_selected(self) -> None:
        sel = [r for r in self.selected() if not is_void(r)]
        ids = self._ids(sel)
        if len(ids) != 1:
            return
        number = attr(sel[0], "number", default="")
        reason = ask_reason(self, _("Void letter"), _("Why is letter {number} void? Its number stays used and "
                                                      "shows as void in the register.").format(number=number))
        if not reason:
            return
        actor = self.ctx.require_actor()
        letters = self.ctx.services.letters
        self.ctx.runner.write(lambda: letters.void(actor, ids[0], reason), lambda _r: self.ctx.changed("letter"),
                              lambda e: msgbox.show_error(self, e))

    def reissue_selected(self) -> None:
        """Terbitkan ulang: a new letter with the same data under a new number; the old one is voided."""
        sel = self.selected()
        ids = self._ids(sel)
        if len(sel) != 1 or len(ids) != 1:
            return
        number = attr(sel[0], "number", default="")
        reason = ask_reason(self, _("Reissue letter"), _("Why is letter {number} reissued? It becomes void and "
                                                         "a new letter gets a new number.").format(number=number))
        if not reason:
            return
        actor = self.ctx.require_actor()
        letters = self.ctx.services.letters

        def done(new: Any) -> None:
            self.ctx.changed("letter")
            self.select_numbers([new.number])
            self.last_preview = show_letter_pdf(self.ctx, new, self)

        self.ctx.runner.write(lambda: letters.reissue(actor, ids[0], reason=reason), done,
                              lambda e: msgbox.show_error(self, e))

    def export(self, kind: str) -> None:
        year = self.year.value()
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Export register"), f"buku-agenda-surat-keluar-{year}.{kind}",
            "Excel (*.xlsx)" if kind == "xlsx" else "PDF (*.pdf)")
        if path:
            self.export_to(path, kind)

    def export_to(self, path: str, kind: str) -> None:
        if not path.lower().endswith("." + kind):
            path += "." + kind
        actor = self.ctx.require_actor()
        letters = self.ctx.services.letters
        year = self.year.value()
        self.ctx.runner.run(lambda: letters.export_register(actor, year, path),
                            lambda p: msgbox.show_info(self, _("Saved to {path}").format(path=str(p))),
                            lambda e: msgbox.show_error(self, e))
