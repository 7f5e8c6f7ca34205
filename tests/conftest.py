"""Settings every test shares. Subfolders add their own fixtures in their own conftest.py files.

- Qt runs offscreen (set at import time, before anything imports PySide6).
- Each test gets its own data directory through ``SMART_KAMPUNG_DATA_DIR``: no test touches the real
  platformdirs data directory.
- The language is Indonesian, as a village office runs it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Two virtual screens, the common office-laptop sizes (1366×768 first, then 1280×800): the screen
# harness (tests/ui/test_screen_harness.py) places every window on each.
_SCREENS = Path(__file__).resolve().parent / "ui" / "offscreen_screens.json"
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_SCREENS}"


@pytest.fixture(autouse=True)
def _isolated_data_dir_and_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    from kiosk import i18n
    from kiosk.paths import ENV_DATA_DIR

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    monkeypatch.setenv(ENV_DATA_DIR, str(data_dir))
    i18n.set_language("id")
    yield data_dir
