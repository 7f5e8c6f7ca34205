"""The APBDes charts with Qt Charts (imported only when the charts tab is first shown): pelaksanaan
(anggaran vs realisasi of pendapatan, belanja, pembiayaan), pendapatan per jenis, belanja per bidang,
and Dana Desa (DDS budget vs realization)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QPieSeries,
    QValueAxis,
)
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QGridLayout, QWidget

from kiosk.i18n import _

MILLION = Decimal(1_000_000)


def _m(value: Decimal) -> float:
    """Millions of rupiah for drawing only (a chart axis; the figures themselves stay Decimal)."""
    return float(value / MILLION)


def _bars(title: str, categories: list[str], sets: list[tuple[str, list[Decimal], str]], *,
          horizontal: bool = False) -> QChartView:
    chart = QChart()
    chart.setTitle(title)
    series = QHorizontalBarSeries() if horizontal else QBarSeries()
    for name, values, color in sets:
        bar = QBarSet(name)
        bar.setColor(QColor(color))
        for v in values:
            bar.append(_m(v))
        series.append(bar)
    chart.addSeries(series)
    cats = QBarCategoryAxis()
    cats.append(categories)
    values = QValueAxis()
    values.setTitleText(_("million Rp"))
    values.setLabelFormat("%.0f")
    if horizontal:
        chart.addAxis(cats, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(values, Qt.AlignmentFlag.AlignBottom)
    else:
        chart.addAxis(cats, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(cats)
    series.attachAxis(values)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    view = QChartView(chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    return view


def build_charts(view: Any) -> QWidget:
    widget = QWidget()
    widget.setObjectName("apbdes_chart_grid")
    grid = QGridLayout(widget)
    b, r = view.budget, view.realization
    budget, real = _("Budget"), _("Realization")
    grid.addWidget(_bars(_("Implementation (pelaksanaan)"), [_("Income"), _("Spending"), _("Financing (net)")],
                         [(budget, [b.pendapatan, b.belanja, b.pembiayaan_netto], "#86efac"),
                          (real, [r.pendapatan, r.belanja, r.pembiayaan_netto], "#15803d")]), 0, 0)
    by_code = {n.code: n for n in view.tree}
    pie = QPieSeries()
    income = by_code.get("4")
    if income is not None:
        for kel in income.children:
            for jenis in kel.children:
                if jenis.budget and income.budget:
                    share = (jenis.budget * 100 / income.budget).quantize(Decimal("0.1"))
                    pie.append(f"{jenis.name} ({str(share).replace('.', ',')}%)", _m(jenis.budget))
    chart = QChart()
    chart.setTitle(_("Income by kind (jenis)"))
    chart.addSeries(pie)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
    pie_view = QChartView(chart)
    pie_view.setRenderHint(QPainter.RenderHint.Antialiasing)
    grid.addWidget(pie_view, 0, 1)
    spending = by_code.get("5")
    bidang = spending.children if spending is not None else []
    grid.addWidget(_bars(_("Spending by bidang"), [n.code for n in bidang],
                         [(budget, [n.budget for n in bidang], "#86efac"),
                          (real, [n.realization for n in bidang], "#15803d")], horizontal=True), 1, 0)
    dds_budget = sum((ln.anggaran for ln in view.lines if ln.kode_rekening.startswith("5")
                      and ln.sumber_dana == "DDS"), Decimal(0))
    dds_real = view.dds_realization
    grid.addWidget(_bars(_("Dana Desa (DDS)"), [_("Spending from Dana Desa")],
                         [(budget, [dds_budget], "#93c5fd"), (real, [dds_real], "#1d4ed8")]), 1, 1)
    return widget
