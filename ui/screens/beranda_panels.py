"""Beranda's panels: today's work (letters by type, requests waiting, sync state), complaints due soon
and overdue, and resident statistics as painted bar charts. Each refreshes itself on ``data_changed``."""

from __future__ import annotations

import datetime as dt
import logging
from html import escape
from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFontMetrics, QPainter
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from kiosk.i18n import N_, _
from kiosk.services.dashboard import AGE_GROUPS, Dashboard, ResidentStats, stat_label
from ui.context import AppContext

log = logging.getLogger(__name__)

GREEN = QColor("#15803d")
RED = "#b91c1c"
AMBER = "#b45309"
STAT_TITLES = (
    ("sex", N_("Sex")), ("age", N_("Age group")), ("religion", N_("Religion")),
    ("education", N_("Education")), ("occupation", N_("Occupation")), ("dusun", N_("Dusun")),
)


def _card(title: str, name: str) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName("Card")
    frame.setProperty("panel", name)
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(14, 10, 14, 12)
    caption = QLabel(f"<b>{escape(title)}</b>")
    caption.setObjectName("CardCaption")
    layout.addWidget(caption)
    return frame, layout


def _fmt(n: int) -> str:
    return f"{n:,}".replace(",", ".")


class BarChart(QWidget):
    """Horizontal bars with a label and a value: light enough for offscreen tests, no QtCharts needed."""

    ROW = 22

    def __init__(self, parent: QWidget | None = None, *, max_rows: int = 7, color: QColor = GREEN) -> None:
        super().__init__(parent)
        self.items: list[tuple[str, int]] = []
        self.max_rows = max_rows
        self.color = color
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_items(self, items: list[tuple[str, int]]) -> None:
        if len(items) > self.max_rows:  # the rest as one "other" bar
            rest = sum(v for _label, v in items[self.max_rows - 1:])
            items = [*items[: self.max_rows - 1], (_("others"), rest)]
        self.items = items
        # a label cut short to fit is read whole on hover
        self.setToolTip("\n".join(f"{label}: {_fmt(value)}" for label, value in items))
        self.setFixedHeight(max(1, len(items)) * self.ROW + 4)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(260, max(1, len(self.items)) * self.ROW + 4)

    def paintEvent(self, _event: Any) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = QFontMetrics(self.font())
        if not self.items:
            p.setPen(QColor("#6b7280"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, _("No data yet"))
            return
        width = self.width()
        label_w = min(int(width * 0.42), max(metrics.horizontalAdvance(lbl) for lbl, _v in self.items) + 8)
        value_w = max(metrics.horizontalAdvance(_fmt(v)) for _lbl, v in self.items) + 8
        bar_space = max(10, width - label_w - value_w - 4)
        top = max(v for _lbl, v in self.items) or 1
        for i, (label, value) in enumerate(self.items):
            y = 2 + i * self.ROW
            p.setPen(QColor("#374151"))
            text = metrics.elidedText(label, Qt.TextElideMode.ElideRight, label_w - 6)
            p.drawText(QRectF(0, y, label_w - 6, self.ROW - 4),
                       int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), text)
            bar = bar_space * value / top
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(self.color)
            if value > 0:
                p.drawRoundedRect(QRectF(label_w, y + 3, max(2.0, bar), self.ROW - 10), 3, 3)
            p.setPen(QColor("#111827"))
            p.drawText(QRectF(label_w + bar + 4, y, value_w, self.ROW - 4),
                       int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), _fmt(value))


def nice_name(text: str) -> str:
    """OpenSID's upper-case names, readable: ``TAMAT SD / SEDERAJAT`` → ``Tamat SD / Sederajat``."""
    from kiosk.text import display_name

    return display_name(text)


def sync_text(state: Any, now: dt.datetime) -> tuple[str, str]:
    """The sync state in words and its colour: synced / waiting (n) / needs action (n)."""
    if state.needs_action:
        return _("Needs action ({n})").format(n=state.needs_action), RED
    if not state.enrolled:
        text = _("Not connected to the district yet")
        if state.waiting:
            text += " · " + _("waiting ({n})").format(n=state.waiting)
        return text, AMBER
    if state.waiting:
        age = now - state.oldest_waiting_at if state.oldest_waiting_at else dt.timedelta(0)
        color = RED if age > dt.timedelta(days=1) else AMBER
        return _("Waiting ({n}), oldest {minutes} min").format(
            n=state.waiting, minutes=int(age.total_seconds() // 60)), color
    text = _("Synced")
    if state.last_acked_at:
        local = state.last_acked_at.replace(tzinfo=dt.UTC).astimezone()
        text += " · " + _("last at {time}").format(time=f"{local:%d-%m %H.%M}")
    return text, "#15803d"


class _DashboardPanel(QWidget):
    """Loads ``kiosk.services.dashboard.dashboard`` off the GUI thread whenever data changes."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.board: Dashboard | None = None
        ctx.signals.data_changed.connect(lambda _entity: self.refresh())
        ctx.signals.sync_status.connect(lambda _state: self.refresh())

    def refresh(self) -> None:
        from kiosk.services.dashboard import dashboard

        store = self.ctx.services.store
        now = self.ctx.services.complaints.clock()
        self.ctx.runner.run(lambda: dashboard(store, now=now), self._show,
                            lambda e: log.warning("beranda panel: %s", e))

    def _show(self, board: Dashboard) -> None:
        self.board = board
        self.show_board(board)

    def show_board(self, board: Dashboard) -> None:
        raise NotImplementedError


class TodayPanel(_DashboardPanel):
    """Letters issued today by type, requests waiting at the counter and from the kiosk, the sync state."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("panelToday")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 8, 0, 0)
        letters, lay = _card(_("Letters issued today by type"), "letters")
        self.letters_chart = BarChart(max_rows=6)
        lay.addWidget(self.letters_chart)
        lay.addStretch(1)
        requests, lay = _card(_("Requests waiting"), "requests")
        self.requests_label = QLabel("…")
        self.requests_label.setObjectName("requestsWaiting")
        self.requests_label.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.requests_label)
        lay.addStretch(1)
        sync, lay = _card(_("Sync with the district"), "sync")
        self.sync_label = QLabel("…")
        self.sync_label.setObjectName("syncState")
        self.sync_label.setWordWrap(True)
        lay.addWidget(self.sync_label)
        lay.addStretch(1)
        row.addWidget(letters, 3)
        row.addWidget(requests, 2)
        row.addWidget(sync, 2)
        self.refresh()

    def show_board(self, board: Dashboard) -> None:
        titles = {lt.code: nice_name(lt.title) for lt in self.ctx.services.letters.catalog()}
        self.letters_chart.set_items([(titles.get(code, code), n) for code, n in board.letters_today])
        counter, kiosk = board.requests_waiting.get("loket", 0), board.requests_waiting.get("kios", 0)
        self.requests_label.setText(
            f"<table cellspacing='4'><tr><td style='font-size:20pt;font-weight:bold;color:#14532d'>{counter}</td>"
            f"<td valign='middle'>{escape(_('at the counter'))}</td></tr>"
            f"<tr><td style='font-size:20pt;font-weight:bold;color:#14532d'>{kiosk}</td>"
            f"<td valign='middle'>{escape(_('from the kiosk'))}</td></tr></table>")
        text, color = sync_text(board.sync, board.now)
        self.sync_label.setText(f"<span style='font-size:12pt;font-weight:bold;color:{color}'>{escape(text)}</span>")


class ComplaintsPanel(_DashboardPanel):
    """Complaints overdue and due soon, with a countdown that runs between refreshes."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("panelComplaints")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 8, 0, 0)
        card, lay = _card(_("Complaints (response within the limit)"), "complaints")
        self.counts_label = QLabel("…")
        self.counts_label.setObjectName("complaintCounts")
        self.list_label = QLabel("")
        self.list_label.setObjectName("complaintsDue")
        self.list_label.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.counts_label)
        lay.addWidget(self.list_label)
        outer.addWidget(card)
        self._overdue = -1
        self.timer = QTimer(self)
        self.timer.setInterval(30_000)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        self.refresh()

    def show_board(self, board: Dashboard) -> None:
        c = board.complaints
        self._overdue = c.overdue
        self.counts_label.setText(
            f"<span style='font-size:20pt;font-weight:bold;color:{RED if c.overdue else '#14532d'}'>{c.overdue}</span> "
            f"{escape(_('overdue'))} &nbsp;&nbsp; "
            f"<span style='font-size:20pt;font-weight:bold;color:{AMBER if c.due_soon else '#14532d'}'>{c.due_soon}</span> "
            f"{escape(_('due within the hour'))} &nbsp;&nbsp; "
            f"<span style='font-size:20pt;font-weight:bold;color:#14532d'>{c.open}</span> {escape(_('open'))}")
        self._render_list(board.now)

    def _render_list(self, now: dt.datetime) -> None:
        from ui.screens.pengaduan import countdown_text

        if self.board is None:
            return
        rows = []
        for item in self.board.complaints_due:
            left = item.remaining(now)
            color = RED if left.total_seconds() < 0 else (AMBER if left < dt.timedelta(hours=1) else "#374151")
            rows.append(f"<tr><td style='color:{color};font-weight:bold;padding-right:12px'>"
                        f"{escape(countdown_text(left))}</td><td style='padding-right:12px'>"
                        f"{escape(item.category)}</td><td>{escape(item.reporter_name or '—')}</td></tr>")
        self.list_label.setText("<table>" + "".join(rows) + "</table>" if rows else
                                f"<span style='color:#6b7280'>{escape(_('No complaint is waiting for a response.'))}</span>")

    def _tick(self) -> None:
        if self.board is None:
            return
        now = self.ctx.services.complaints.clock()
        overdue = sum(1 for c in self.board.complaints_due if c.is_overdue(now))
        if overdue > self.board.complaints.overdue:
            self.ctx.changed("complaint")  # one just passed its due time: badge and lists follow
        else:
            self._render_list(now)


class ResidentStatsPanel(QWidget):
    """Living residents by sex, age group, religion, education, occupation and dusun."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("panelResidentStats")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 8, 0, 0)
        card, lay = _card(_("Residents"), "stats")
        self.total_label = QLabel("")
        self.total_label.setObjectName("residentTotal")
        lay.addWidget(self.total_label)
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        self.charts: dict[str, BarChart] = {}
        for i, (key, title) in enumerate(STAT_TITLES):
            box = QVBoxLayout()
            label = QLabel(_(title))
            label.setStyleSheet("color:#4b5563")
            chart = BarChart(max_rows=6)
            chart.setObjectName(f"chart_{key}")
            self.charts[key] = chart
            box.addWidget(label)
            box.addWidget(chart)
            box.addStretch(1)
            grid.addLayout(box, i // 3, i % 3)
        lay.addLayout(grid)
        outer.addWidget(card)
        self.stats: ResidentStats | None = None
        ctx.signals.data_changed.connect(self._on_changed)
        self.refresh()

    def _on_changed(self, entity: str) -> None:
        if entity in ("resident", "family", "population_event", "*"):
            self.refresh()

    def refresh(self) -> None:
        from kiosk.services.dashboard import resident_stats

        store = self.ctx.services.store
        self.ctx.runner.run(lambda: resident_stats(store), self._show,
                            lambda e: log.warning("resident statistics: %s", e))

    def _show(self, stats: ResidentStats) -> None:
        self.stats = stats
        self.total_label.setText(_("{n} living residents").format(n=_fmt(stats.total)))
        for key, chart in self.charts.items():
            rows = stats.groups.get(key, [])
            if key == "age":
                items = [(AGE_GROUPS[g][0] if g is not None else "—", n) for g, n in rows]
            else:
                items = [(nice_name(stat_label(key, v)), n) for v, n in rows]
            chart.set_items(items)
