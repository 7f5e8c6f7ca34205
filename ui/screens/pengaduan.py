"""Pengaduan: the complaints list with a live countdown per open complaint, filters, record/respond/resolve,
and "Balas lewat WhatsApp". Overdue complaints are shown in red."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, QUrl
from PySide6.QtGui import QBrush, QColor, QDesktopServices, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import N_, _
from kiosk.models import utcnow
from kiosk.permissions import allowed
from kiosk.services.complaints import CHANNELS, STATUS_LABELS, ComplaintInfo
from ui import msgbox
from ui.context import AppContext

log = logging.getLogger(__name__)

OVERDUE_BG = QColor("#fde2e1")
OVERDUE_FG = QColor("#991b1b")
SOON_BG = QColor("#fef3c7")
DONE_FG = QColor("#6b7280")
DUE_SOON = dt.timedelta(hours=1)

FILTERS = (
    ("open", N_("Open")),
    ("overdue", N_("Overdue")),
    ("baru", N_("New")),
    ("ditanggapi", N_("Responded")),
    ("selesai", N_("Resolved")),
    ("", N_("All")),
)


def overdue_badge(ctx: AppContext) -> int:
    """The navigation badge: complaints past their due time without a response."""
    return ctx.services.complaints.counts(ctx.require_actor()).overdue


def local_time(when: dt.datetime) -> dt.datetime:
    """A stored naive-UTC time in the local time zone (naive, for display)."""
    return when.replace(tzinfo=dt.UTC).astimezone().replace(tzinfo=None)


def countdown_text(remaining: dt.timedelta) -> str:
    """``3 j 05 m 09 d`` left, or ``lewat 0 j 25 m`` when overdue (translated)."""
    seconds = int(abs(remaining.total_seconds()))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    clock = f"{h}:{m:02d}:{s:02d}"
    if remaining.total_seconds() < 0:
        return _("overdue {time}").format(time=clock)
    return _("{time} left").format(time=clock)


class ComplaintTableModel(QAbstractTableModel):
    """Complaints as plain ``ComplaintInfo`` rows; ``tick(now)`` refreshes the countdown column."""

    COLUMNS = (N_("Received"), N_("Reporter"), N_("Category"), N_("Channel"), N_("Status"), N_("Time left"))
    COUNTDOWN = 5

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[ComplaintInfo] = []
        self.now = utcnow()

    def set_rows(self, rows: list[ComplaintInfo], now: dt.datetime | None = None) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.now = now or utcnow()
        self.endResetModel()

    def tick(self, now: dt.datetime) -> None:
        self.now = now
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(self.COLUMNS) - 1),
                                  [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.BackgroundRole,
                                   Qt.ItemDataRole.ForegroundRole])

    def overdue_count(self) -> int:
        return sum(1 for c in self.rows if c.is_overdue(self.now))

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _(self.COLUMNS[section])
        return None

    def complaint(self, row: int) -> ComplaintInfo | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        c = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return f"{local_time(c.received_at):%d-%m-%Y %H.%M}"
            if col == 1:
                return c.reporter_name or "—"
            if col == 2:
                return c.category
            if col == 3:
                return _(CHANNELS.get(c.channel, c.channel))
            if col == 4:
                return _(STATUS_LABELS.get(c.status, c.status))
            if col == self.COUNTDOWN:
                if c.awaiting_response:
                    return countdown_text(c.remaining(self.now))
                if c.answered_in_time is False:
                    return _("answered late")
                return _("answered in time") if c.answered_in_time else "—"
        if role == Qt.ItemDataRole.BackgroundRole:
            if c.is_overdue(self.now):
                return QBrush(OVERDUE_BG)
            if c.awaiting_response and c.remaining(self.now) < DUE_SOON:
                return QBrush(SOON_BG)
        if role == Qt.ItemDataRole.ForegroundRole:
            if c.is_overdue(self.now):
                return QBrush(OVERDUE_FG)
            if not c.is_open:
                return QBrush(DONE_FG)
        if role == Qt.ItemDataRole.FontRole and col == self.COUNTDOWN and c.is_overdue(self.now):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return c.text[:300]
        if role == Qt.ItemDataRole.UserRole:
            return c.id
        return None


class PengaduanScreen(QWidget):
    """The complaints of this office."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        actor = ctx.require_actor()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        title = QLabel(f"<h2>{_('Complaints')}</h2>")
        self.summary = QLabel("")
        self.summary.setObjectName("complaintSummary")
        head = QHBoxLayout()
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(self.summary)
        layout.addLayout(head)

        bar = QHBoxLayout()
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("statusFilter")
        for key, label in FILTERS:
            self.status_filter.addItem(_(label), key)
        self.category_filter = QComboBox()
        self.category_filter.setObjectName("categoryFilter")
        self.search = QLineEdit()
        self.search.setObjectName("complaintSearch")
        self.search.setPlaceholderText(_("Search text or reporter…"))
        self.search.setClearButtonEnabled(True)
        self.new_button = QPushButton(_("New complaint…"))
        self.new_button.setObjectName("newComplaint")
        self.new_button.setProperty("primary", True)
        self.new_button.setEnabled(allowed(actor, "complaint.record"))
        bar.addWidget(QLabel(_("Show")))
        bar.addWidget(self.status_filter)
        bar.addWidget(QLabel(_("Category")))
        bar.addWidget(self.category_filter)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.new_button)
        layout.addLayout(bar)

        self.model = ComplaintTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("complaintTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.detail = QTextBrowser()
        self.detail.setObjectName("complaintDetail")
        self.detail.setOpenLinks(False)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 1)

        actions = QHBoxLayout()
        can_respond = allowed(actor, "complaint.respond")
        self.respond_button = QPushButton(_("Respond…"))
        self.respond_button.setObjectName("respondComplaint")
        self.resolve_button = QPushButton(_("Resolve…"))
        self.resolve_button.setObjectName("resolveComplaint")
        self.whatsapp_button = QPushButton(_("Reply on WhatsApp"))
        self.whatsapp_button.setObjectName("replyWhatsApp")
        for b in (self.respond_button, self.resolve_button, self.whatsapp_button):
            b.setEnabled(False)
            actions.addWidget(b)
        self._can_respond = can_respond
        actions.addStretch(1)
        layout.addLayout(actions)

        self.status_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.category_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.new_button.clicked.connect(self.new_complaint)
        self.respond_button.clicked.connect(self.respond)
        self.resolve_button.clicked.connect(self.resolve)
        self.whatsapp_button.clicked.connect(self.reply_whatsapp)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._selection_changed())
        ctx.signals.data_changed.connect(self._on_data_changed)

        self.clock = QTimer(self)
        self.clock.setInterval(1000)
        self.clock.timeout.connect(self._tick)
        self.clock.start()
        self.dialog: QWidget | None = None  # the open dialog (tests drive it)
        self._load_categories()
        self.refresh()

    # --- loading -----------------------------------------------------------------------------------

    def now(self) -> dt.datetime:
        return self.ctx.services.complaints.clock()

    def _load_categories(self) -> None:
        current = self.category_filter.currentData()
        self.category_filter.blockSignals(True)
        self.category_filter.clear()
        self.category_filter.addItem(_("All categories"), "")
        for c in self.ctx.services.complaints.categories():
            self.category_filter.addItem(c, c)
        index = self.category_filter.findData(current) if current else 0
        self.category_filter.setCurrentIndex(max(0, index))
        self.category_filter.blockSignals(False)

    def _on_data_changed(self, entity: str) -> None:
        if entity in ("complaint", "setting", "*"):
            if entity != "complaint":
                self._load_categories()
            self.refresh()

    def refresh(self) -> None:
        actor = self.ctx.require_actor()
        key = self.status_filter.currentData()
        category = self.category_filter.currentData() or None
        text = self.search.text()
        service = self.ctx.services.complaints

        def work() -> tuple[list[ComplaintInfo], Any, dt.datetime]:
            now = service.clock()
            rows = service.list(actor, status=None if key in ("", "overdue") else key,
                                overdue_only=key == "overdue", category=category, text=text, now=now)
            return rows, service.counts(actor, now=now), now

        self.ctx.runner.run(work, self._show, lambda e: msgbox.show_error(self, e))

    def _show(self, result: tuple[list[ComplaintInfo], Any, dt.datetime]) -> None:
        rows, counts, now = result
        selected = self.selected()
        self.model.set_rows(rows, now)
        self._overdue_seen = self.model.overdue_count()
        self.summary.setText(_("{open} open · {overdue} overdue · {soon} due within the hour").format(
            open=counts.open, overdue=counts.overdue, soon=counts.due_soon))
        if selected is not None:
            for row, c in enumerate(rows):
                if c.id == selected.id:
                    self.table.selectRow(row)
                    break
        self._selection_changed()

    def _tick(self) -> None:
        self.model.tick(self.now())
        overdue = self.model.overdue_count()
        if overdue != getattr(self, "_overdue_seen", overdue):
            # A complaint just passed its due time: the badge and Beranda should know.
            self._overdue_seen = overdue
            self.ctx.changed("complaint")

    # --- selection and actions ---------------------------------------------------------------------

    def selected(self) -> ComplaintInfo | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.model.complaint(rows[0].row()) if rows else None

    def select_id(self, complaint_id: str) -> None:
        for row, c in enumerate(self.model.rows):
            if c.id == complaint_id:
                self.table.selectRow(row)
                return

    def _selection_changed(self) -> None:
        c = self.selected()
        self.respond_button.setEnabled(bool(c and c.status == "baru" and self._can_respond))
        self.resolve_button.setEnabled(bool(c and c.is_open and self._can_respond))
        self.whatsapp_button.setEnabled(bool(c and c.reporter_phone))
        self.detail.setHtml(self._detail_html(c) if c else
                            f"<p style='color:#6b7280'>{_('Choose a complaint to see it in full.')}</p>")

    def _detail_html(self, c: ComplaintInfo) -> str:
        from html import escape

        def when(t: dt.datetime | None) -> str:
            return f"{local_time(t):%d-%m-%Y %H.%M}" if t else "—"

        parts = [
            f"<h3>{escape(c.category)} · {escape(_(STATUS_LABELS.get(c.status, c.status)))}</h3>",
            f"<p><b>{escape(_('Reporter'))}:</b> {escape(c.reporter_name or '—')}"
            f"{' · ' + escape(c.reporter_phone) if c.reporter_phone else ''} · {escape(_(CHANNELS.get(c.channel, c.channel)))}</p>",
            f"<p><b>{escape(_('Received'))}:</b> {when(c.received_at)} · <b>{escape(_('Due'))}:</b> {when(c.due_at)}</p>",
            f"<p style='white-space:pre-wrap'>{escape(c.text)}</p>",
        ]
        if c.first_response:
            parts.append(f"<p><b>{escape(_('Response'))} ({when(c.first_response_at)}):</b> "
                         f"{escape(c.first_response)}</p>")
        if c.resolution:
            parts.append(f"<p><b>{escape(_('Resolution'))} ({when(c.resolved_at)}):</b> {escape(c.resolution)}</p>")
        return "".join(parts)

    def new_complaint(self) -> None:
        from ui.dialogs.complaint import NewComplaintDialog

        dialog = NewComplaintDialog(self.ctx, self)
        dialog.saved.connect(self._saved)
        self.dialog = dialog
        dialog.open()

    def _saved(self, info: ComplaintInfo) -> None:
        self.ctx.changed("complaint")
        self.select_id(info.id)

    def _text_step(self, title: str, prompt: str, call: Any) -> None:
        from ui.dialogs.complaint import TextDialog

        c = self.selected()
        if c is None:
            return
        dialog = TextDialog(title, prompt, self)
        actor = self.ctx.require_actor()

        def accepted() -> None:
            text = dialog.text()
            self.ctx.runner.write(lambda: call(actor, c.id, text), self._saved,
                                  lambda e: msgbox.show_error(self, e))

        dialog.accepted.connect(accepted)
        self.dialog = dialog
        dialog.open()

    def respond(self) -> None:
        self._text_step(_("Respond to the complaint"), _("First response to the reporter:"),
                        self.ctx.services.complaints.respond)

    def resolve(self) -> None:
        self._text_step(_("Resolve the complaint"), _("How was the complaint resolved?"),
                        self.ctx.services.complaints.resolve)

    def reply_whatsapp(self) -> None:
        c = self.selected()
        if c is None:
            return
        link = self.ctx.services.complaints.whatsapp_link(c)
        if link is None:
            msgbox.show_info(self, _("This complaint has no usable phone number."))
            return
        if not QDesktopServices.openUrl(QUrl(link)):
            msgbox.show_info(self, _("The browser could not be opened. The link is:\n{link}").format(link=link))
