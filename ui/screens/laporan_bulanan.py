"""Laporan Bulanan: compute a month's population report from the events, see it, close it (a snapshot
for the district), save or reprint its PDF, and re-open a closed month with a reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QFileDialog,
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
from kiosk.permissions import allowed
from kiosk.timezones import stamp, zone_for
from ui import msgbox
from ui.context import AppContext
from ui.models.book_rows import BookRowsModel
from ui.screens.surat import ask_reason

ROWS = (("start", "Penduduk awal bulan"), ("births", "Kelahiran"), ("deaths", "Kematian"),
        ("moved_in", "Pendatang"), ("moved_out", "Pindah/pergi"), ("end", "Penduduk akhir bulan"))


def last_month(today: dt.date | None = None) -> str:
    d = (today or dt.date.today()).replace(day=1) - dt.timedelta(days=1)
    return f"{d.year:04d}-{d.month:02d}"


def figure_rows(figures: dict[str, Any]) -> list[list[str]]:
    v = figures["village"]
    out = []
    for key, label in ROWS:
        p = v["persons"]
        out.append([label, str(p["WNI"]["L"][key]), str(p["WNI"]["P"][key]), str(p["WNA"]["L"][key]),
                    str(p["WNA"]["P"][key]), str(v["total"]["L"][key]), str(v["total"]["P"][key]),
                    str(v["total"]["all"][key])])
    return out


class LaporanBulananScreen(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.reports = ctx.services.monthly_reports
        self.info: Any = None
        self.zone = zone_for(ctx.services.office.profile().village_code)
        layout = QVBoxLayout(self)
        title = QLabel(_("Monthly population report"))
        title.setObjectName("ScreenTitle")
        layout.addWidget(title)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(_("Month (YYYY-MM)")))
        self.month = QLineEdit(last_month())
        self.month.setObjectName("month")
        self.month.setMaximumWidth(110)
        self.compute_button = QPushButton(_("Compute"))
        self.close_button = QPushButton(_("Close the month…"))
        self.reopen_button = QPushButton(_("Re-open…"))
        self.pdf_button = QPushButton(_("Save PDF…"))
        for w in (self.month, self.compute_button, self.close_button, self.reopen_button, self.pdf_button):
            bar.addWidget(w)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.state = QLabel("")
        self.state.setObjectName("state")
        self.state.setWordWrap(True)
        layout.addWidget(self.state)
        self.model = BookRowsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setMinimumHeight(260)
        layout.addWidget(self.table)
        self.families = QLabel("")
        layout.addWidget(self.families)
        layout.addStretch(1)
        may_close = allowed(ctx.require_actor(), "report.close")
        self.close_button.setVisible(may_close)
        self.reopen_button.setVisible(may_close)
        self.compute_button.clicked.connect(self.compute)
        self.month.returnPressed.connect(self.compute)
        self.close_button.clicked.connect(self.close_month)
        self.reopen_button.clicked.connect(self.reopen)
        self.pdf_button.clicked.connect(self.save_pdf)
        self._update_buttons()

    def _update_buttons(self) -> None:
        state = self.info.state if self.info is not None else None
        self.close_button.setEnabled(state in ("open", "reopened"))
        self.reopen_button.setEnabled(state == "closed")
        self.pdf_button.setEnabled(state is not None)

    def compute(self) -> None:
        actor = self.ctx.require_actor()
        month = self.month.text().strip()
        self.state.setText(_("Computing…"))
        self.ctx.runner.run(lambda: self.reports.compute(actor, month), self._show, self._failed)

    def _failed(self, error: BaseException) -> None:
        self.info = None
        self.model.set_rows([], [])
        self.state.setText(msgbox.error_text(error))
        self.families.setText("")
        self._update_buttons()

    def _show(self, info: Any) -> None:
        self.info = info
        labels = [_("Item"), "WNI L", "WNI P", "WNA L", "WNA P", _("Total L"), _("Total P"), "L+P"]
        self.model.set_rows(labels, figure_rows(info.figures))
        f = info.figures["village"]["families"]
        self.families.setText(_("Families (KK): {start} + {new} − {gone} = {end}").format(**f))
        if info.state == "closed":
            text = _("Closed (revision {revision}) on {at} by {by}.").format(
                revision=info.revision, at=stamp(info.closed_at, self.zone), by=info.closed_by)
            if info.differs_from_events:
                text += " " + _("Note: the events changed since this month was closed; re-open it to correct it.")
        elif info.state == "reopened":
            text = _("Re-opened: {reason}. Close it again when the corrections are done.").format(
                reason=info.reopen_reason or "")
        else:
            text = _("Not closed yet: these figures are provisional.")
        self.state.setText(text)
        self._update_buttons()

    def close_month(self) -> None:
        if self.info is None or not msgbox.confirm(
                self, _("Close the report for {month}? It is sent to the district and kept as it is now.").format(
                    month=self.info.month)):
            return
        actor = self.ctx.require_actor()
        month = self.info.month
        self.ctx.runner.write(lambda: self.reports.close(actor, month), lambda _i: self._done(), self._error)

    def reopen(self) -> None:
        if self.info is None:
            return
        reason = ask_reason(self, _("Re-open the month"), _("What must be corrected?"))
        if not reason:
            return
        actor = self.ctx.require_actor()
        month = self.info.month
        self.ctx.runner.write(lambda: self.reports.reopen(actor, month, reason), lambda _i: self._done(),
                              self._error)

    def _done(self) -> None:
        self.ctx.changed("monthly_report")
        self.compute()

    def _error(self, error: BaseException) -> None:
        msgbox.show_error(self, error)

    def save_pdf(self) -> None:
        if self.info is None:
            return
        path, _filter = QFileDialog.getSaveFileName(self, _("Save PDF"), f"laporan-bulanan-{self.info.month}.pdf",
                                                    "PDF (*.pdf)")
        if path:
            self.save_pdf_to(path)

    def save_pdf_to(self, path: str) -> None:
        actor = self.ctx.require_actor()
        month = self.info.month

        def work() -> Path:
            out = Path(path)
            out.write_bytes(self.reports.pdf(actor, month))
            return out

        self.ctx.runner.run(work, lambda p: msgbox.show_info(self, _("Saved to {path}").format(path=str(p))),
                            self._error)
