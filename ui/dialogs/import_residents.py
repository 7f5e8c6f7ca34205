"""Impor penduduk: choose an OpenSID workbook, import it off the GUI thread with progress, show the
exact summary (new, changed, unchanged, rejected with row, column and reason)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import _
from kiosk.services.residents_import import ImportReport
from ui import msgbox
from ui.context import AppContext


class _Progress(QObject):
    """Carries progress from the worker thread to the GUI thread (queued signal)."""

    changed = Signal(int, int)


def summary_text(report: ImportReport) -> str:
    from kiosk.services.import_report_text import report_lines

    return "\n".join(report_lines(report, limit=500))


class ImportResidentsDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.report: ImportReport | None = None
        self.setWindowTitle(_("Import residents"))
        self.resize(640, 420)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.path = QLineEdit()
        self.path.setPlaceholderText(_("OpenSID workbook (.xlsx, .xlsm) or CSV"))
        browse = QPushButton(_("Choose…"))
        browse.clicked.connect(self._browse)
        row.addWidget(self.path)
        row.addWidget(browse)
        layout.addLayout(row)
        self.dry_run = QCheckBox(_("Check only (write nothing)"))
        layout.addWidget(self.dry_run)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        layout.addWidget(self.progress)
        self.status = QLabel()
        layout.addWidget(self.status)
        self.summary = QPlainTextEdit()
        self.summary.setReadOnly(True)
        layout.addWidget(self.summary)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.start = self.buttons.addButton(_("Import"), QDialogButtonBox.ButtonRole.ActionRole)
        self.start.clicked.connect(self.run_import)
        self.save_list = self.buttons.addButton(_("Save the list of rejected rows and warnings…"),
                                                QDialogButtonBox.ButtonRole.ActionRole)
        self.save_list.clicked.connect(self.save_rejects)
        self.save_list.setEnabled(False)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._relay = _Progress()
        self._relay.changed.connect(self._on_progress)

    def _browse(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(self, _("Import residents"), "",
                                                    _("Spreadsheets (*.xlsx *.xlsm *.xls *.ods *.csv)"))
        if name:
            self.path.setText(name)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setValue(100 if total == 0 else done * 100 // total)
        self.status.setText(_("{done} of {total} rows written…").format(done=done, total=total))

    def run_import(self) -> None:
        path = Path(self.path.text().strip())
        actor = self.ctx.require_actor()
        dry = self.dry_run.isChecked()
        relay = self._relay
        self.start.setEnabled(False)
        self.status.setText(_("Reading the file…"))

        def work() -> Any:
            return self.ctx.services.residents.import_residents(
                actor, path, dry_run=dry, progress=lambda d, t: relay.changed.emit(d, t))

        self.ctx.runner.write(work, self._done, self._failed)

    def _done(self, report: ImportReport) -> None:
        self.report = report
        self.start.setEnabled(True)
        self.progress.setValue(100)
        self.status.setText(_("Done.") if report.ok else _("Nothing was imported."))
        self.summary.setPlainText(summary_text(report))
        self.save_list.setEnabled(bool(report.issues or report.warnings))
        if report.created or report.updated:
            self.ctx.changed("resident")

    def save_rejects(self) -> None:
        """Write the report's rejected rows and warnings as CSV (the same file as ``--rejects``)."""
        from kiosk.importer import write_rejects_csv

        report = self.report
        if report is None:
            return
        name, _filter = QFileDialog.getSaveFileName(self, _("Save the list of rejected rows and warnings…"),
                                                    "penolakan-impor.csv", _("CSV files (*.csv)"))
        if not name:
            return
        try:
            lines = write_rejects_csv(name, report.rejected_rows, warnings=report.warnings)
        except OSError as exc:
            msgbox.show_error(self, exc)
            return
        self.status.setText(_("{n} lines written to {path}.").format(n=lines, path=name))

    def _failed(self, error: BaseException) -> None:
        self.start.setEnabled(True)
        self.status.setText("")
        msgbox.show_error(self, error)
