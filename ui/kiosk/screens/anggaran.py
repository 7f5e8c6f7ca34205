"""Anggaran Desa at the kiosk: this year's income by source, spending per bidang, the kegiatan with
location, amount and realization, and previous years — read-only, big type for touch, no personal data
(figures per account and kegiatan only: never a payee, a bank account or a line's free text)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QProgressBar,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kiosk.budget.money import format_rupiah
from kiosk.i18n import _
from ui.kiosk.common import button, label


def public_budget(services: Any, year: int | None = None) -> tuple[Any, list[int]]:
    """The public figures of ``year`` (default: the newest) and the years there are; (None, []) if none."""
    from kiosk.budget.prints import budget_print

    years = services.apbdes.years()
    if not years:
        return None, []
    year = year if year in years else years[0]
    view = services.apbdes.public_view(year)
    office = services.office.profile()
    return budget_print(view, office, None), years


def _bar(value: Any, whole: Any) -> QProgressBar:
    bar = QProgressBar()
    bar.setRange(0, 1000)
    bar.setValue(int(value * 1000 / whole) if whole else 0)
    bar.setTextVisible(False)
    bar.setFixedHeight(22)
    return bar


class AnggaranScreen(QWidget):
    back = Signal()
    year_chosen = Signal(int)

    def __init__(self, data: Any, years: list[int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("anggaran")
        column = QVBoxLayout(self)
        column.setContentsMargins(48, 16, 48, 24)
        column.setSpacing(10)
        if data is None:
            column.addWidget(label(_("Village budget"), "title"))
            column.addWidget(label(_("The village budget has not been entered yet."), "subtitle"))
            column.addStretch(1)
        else:
            column.addWidget(label(_("Village budget {year} — {village}").format(year=data.year,
                                                                                  village=data.office.village),
                                   "title", name="anggaran_title"))
            as_of = data.as_of.strftime("%d-%m-%Y") if data.as_of else "-"
            column.addWidget(label(_("{version} · income Rp {income} · spending Rp {spending} · realization as "
                                     "of {date}").format(version=data.version_label,
                                                         income=format_rupiah(data.pendapatan),
                                                         spending=format_rupiah(data.belanja), date=as_of), "hint"))
            years_row = QHBoxLayout()
            for y in years[:5]:
                b = button(str(y), f"year_{y}", "choice", height=56)
                b.setCheckable(True)
                b.setChecked(y == data.year)
                b.clicked.connect(lambda _c=False, y=y: self.year_chosen.emit(y))
                years_row.addWidget(b)
            years_row.addStretch(1)
            column.addLayout(years_row)
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            body = QWidget()
            inner = QVBoxLayout(body)
            inner.addWidget(label(_("Where the money comes from"), "caption"))
            inner.addLayout(self._rows([(r.name, r.budget, r.realization) for r in data.income], data.pendapatan))
            inner.addWidget(label(_("What it is spent on (per bidang)"), "caption"))
            inner.addLayout(self._rows([(r.name, r.budget, r.realization) for r in data.bidang], data.belanja))
            inner.addWidget(label(_("Kegiatan"), "caption"))
            grid = QGridLayout()
            grid.setHorizontalSpacing(18)
            for i, (_code, name, lokasi, budget, real) in enumerate(data.kegiatan):
                grid.addWidget(label(name, "small"), i, 0)
                grid.addWidget(label(lokasi or "-", "small"), i, 1)
                grid.addWidget(label("Rp " + format_rupiah(budget), "small", wrap=False), i, 2)
                pct = (real * 100 / budget).quantize(budget.__class__("1")) if budget else 0
                grid.addWidget(label(_("{pct}% realized").format(pct=pct), "small", wrap=False), i, 3)
            grid.setColumnStretch(0, 3)
            grid.setColumnStretch(1, 1)
            inner.addLayout(grid)
            inner.addStretch(1)
            scroll.setWidget(body)
            column.addWidget(scroll, 1)
        back = button("‹ " + _("Back"), "anggaran_back", "secondary")
        back.clicked.connect(self.back.emit)
        column.addWidget(back)

    def _rows(self, rows: list[tuple[str, Any, Any]], whole: Any) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        for i, (name, budget, real) in enumerate(rows):
            grid.addWidget(label(name, "hint"), i, 0)
            grid.addWidget(_bar(budget, whole), i, 1)
            grid.addWidget(label("Rp " + format_rupiah(budget), "hint", wrap=False), i, 2)
            pct = (real * 100 / budget).quantize(budget.__class__("1")) if budget else 0
            grid.addWidget(label(_("{pct}% realized").format(pct=pct), "small", wrap=False), i, 3)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 3)
        return grid
