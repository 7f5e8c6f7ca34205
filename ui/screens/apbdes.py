"""APBDes: the year's budget as a tree with realization, induk vs perubahan, charts, keyboard-first line
entry with account and kegiatan pickers, the Siskeudes/template import, and the prints (poster and the
realization report) through the same preview as letters. Everything goes through ``ApbdesService``."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.budget.money import format_rupiah
from kiosk.i18n import N_, _
from kiosk.permissions import allowed
from ui import msgbox
from ui.context import AppContext

log = logging.getLogger(__name__)

TREE_COLUMNS = (N_("Code"), N_("Description"), N_("Budget"), N_("Realization"), N_("More/(less)"), "%")
NEXT_STATUS = {"draft": "disepakati_bpd", "disepakati_bpd": "dievaluasi", "dievaluasi": "ditetapkan"}
NEXT_LABEL = {"draft": N_("Agreed with the BPD…"), "disepakati_bpd": N_("Mark as evaluated…"),
              "dievaluasi": N_("Set the APBDes…")}


def _rp(value: Decimal) -> str:
    return format_rupiah(value, parentheses=True)


def _num_item(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class ApbdesScreen(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view: Any = None
        self.induk: Any = None
        self._charts_built = False
        column = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Budget year")))
        self.year = QComboBox()
        self.year.setObjectName("apbdes_year")
        top.addWidget(self.year)
        self.status = QLabel("")
        self.status.setObjectName("apbdes_status")
        self.status.setWordWrap(True)  # a long status must not widen the window past a 1366 px screen
        top.addWidget(self.status, 1)
        self.import_button = QPushButton(_("Import Siskeudes / template…"))
        self.import_button.clicked.connect(self.choose_import)
        top.addWidget(self.import_button)
        self.next_button = QPushButton("")
        self.next_button.setObjectName("apbdes_next")
        self.next_button.clicked.connect(self.next_status)
        top.addWidget(self.next_button)
        column.addLayout(top)
        prints = QHBoxLayout()
        for key, text in (("poster:A3", N_("Poster A3")), ("poster:A1", N_("Poster A1")),
                          ("report:semester1", N_("Report semester I")), ("report:akhir", N_("Report year end"))):
            b = QPushButton(_(text))
            b.setObjectName(f"apbdes_print_{key.replace(':', '_')}")
            b.clicked.connect(lambda _c=False, k=key: self.preview(k))
            prints.addWidget(b)
        prints.addStretch(1)
        column.addLayout(prints)
        self.totals = QLabel("")  # its own row: the totals read as one line, not squeezed beside the buttons
        self.totals.setObjectName("apbdes_totals")
        self.totals.setWordWrap(True)
        column.addWidget(self.totals)
        self.tabs = QTabWidget()
        self.tree = QTreeWidget()
        self.tree.setObjectName("apbdes_tree")
        self.tree.setHeaderLabels([_(c) for c in TREE_COLUMNS])
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.tabs.addTab(self.tree, _("Budget and realization"))
        self.compare = QTableWidget(0, 5)
        self.compare.setObjectName("apbdes_compare")
        self.compare.setHorizontalHeaderLabels([_("Code"), _("Description"), _("Induk"), _("Perubahan"),
                                                _("Difference")])
        self.compare.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.tabs.addTab(self.compare, _("Induk vs perubahan"))
        self.charts = QWidget()
        self.charts.setObjectName("apbdes_charts")
        QVBoxLayout(self.charts)
        self.tabs.addTab(self.charts, _("Charts"))
        self.entry = LineEntry(self)
        self.tabs.addTab(self.entry, _("Lines"))
        self.realization = RealizationEntry(self)
        self.tabs.addTab(self.realization, _("Realization entry"))
        self.tabs.currentChanged.connect(self._tab_changed)
        column.addWidget(self.tabs, 1)
        self.year.currentIndexChanged.connect(lambda _i: self.reload())
        ctx.signals.data_changed.connect(self._on_changed)
        self._fill_years()

    # --- data ----------------------------------------------------------------------------------

    def _fill_years(self) -> None:
        years = self.ctx.services.apbdes.years()
        this = dt.date.today().year
        self.year.blockSignals(True)
        self.year.clear()
        for y in sorted(set(years) | {this, this + 1}, reverse=True):
            self.year.addItem(str(y), y)
        if years:
            self.year.setCurrentIndex(self.year.findData(years[0]))
        self.year.blockSignals(False)
        self.reload()

    def current_year(self) -> int:
        return int(self.year.currentData() or dt.date.today().year)

    def _on_changed(self, entity: str) -> None:
        if entity in ("*", "apbdes"):
            self.reload()

    def on_shown(self) -> None:
        self.reload()

    def reload(self) -> None:
        actor = self.ctx.require_actor()
        year = self.current_year()
        service = self.ctx.services.apbdes

        def work() -> tuple[Any, Any]:
            from kiosk.errors import NotFound

            try:
                view = service.view(actor, year)
            except NotFound:
                return None, None
            induk = service.view(actor, year, 0) if view.apbdes.versi else None
            return view, induk

        self.ctx.runner.run(work, self._show, lambda e: msgbox.show_error(self, e))

    def _show(self, result: tuple[Any, Any]) -> None:
        from kiosk.budget.service import STATUS_LABELS

        self.view, self.induk = result
        self.tree.clear()
        self.compare.setRowCount(0)
        view = self.view
        self.entry.set_view(view)
        if view is None:
            self.status.setText(_("There is no APBDes for {year}.").format(year=self.current_year()))
            self.totals.setText("")
            self.next_button.hide()
            self._charts_built = False
            return
        a = view.apbdes
        self.status.setText(f"{a.label} — {_(STATUS_LABELS.get(a.status, a.status))}"
                            + (f" · Perdes {a.perdes_no}" if a.perdes_no else ""))
        nxt = NEXT_LABEL.get(a.status)
        self.next_button.setVisible(bool(nxt) and allowed(self.ctx.require_actor(), "apbdes.approve"))
        self.next_button.setText(_(nxt) if nxt else "")
        b = view.budget
        self.totals.setText(_("Surplus/(defisit) {s} · pembiayaan netto {n} · SiLPA {silpa}").format(
            s=_rp(b.surplus), n=_rp(b.pembiayaan_netto), silpa=_rp(b.silpa)))
        bold = QFont()
        bold.setBold(True)
        for top in view.tree:
            self.tree.addTopLevelItem(self._item(top, bold))
        for i in range(self.tree.topLevelItemCount()):
            self.tree.topLevelItem(i).setExpanded(True)
        for c in (0, 2, 3, 4, 5):
            self.tree.resizeColumnToContents(c)
        self._fill_compare()
        self._charts_built = False
        if self.tabs.currentWidget() is self.charts:
            self._build_charts()

    def _item(self, node: Any, bold: QFont) -> QTreeWidgetItem:
        pct = node.percent
        item = QTreeWidgetItem([node.code, node.name, _rp(node.budget), _rp(node.realization), _rp(node.difference),
                                "" if pct is None else f"{pct}".replace(".", ",")])
        for c in (2, 3, 4, 5):
            item.setTextAlignment(c, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if node.level <= 1:
            for c in range(6):
                item.setFont(c, bold)
        if node.realization > node.budget and node.code.startswith(("0", "5")):
            item.setForeground(3, QBrush(QColor("#b91c1c")))
        for child in node.children:
            item.addChild(self._item(child, bold))
        return item

    def _fill_compare(self) -> None:
        """Induk vs perubahan per jenis and per bidang (only when a perubahan exists)."""
        view, induk = self.view, self.induk
        if view is None or induk is None:
            self.compare.setRowCount(1)
            self.compare.setItem(0, 1, QTableWidgetItem(_("No APBDes Perubahan this year.")))
            return
        from kiosk.budget import ledger

        rows_new = [(ln.kode_rekening, ln.kode_kegiatan, ln.anggaran) for ln in view.lines]
        rows_old = [(ln.kode_rekening, ln.kode_kegiatan, ln.anggaran) for ln in induk.lines]
        out = []
        for by in ("jenis", "bidang"):
            new, old = ledger.per_group(rows_new, view.reference, by), ledger.per_group(rows_old, view.reference, by)
            for code in sorted(set(new) | set(old)):
                out.append((code, view.reference.name_of(code), old.get(code, Decimal(0)), new.get(code, Decimal(0))))
        self.compare.setRowCount(len(out))
        for r, (code, name, old_v, new_v) in enumerate(out):
            self.compare.setItem(r, 0, QTableWidgetItem(code))
            self.compare.setItem(r, 1, QTableWidgetItem(name))
            self.compare.setItem(r, 2, _num_item(_rp(old_v)))
            self.compare.setItem(r, 3, _num_item(_rp(new_v)))
            self.compare.setItem(r, 4, _num_item(_rp(new_v - old_v)))

    # --- charts (Qt Charts is imported only when this tab is first shown) -------------------------

    def _tab_changed(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.charts and not self._charts_built:
            self._build_charts()

    def _build_charts(self) -> None:
        from ui.screens.apbdes_charts import build_charts

        layout = self.charts.layout()
        while layout.count():
            w = layout.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        if self.view is not None:
            layout.addWidget(build_charts(self.view))
        self._charts_built = True

    # --- actions -------------------------------------------------------------------------------

    def choose_import(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Import APBDes"), str(Path.home()),
                                                    _("Siskeudes zip or template (*.zip *.xlsx *.csv)"))
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        """Dry run first; the report is shown; import only after the user agrees."""
        from kiosk.budget.importing import ImportRefused

        actor = self.ctx.require_actor()
        service = self.ctx.services.apbdes
        try:
            report = service.import_file(actor, path, dry_run=True)
        except Exception as e:  # noqa: BLE001 - shown to the user
            msgbox.show_error(self, e)
            return
        if not report.ok:
            msgbox.show_error(self, report.text(), _("Nothing was imported"))
            return
        if not msgbox.confirm(self, report.text() + "\n\n" + _("Import now?"), _("Check before import"),
                              yes=_("Import")):
            return

        def done(result: Any) -> None:
            self.ctx.changed("apbdes")
            self._fill_years()
            msgbox.show_info(self, result.text(), _("Imported"))

        def failed(error: BaseException) -> None:
            text = error.report.text() if isinstance(error, ImportRefused) else error
            msgbox.show_error(self, text)

        self.ctx.runner.write(lambda: service.import_file(actor, path), done, failed)

    def next_status(self) -> None:
        if self.view is None:
            return
        a = self.view.apbdes
        target = NEXT_STATUS.get(a.status)
        if target is None:
            return
        if not msgbox.confirm(self, _("Move {label} to the next step?").format(label=a.label)):
            return
        actor = self.ctx.require_actor()
        self.ctx.runner.write(lambda: self.ctx.services.apbdes.transition(actor, a.id, target),
                              lambda _r: self.ctx.changed("apbdes"), lambda e: msgbox.show_error(self, e))

    def preview(self, key: str) -> None:
        kind, arg = key.split(":")
        actor = self.ctx.require_actor()
        year = self.current_year()
        service = self.ctx.services.apbdes

        def work() -> bytes:
            if kind == "poster":
                return bytes(service.poster_pdf(actor, year, size=arg))
            return bytes(service.report_pdf(actor, year, arg))

        def done(pdf: bytes) -> None:
            from ui.dialogs.pdf_preview import open_preview

            name = f"apbdes-{year}-{arg.lower()}.pdf"
            self.last_preview = open_preview(self.ctx, pdf, self, title=_("APBDes {year}").format(year=year),
                                             file_name=name)

        self.ctx.runner.run(work, done, lambda e: msgbox.show_error(self, e))


class LineEntry(QWidget):
    """Keyboard-first line entry: type an account or kegiatan code or a word of its name (the pickers
    complete both), Tab through the fields, Enter adds the line and returns to the account (kegiatan and
    sumber dana stay for the next line); Delete removes the selected line."""

    def __init__(self, screen: ApbdesScreen) -> None:
        super().__init__(screen)
        self.screen = screen
        self.view: Any = None
        column = QVBoxLayout(self)
        form = QFormLayout()
        self.account = QLineEdit()
        self.account.setObjectName("line_account")
        self.account.setPlaceholderText(_("e.g. 5.2.1.01 or “alat tulis”"))
        self.kegiatan = QLineEdit()
        self.kegiatan.setObjectName("line_kegiatan")
        self.kegiatan.setPlaceholderText(_("e.g. 01.01.04 or “posyandu” (belanja only)"))
        self.uraian = QLineEdit()
        self.volume = QLineEdit()
        self.satuan = QLineEdit()
        self.price = QLineEdit()
        self.sumber = QComboBox()
        self.amount = QLineEdit()
        self.amount.setObjectName("line_amount")
        self.amount.setPlaceholderText(_("empty: volume × unit price"))
        self.lokasi = QLineEdit()
        for caption, w in ((_("Account"), self.account), (_("Kegiatan"), self.kegiatan), (_("Description"), self.uraian),
                           (_("Volume"), self.volume), (_("Unit"), self.satuan), (_("Unit price"), self.price),
                           (_("Sumber dana"), self.sumber), (_("Amount"), self.amount), (_("Location"), self.lokasi)):
            form.addRow(caption, w)
            if isinstance(w, QLineEdit):
                w.returnPressed.connect(self.add_line)
        column.addLayout(form)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(_("Add line (Enter)"))
        self.add_button.setObjectName("line_add")
        self.add_button.clicked.connect(self.add_line)
        buttons.addWidget(self.add_button)
        self.create_button = QPushButton(_("New APBDes for this year"))
        self.create_button.clicked.connect(self.create_budget)
        buttons.addWidget(self.create_button)
        self.hint = QLabel("")
        self.hint.setWordWrap(True)
        buttons.addWidget(self.hint, 1)
        column.addLayout(buttons)
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("line_table")
        self.table.setHorizontalHeaderLabels([_("Account"), _("Kegiatan"), _("Description"), _("Sumber dana"),
                                              _("Amount"), _("Location")])
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        column.addWidget(self.table, 1)
        QShortcut(QKeySequence(Qt.Key.Key_Delete), self.table, self.delete_line)
        self._completers_for: int | None = None

    def _pickers(self, year: int) -> None:
        if self._completers_for == year:
            return
        ref = self.screen.ctx.services.apbdes.reference(year)
        accounts = [f"{a.code} {a.name}" for a in ref.accounts.values() if a.level == 4]
        kegiatan = [f"{k.code} {k.name}" for k in ref.kegiatan.values()]
        for edit, items in ((self.account, accounts), (self.kegiatan, kegiatan)):
            completer = QCompleter(QStringListModel(items, edit), edit)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            edit.setCompleter(completer)
        self.sumber.clear()
        self.sumber.addItem("", "")
        for code, name in ref.sumber_dana.items():
            self.sumber.addItem(f"{code} — {name}", code)
        self._completers_for = year

    def set_view(self, view: Any) -> None:
        self.view = view
        self._pickers(self.screen.current_year())
        lines = view.lines if view is not None else []
        editable = view is not None and view.apbdes.status == "draft"
        self.add_button.setEnabled(editable)
        self.create_button.setVisible(view is None)
        self.hint.setText("" if editable or view is None else _("Only a draft APBDes can be edited."))
        self.table.setRowCount(len(lines))
        for r, ln in enumerate(lines):
            for c, text in enumerate((ln.kode_rekening, ln.kode_kegiatan or "", ln.uraian, ln.sumber_dana)):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, ln.id)
                self.table.setItem(r, c, item)
            self.table.setItem(r, 4, _num_item(format_rupiah(ln.anggaran)))
            self.table.setItem(r, 5, QTableWidgetItem(ln.lokasi))

    def create_budget(self) -> None:
        ctx = self.screen.ctx
        actor = ctx.require_actor()
        year = self.screen.current_year()
        ctx.runner.write(lambda: ctx.services.apbdes.create(actor, year), lambda _r: ctx.changed("apbdes"),
                         lambda e: msgbox.show_error(self, e))

    def add_line(self) -> None:
        from kiosk.budget.service import LineInput

        if self.view is None or not self.add_button.isEnabled():
            return
        ctx = self.screen.ctx
        actor = ctx.require_actor()
        data = LineInput(kode_rekening=self.account.text().split(" ")[0], anggaran=self.amount.text() or None,
                         kode_kegiatan=self.kegiatan.text().split(" ")[0] or None, uraian=self.uraian.text(),
                         volume=self.volume.text() or None, satuan=self.satuan.text(),
                         harga_satuan=self.price.text() or None, sumber_dana=self.sumber.currentData() or "",
                         lokasi=self.lokasi.text())
        apbdes_id = self.view.apbdes.id

        def done(_line: Any) -> None:
            # the kegiatan and sumber dana stay: the next line is usually of the same kegiatan
            for w in (self.account, self.uraian, self.volume, self.price, self.amount):
                w.clear()
            self.account.setFocus()
            ctx.changed("apbdes")

        ctx.runner.write(lambda: ctx.services.apbdes.add_line(actor, apbdes_id, data), done,
                         lambda e: msgbox.show_error(self, e))

    def delete_line(self) -> None:
        row = self.table.currentRow()
        if row < 0 or self.view is None:
            return
        line_id = self.table.item(row, 0).data(Qt.ItemDataRole.UserRole)
        ctx = self.screen.ctx
        actor = ctx.require_actor()
        ctx.runner.write(lambda: ctx.services.apbdes.delete_line(actor, line_id), lambda _r: ctx.changed("apbdes"),
                         lambda e: msgbox.show_error(self, e))


class RealizationEntry(QWidget):
    """One realization entry typed in (a receipt or a payment not from Siskeudes): appended to the ledger;
    beyond the budget is a warning, never a refusal. Corrections are new entries (the command line and the
    service offer them)."""

    def __init__(self, screen: ApbdesScreen) -> None:
        super().__init__(screen)
        self.screen = screen
        form = QFormLayout(self)
        self.date = QLineEdit(dt.date.today().isoformat())
        self.date.setObjectName("real_date")
        self.account = QLineEdit()
        self.account.setObjectName("real_account")
        self.kegiatan = QLineEdit()
        self.kegiatan.setObjectName("real_kegiatan")
        self.sumber = QLineEdit()
        self.sumber.setObjectName("real_sumber")
        self.amount = QLineEdit()
        self.amount.setObjectName("real_amount")
        self.bukti = QLineEdit()
        for caption, w in ((_("Date (YYYY-MM-DD)"), self.date), (_("Account"), self.account),
                           (_("Kegiatan"), self.kegiatan), (_("Sumber dana"), self.sumber), (_("Amount"), self.amount),
                           (_("Receipt number"), self.bukti)):
            form.addRow(caption, w)
            w.returnPressed.connect(self.record)
        self.button = QPushButton(_("Record (Enter)"))
        self.button.setObjectName("real_record")
        self.button.clicked.connect(self.record)
        form.addRow("", self.button)
        self.result = QLabel("")
        self.result.setObjectName("real_result")
        self.result.setWordWrap(True)
        form.addRow("", self.result)

    def record(self) -> None:
        ctx = self.screen.ctx
        actor = ctx.require_actor()
        try:
            day = dt.date.fromisoformat(self.date.text().strip())
        except ValueError:
            msgbox.show_error(self, _("Write the date as 2025-03-31."))
            return
        args = {"tanggal": day, "kode_rekening": self.account.text().split(" ")[0],
                "kode_kegiatan": self.kegiatan.text().split(" ")[0] or None, "jumlah": self.amount.text(),
                "sumber_dana": self.sumber.text(), "bukti_no": self.bukti.text()}

        def done(result: Any) -> None:
            text = _("Recorded: Rp {amount}.").format(amount=format_rupiah(result.entry.jumlah))
            if result.warnings:
                text += "\n" + "\n".join(w.message() for w in result.warnings)
            self.result.setText(text)
            for w in (self.amount, self.bukti):
                w.clear()
            ctx.changed("apbdes")

        ctx.runner.write(lambda: ctx.services.apbdes.record_realization(actor, **args), done,
                         lambda e: msgbox.show_error(self, e))
