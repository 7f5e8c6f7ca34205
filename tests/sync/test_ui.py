"""The status indicator and the Sinkronisasi screen (offscreen Qt, synchronous runner)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.conftest import ctx  # noqa: F401 (fixture)

pytestmark = pytest.mark.ui


def test_status_label_and_screen(ctx: Any, qtbot: Any) -> None:  # noqa: F811
    from ui.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    assert window.sync_label.objectName() == "SyncStatus"
    assert window.sync_label.text() == "Belum terhubung ke kabupaten"
    screen = window.show_screen("sinkronisasi")
    assert "Belum terhubung" in screen.status_label.text()
    assert screen.queue_table.rowCount() == 0  # the office profile is local: nothing queued at set-up


def test_render_states(ctx: Any, qapp: Any) -> None:  # noqa: F811
    import datetime as dt

    from PySide6.QtWidgets import QLabel

    from kiosk.services.sync_state import SyncStatus
    from ui.widgets.sync_status import render

    label = QLabel()
    render(label, SyncStatus(state="waiting", enrolled=True, pending=3))
    assert label.text() == "Menunggu 3"
    render(label, SyncStatus(state="conflicts", enrolled=True, conflicts=2, last_success=dt.datetime(2025, 1, 1)))
    assert label.text().startswith("Konflik 2")
    render(label, SyncStatus(state="needs_action", enrolled=True, rejected=1))
    assert label.text() == "Perlu tindakan 1"
    render(label, SyncStatus(state="offline", enrolled=True, offline_since=dt.datetime(2025, 1, 1, 1, 30)))
    assert label.text().startswith("Offline sejak ")
    render(label, SyncStatus(state="synced", enrolled=True))
    assert label.text() == "Tersinkron"
