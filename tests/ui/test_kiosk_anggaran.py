"""Anggaran Desa at the kiosk: public budget figures from the welcome screen, years to choose, no personal data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.budget import sample
from tests.ui.test_kiosk import click, find, make_window, texts


@pytest.fixture
def window(ctx: Any, qtbot: Any, messages: list[Any], tmp_path: Path) -> Iterator[Any]:
    actor = ctx.require_actor()
    for year in (2024, 2025):
        tables = sample.contoh_tables(tahun=year, entries=30)
        for r in tables["Ta_SPP"]:
            r["Nm_Penerima"] = "Budi Penerima Rahasia"
        ctx.services.apbdes.import_file(actor, sample.write_zip(tmp_path / f"{year}.zip", tables))
    w = make_window(ctx, qtbot, idle_ms=60_000)
    yield w
    w._allow_close = True
    w.remove_filters()
    w.close()
    w.deleteLater()


def test_budget_from_the_welcome_screen(window: Any, qtbot: Any, ctx: Any) -> None:
    click(qtbot, find(window, "budget"))
    assert window.current_screen() == "anggaran"
    assert window.actor is None  # no sign-in: public figures
    shown = " ".join(texts(window))
    assert "2025" in find(window, "anggaran_title").text()
    for expected in ("Dana Desa", "Rp 900.000.000", "Bidang Pelaksanaan Pembangunan Desa", "Dusun Krajan RT 01",
                     "Rp 1.355.000.000"):
        assert expected in shown, expected
    assert "Budi Penerima Rahasia" not in shown and "0123456789" not in shown
    click(qtbot, find(window, "year_2024"))
    assert "2024" in find(window, "anggaran_title").text()
    shots = os.environ.get("SK_SCREENSHOTS")
    if shots:
        window.grab().save(str(Path(shots) / "kiosk_anggaran.png"))
    click(qtbot, find(window, "anggaran_back"))
    assert window.current_screen() == "welcome"
