"""Pengaturan → Cadangan: back up now, last backup and its check, settings, restore with confirmation
(administrators only), and the start-up offer to restore a damaged database."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QPushButton, QTabWidget
from sqlalchemy import select

from kiosk import settings
from kiosk.models import Device, Resident
from tests.helpers import make_user
from ui import msgbox
from ui.screens.backup_tab import BackupTab


@pytest.fixture
def tab(ctx: Any, qtbot: Any, messages: list[tuple[str, str]]) -> BackupTab:
    widget = BackupTab(ctx)
    qtbot.addWidget(widget)
    return widget


def test_back_up_now_shows_the_backup_and_its_check(tab: BackupTab, ctx: Any,
                                                    messages: list[tuple[str, str]]) -> None:
    assert tab.table.rowCount() == 0 and "Belum ada cadangan" in tab.last.text()
    tab.backup_now.click()
    assert messages and messages[-1][0] == "info" and "Cadangan disimpan dan diperiksa" in messages[-1][1]
    assert tab.table.rowCount() == 1
    assert "Baik" in tab.last.text() and "manual" in tab.last.text()
    assert tab.table.item(0, 3).text() == "Baik"


def test_settings_are_saved(tab: BackupTab, ctx: Any, tmp_path: Path, messages: list[tuple[str, str]]) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    tab.second.setText(str(usb))
    tab.interval.setCurrentIndex(tab.interval.findData(12))
    tab.findChild(QPushButton, "saveBackupSettings").click()
    assert messages[-1][0] == "info"
    prefs = ctx.services.preferences
    assert prefs.get(settings.BACKUP_SECOND_FOLDER) == str(usb)
    assert prefs.get(settings.BACKUP_INTERVAL_HOURS) == 12
    tab.second.setText(str(tmp_path / "tidak-ada"))
    tab.findChild(QPushButton, "saveBackupSettings").click()
    assert messages[-1][0] == "error" and "tidak ada" in messages[-1][1]


def test_restore_selected_asks_first_then_restores(tab: BackupTab, ctx: Any,
                                                   messages: list[tuple[str, str]]) -> None:
    tab.backup_now.click()
    with ctx.services.store.write() as s:
        s.add(Resident(name="Sesudah Cadangan", name_search="sesudah cadangan"))
    tab.table.selectRow(0)
    tab.restore_selected.click()
    kinds = [k for k, _t in messages]
    assert "confirm" in kinds and "Ganti SEMUA data" in next(t for k, t in messages if k == "confirm")
    assert messages[-1][0] == "info" and "dipulihkan" in messages[-1][1]
    with ctx.services.store.read() as s:
        assert s.query(Resident).filter(Resident.name == "Sesudah Cadangan").count() == 0
        assert s.execute(select(Device.restored_at)).scalar() is not None
    assert any(b.reason == "pre-restore" for b in ctx.services.backup.list())


def test_restore_cancelled_changes_nothing(tab: BackupTab, ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    tab.backup_now.click()
    monkeypatch.setattr(msgbox, "confirm", lambda *a, **k: False)
    tab.table.selectRow(0)
    tab.restore_selected.click()
    assert not any(b.reason == "pre-restore" for b in ctx.services.backup.list())


def test_a_damaged_file_is_refused_with_its_reason(tab: BackupTab, ctx: Any, tmp_path: Path,
                                                   messages: list[tuple[str, str]]) -> None:
    text = tmp_path / "bukan.zip"
    text.write_text("bukan cadangan")
    tab._restore(text)
    assert messages[-1] == ("error", "Berkas ini bukan cadangan Smart Kampung. Tidak ada yang dipulihkan.")


def test_an_operator_backs_up_but_cannot_restore(ctx: Any, qtbot: Any, messages: list[tuple[str, str]]) -> None:
    ctx.actor = make_user(ctx.services, "op1", "operator")
    widget = BackupTab(ctx)
    qtbot.addWidget(widget)
    assert widget.backup_now.isEnabled()
    assert not widget.restore_selected.isEnabled() and not widget.restore_file.isEnabled()
    assert not widget.second.isEnabled() or widget.second.isReadOnly()


def test_the_tab_is_registered_in_settings(ctx: Any, qtbot: Any, messages: list[tuple[str, str]]) -> None:
    from ui.screens.pengaturan import PengaturanScreen

    screen = PengaturanScreen(ctx)
    qtbot.addWidget(screen)
    tabs = screen.findChild(QTabWidget, "settingsTabs")
    titles = [tabs.tabText(i) for i in range(tabs.count())]
    assert "Cadangan" in titles


def test_screenshot(tab: BackupTab, ctx: Any, tmp_path: Path) -> None:
    tab.backup_now.click()
    tab.resize(820, 620)
    tab.show()
    target = Path(os.environ.get("SK_SCREENSHOT_DIR", tmp_path)) / "cadangan_tab.png"
    assert tab.grab().save(str(target))
    assert target.stat().st_size > 0


def test_startup_offers_the_newest_good_backup_for_a_damaged_database(ctx: Any, qtbot: Any,
                                                                      messages: list[tuple[str, str]]) -> None:
    from kiosk.services.integrity import quick_check
    from ui.startup_check import check_database_or_recover

    ctx.services.backup.create(None, "daily")
    paths = ctx.services.store.paths
    ctx.services.store.close()
    size = paths.database.stat().st_size
    with paths.database.open("r+b") as f:
        f.seek(size // 2)
        f.write(os.urandom(8192))
    from kiosk.services.integrity import damage_marker

    # the background check after sign-in found it (the light start-up check may not): remembered
    assert not quick_check(paths.root, thorough=True).ok
    assert damage_marker(paths).exists()
    assert check_database_or_recover(str(paths.root)) is True
    assert messages[0][0] == "confirm" and "rusak" in messages[0][1]
    assert messages[-1][0] == "info"
    assert quick_check(paths.root).ok and not damage_marker(paths).exists()


def test_startup_with_a_damaged_database_and_no_backup_quits_calmly(tmp_path: Path, qapp: Any,
                                                                   messages: list[tuple[str, str]]) -> None:
    from ui.startup_check import check_database_or_recover

    root = tmp_path / "d"
    root.mkdir()
    (root / "smart-kampung.sqlite3").write_bytes(b"rusak" * 1000)
    assert check_database_or_recover(str(root)) is False
    assert messages[-1][0] == "error"
