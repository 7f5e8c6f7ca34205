"""Permohonan: the queue of letter requests from the counter (loket) and the kiosk (kios).

Filter by state and channel; supervisors approve one or several at once; reject or cancel with a
reason; issue an approved (or approval-free) request and print it from the preview.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import N_, _
from kiosk.permissions import allowed
from ui import msgbox
from ui.context import AppContext
from ui.models.letters import RequestsModel, attr, channel_label, fmt_date, status_label
from ui.screens import surat

log = logging.getLogger(__name__)

OPEN = "open"  # waiting or approved: what still needs the office (the default view)
STATUS_FILTERS = ((OPEN, N_("Open (waiting or approved)")), ("diajukan", N_("Waiting")), ("disetujui", N_("Approved")), ("diterbitkan", N_("Issued")),
                  ("ditolak", N_("Rejected")), ("dibatalkan", N_("Cancelled")), (None, N_("All")))
CHANNEL_FILTERS = ((None, N_("Counter and kiosk")), ("loket", N_("Counter")), ("kios", N_("Kiosk")))


def waiting_badge(ctx: AppContext) -> int:
    """The navigation count: requests waiting, from the counter and the kiosk together."""
    counts = ctx.services.letters.waiting_counts()
    return int(sum(counts.values()))


class PermohonanScreen(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        actor = ctx.require_actor()
        self.can_approve = allowed(actor, "letter.approve")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        heading = QHBoxLayout()
        heading.addWidget(QLabel(f"<h2>{_('Letter requests')}</h2>"))
        self.waiting = QLabel("")
        self.waiting.setObjectName("waitingCounts")
        heading.addWidget(self.waiting, 1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout.addLayout(heading)

        top = QHBoxLayout()
        self.new_button = QPushButton(_("New letter…"))
        self.new_button.setObjectName("newLetter")
        self.new_button.setProperty("primary", True)
        top.addWidget(self.new_button)
        top.addSpacing(16)
        top.addWidget(QLabel(_("Show")))
        self.status = QComboBox()
        self.status.setObjectName("statusFilter")
        for code, label in STATUS_FILTERS:
            self.status.addItem(_(label), code)
        self.channel = QComboBox()
        self.channel.setObjectName("channelFilter")
        for code, label in CHANNEL_FILTERS:
            self.channel.addItem(_(label), code)
        top.addWidget(self.status)
        top.addWidget(self.channel)
        top.addStretch(1)
        self.refresh_button = QPushButton(_("Refresh"))
        top.addWidget(self.refresh_button)
        layout.addLayout(top)

        self.model = RequestsModel()
        self.table = QTableView()
        self.table.setObjectName("requestsTable")
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.ExtendedSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.detail = QLabel("")
        self.detail.setObjectName("requestDetail")
        self.detail.setWordWrap(True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setStyleSheet("background: white; border: 1px solid #e5e7eb; padding: 8px;")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout.addWidget(split, 1)

        actions = QHBoxLayout()
        self.approve_button = QPushButton(_("Approve"))
        self.approve_button.setObjectName("approve")
        self.approve_button.setVisible(self.can_approve)
        self.reject_button = QPushButton(_("Reject…"))
        self.reject_button.setObjectName("reject")
        self.reject_button.setVisible(self.can_approve)
        self.issue_button = QPushButton(_("Issue letter"))
        self.issue_button.setObjectName("issue")
        self.issue_button.setProperty("primary", True)
        self.cancel_button = QPushButton(_("Cancel request…"))
        self.cancel_button.setObjectName("cancelRequest")
        for b in (self.approve_button, self.reject_button, self.issue_button):
            actions.addWidget(b)
        actions.addStretch(1)
        actions.addWidget(self.cancel_button)
        layout.addLayout(actions)
        legend = QLabel(_("✱ needs a supervisor's approval. Select several rows (Ctrl or Shift) to approve "
                          "them at once."))
        legend.setStyleSheet("color: #4b5563;")
        layout.addWidget(legend)

        self.new_button.clicked.connect(self.new_letter)
        self.status.currentIndexChanged.connect(lambda _i: self.refresh())
        self.channel.currentIndexChanged.connect(lambda _i: self.refresh())
        self.refresh_button.clicked.connect(self.refresh)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._selection_changed())
        self.table.doubleClicked.connect(lambda _i: self.issue_selected())
        self.approve_button.clicked.connect(self.approve_selected)
        self.reject_button.clicked.connect(self.reject_selected)
        self.issue_button.clicked.connect(self.issue_selected)
        self.cancel_button.clicked.connect(self.cancel_selected)
        ctx.signals.data_changed.connect(self._on_changed)
        self.refresh()

    # --- data ------------------------------------------------------------------------------------

    def _on_changed(self, entity: str) -> None:
        if entity in ("letter_request", "letter", "resident", "*"):
            self.refresh()

    def set_filters(self, status: str | None = OPEN, channel: str | None = None) -> None:
        self.status.blockSignals(True)
        self.status.setCurrentIndex(self.status.findData(status))
        self.status.blockSignals(False)
        self.channel.setCurrentIndex(self.channel.findData(channel))
        self.refresh()

    def refresh(self) -> None:
        actor = self.ctx.require_actor()
        letters = self.ctx.services.letters
        status, channel = self.status.currentData(), self.channel.currentData()

        def load() -> tuple[list[Any], dict[str, str], dict[str, int], dict[str, bool]]:
            catalog = letters.catalog()
            if status == OPEN:  # approved requests stay in view until the letter is issued
                found = [r for st in ("diajukan", "disetujui")
                         for r in letters.list_requests(actor, status=st, channel=channel)]
            else:
                found = letters.list_requests(actor, status=status, channel=channel)
            return (found,
                    {t.code: t.title for t in catalog}, letters.waiting_counts(),
                    {t.code: t.needs_approval for t in catalog})

        self.ctx.runner.run(load, self._loaded, lambda e: msgbox.show_error(self, e))

    def _loaded(self, result: tuple[list[Any], dict[str, str], dict[str, int], dict[str, bool]]) -> None:
        rows, titles, counts, approval = result
        self.approval = approval
        self.model.set_rows(rows, titles)
        loket, kios = counts.get("loket", 0), counts.get("kios", 0)
        text = (_("Waiting: {total} ({kiosk} from the kiosk)").format(total=loket + kios, kiosk=kios)
                if loket + kios else _("No requests waiting."))
        if loket + kios and self.status.currentData() not in (OPEN, None):
            # the count covers waiting and approved requests; this view may show only part of them
            text += "\n" + _("Choose \"{open}\" to see all of them.").format(open=_(STATUS_FILTERS[0][1]))
        self.waiting.setText(text)
        self._selection_changed()

    def selected(self) -> list[Any]:
        return [self.model.record(i.row()) for i in sorted(self.table.selectionModel().selectedRows(),
                                                           key=lambda i: i.row())]

    def select_rows(self, rows: list[int]) -> None:
        self.table.clearSelection()
        flags = self.table.selectionModel().SelectionFlag
        for r in rows:
            self.table.selectionModel().select(self.model.index(r, 0), flags.Select | flags.Rows)

    def _needs_approval(self, rec: Any) -> bool:
        value = attr(rec, "needs_approval", default=None)
        if value is None:
            value = getattr(self, "approval", {}).get(attr(rec, "letter_type", default=""), False)
        return bool(value)

    def _selection_changed(self) -> None:
        sel = self.selected()
        states = {attr(r, "status") for r in sel}
        self.approve_button.setEnabled(bool(sel) and states == {"diajukan"})
        self.reject_button.setEnabled(len(sel) == 1 and states <= {"diajukan", "disetujui"})
        ready = len(sel) == 1 and (attr(sel[0], "status") == "disetujui" or (
            attr(sel[0], "status") == "diajukan" and not self._needs_approval(sel[0])))
        self.issue_button.setEnabled(ready)
        self.cancel_button.setEnabled(len(sel) == 1 and states <= {"diajukan", "disetujui"})
        self.approve_button.setText(_("Approve {n} requests").format(n=len(sel)) if len(sel) > 1
                                    else _("Approve"))
        self._show_detail(sel[0] if len(sel) == 1 else None)

    def _show_detail(self, rec: Any) -> None:
        if rec is None:
            self.detail.setText(_("Select a request to see its details."))
            return
        lines = [f"<b>{self.model.type_title(rec)}</b> — {attr(rec, 'resident_name', default='')} "
                 f"({attr(rec, 'nik_masked', 'resident_nik', default='') or '-'})",
                 f"{_('Channel')}: {channel_label(str(attr(rec, 'channel', default='')))} · "
                 f"{_('Received')}: {fmt_date(attr(rec, 'created_at'))} · "
                 f"{_('Status')}: {status_label(str(attr(rec, 'status', default='')))}"]
        if self._needs_approval(rec):
            lines.append(f"✱ {_('A supervisor must approve this letter.')}")
        reason = attr(rec, "reason", default=None)
        if reason:
            lines.append(f"{_('Reason')}: {reason}")
        values = attr(rec, "values", default={}) or {}
        for key, value in values.items():
            if isinstance(value, list):
                value = _("{n} rows").format(n=len(value))
            elif isinstance(value, dict):
                value = value.get("nama") or value.get("nik") or ""
            lines.append(f"{key.replace('_', ' ').capitalize()}: {fmt_date(value)}")
        self.detail.setText("<br>".join(lines))

    # --- actions ---------------------------------------------------------------------------------

    def new_letter(self) -> None:
        from ui.dialogs.new_letter import NewLetterDialog

        NewLetterDialog(self.ctx, self).exec()

    def _done(self, _result: Any = None) -> None:
        self.ctx.changed("letter_request")

    def approve_selected(self) -> None:
        ids = [attr(r, "id") for r in self.selected() if attr(r, "status") == "diajukan"]
        if not ids:
            return
        actor = self.ctx.require_actor()
        letters = self.ctx.services.letters
        if len(ids) == 1:
            self.ctx.runner.write(lambda: letters.approve(actor, ids[0]), self._done,
                                  lambda e: msgbox.show_error(self, e))
            return
        if not msgbox.confirm(self, _("Approve {n} requests?").format(n=len(ids))):
            return
        self.ctx.runner.write(lambda: letters.approve_many(actor, ids), self._done,
                              lambda e: msgbox.show_error(self, e))

    def reject_selected(self) -> None:
        sel = self.selected()
        if len(sel) != 1:
            return
        reason = surat.ask_reason(self, _("Reject request"), _("Why is the request rejected? The resident is "
                                                               "told this reason."))
        if not reason:
            return
        actor = self.ctx.require_actor()
        letters = self.ctx.services.letters
        rid = attr(sel[0], "id")
        self.ctx.runner.write(lambda: letters.reject(actor, rid, reason), self._done,
                              lambda e: msgbox.show_error(self, e))

    def cancel_selected(self) -> None:
        sel = self.selected()
        if len(sel) != 1:
            return
        reason = surat.ask_reason(self, _("Cancel request"), _("Why is the request cancelled?"))
        if not reason:
            return
        actor = self.ctx.require_actor()
        letters = self.ctx.services.letters
        rid = attr(sel[0], "id")
        self.ctx.runner.write(lambda: letters.cancel(actor, rid, reason), self._done,
                              lambda e: msgbox.show_error(self, e))

    def issue_selected(self) -> None:
        sel = self.selected()
        if len(sel) != 1 or not self.issue_button.isEnabled():
            return
        actor = self.ctx.require_actor()
        letters = self.ctx.services.letters
        rid = attr(sel[0], "id")
        self.ctx.runner.write(lambda: letters.issue(actor, rid), self._issued, lambda e: msgbox.show_error(self, e))

    def _issued(self, letter: Any) -> None:
        self.last_issued = letter
        self.ctx.changed("letter")
        self.ctx.changed("letter_request")
        self.preview_dialog = surat.show_letter_pdf(self.ctx, letter, self)
