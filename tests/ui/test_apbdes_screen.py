"""The APBDes screen (offscreen): import with a dry-run check, the tree with realization, induk vs
perubahan, charts built only when their tab opens, keyboard line entry with pickers, the print preview."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from kiosk.budget import sample
from ui.screens.apbdes import ApbdesScreen


def _screen(ctx: Any, qtbot: Any) -> ApbdesScreen:
    screen = ApbdesScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1200, 760)
    screen.show()
    return screen


def test_import_tree_compare_charts_and_preview(ctx: Any, qtbot: Any, messages: list[Any], tmp_path: Path) -> None:
    screen = _screen(ctx, qtbot)
    assert "Belum ada APBDes" in screen.status.text()
    z = sample.write_zip(tmp_path / "s.zip", sample.contoh_tables(entries=60))
    screen.import_file(z)
    kinds = [k for k, _t in messages]
    assert kinds[:1] == ["confirm"] and "Uji coba" in messages[0][1] and kinds[-1] == "info"
    screen.year.setCurrentIndex(screen.year.findData(2025))
    assert "APBDes 2025 Perubahan 1" in screen.status.text()
    tree = screen.tree
    top = {tree.topLevelItem(i).text(0): tree.topLevelItem(i) for i in range(tree.topLevelItemCount())}
    assert set(top) == {"4", "5", "6"}
    assert top["4"].text(2) == "1.355.000.000" and top["5"].text(2) == "1.470.000.000"
    view = ctx.services.apbdes.view(ctx.require_actor(), 2025)
    from kiosk.budget.money import format_rupiah

    assert top["5"].text(3) == format_rupiah(view.realization.belanja)
    assert [top["5"].child(i).text(0) for i in range(top["5"].childCount())] == ["01", "02", "03", "04", "05"]
    assert "SiLPA 0" in screen.totals.text()
    # induk vs perubahan: the road lines moved 10 million between upah and bahan, bidang 02 unchanged
    rows = {screen.compare.item(r, 0).text(): r for r in range(screen.compare.rowCount())}
    assert screen.compare.item(rows["02"], 4).text() == "0"
    assert screen.compare.item(rows["5.3.5"], 4).text() == "0"
    # Qt Charts is imported only when the charts tab is shown
    assert "PySide6.QtCharts" not in sys.modules or screen._charts_built is False
    screen.tabs.setCurrentWidget(screen.charts)
    assert screen._charts_built and "PySide6.QtCharts" in sys.modules
    assert screen.charts.findChild(object, "apbdes_chart_grid") is not None
    screen.preview("poster:A3")
    dialog = screen.last_preview
    assert dialog.pdf.startswith(b"%PDF")
    dialog.close()
    import os

    shots = os.environ.get("SK_SCREENSHOTS")
    if shots:
        screen.tabs.setCurrentIndex(0)
        screen.grab().save(str(Path(shots) / "apbdes_tree.png"))
        screen.tabs.setCurrentWidget(screen.charts)
        qtbot.wait(50)
        screen.grab().save(str(Path(shots) / "apbdes_charts.png"))


def test_keyboard_line_entry_and_states(ctx: Any, qtbot: Any, messages: list[Any]) -> None:
    screen = _screen(ctx, qtbot)
    screen.year.setCurrentIndex(screen.year.findData(2025) if screen.year.findData(2025) >= 0 else 0)
    year = screen.current_year()
    screen.entry.create_button.click()
    assert f"APBDes {year} Induk" in screen.status.text()
    entry = screen.entry
    # the pickers complete codes from names
    completer = entry.account.completer()
    completer.setCompletionPrefix("alat tulis")
    assert completer.currentCompletion().startswith("5.2.1.01 ")
    qtbot.keyClicks(entry.account, "4.2.1.01 Dana Desa")
    entry.sumber.setCurrentIndex(entry.sumber.findData("DDS"))
    qtbot.keyClicks(entry.amount, "900.000.000")
    qtbot.keyClick(entry.amount, Qt.Key.Key_Return)
    assert entry.table.rowCount() == 1 and entry.table.item(0, 4).text() == "900.000.000"
    qtbot.keyClicks(entry.account, "5.4.1.01")
    qtbot.keyClicks(entry.kegiatan, "05.03.01")
    entry.sumber.setCurrentIndex(entry.sumber.findData("DDS"))
    qtbot.keyClicks(entry.volume, "12")
    qtbot.keyClicks(entry.price, "75.000.000")
    qtbot.keyClick(entry.price, Qt.Key.Key_Return)
    assert entry.table.rowCount() == 2 and entry.table.item(1, 4).text() == "900.000.000"
    # a wrong account: an Indonesian message, nothing added
    entry.account.clear()
    qtbot.keyClicks(entry.account, "4.9.9.99")
    qtbot.keyClicks(entry.amount, "1")
    qtbot.keyClick(entry.amount, Qt.Key.Key_Return)
    assert messages[-1][0] == "error" and "4.9.9.99" in messages[-1][1] and entry.table.rowCount() == 2
    entry.table.selectRow(1)
    entry.delete_line()
    assert entry.table.rowCount() == 1
    # not balanced (income only): agreeing works, setting does not and says by how much
    screen.next_status()
    screen.next_status()
    assert screen.next_button.text() == "Tetapkan APBDes…"
    screen.next_status()
    assert messages[-1][0] == "error" and "900.000.000" in messages[-1][1]


def test_realization_entry_with_a_beyond_budget_warning(ctx: Any, qtbot: Any, messages: list[Any],
                                                        tmp_path: Path) -> None:
    screen = _screen(ctx, qtbot)
    screen.import_file(sample.write_zip(tmp_path / "s.zip", sample.contoh_tables(entries=0, perubahan=False)))
    screen.year.setCurrentIndex(screen.year.findData(2025))
    form = screen.realization
    form.date.setText("2025-04-02")
    qtbot.keyClicks(form.account, "5.4.1.01")
    qtbot.keyClicks(form.kegiatan, "05.03.01")
    qtbot.keyClicks(form.sumber, "DDS")
    qtbot.keyClicks(form.amount, "140.000.000")
    qtbot.keyClick(form.amount, Qt.Key.Key_Return)
    assert "Rp 140.000.000" in form.result.text() and "melebihi" in form.result.text()
    top = {screen.tree.topLevelItem(i).text(0): screen.tree.topLevelItem(i) for i in range(screen.tree.topLevelItemCount())}
    assert top["5"].text(3) == "140.000.000"
    form.date.setText("kemarin")
    qtbot.keyClick(form.amount, Qt.Key.Key_Return)
    assert messages[-1][0] == "error" and "2025-03-31" in messages[-1][1]
