"""UI fixtures: a synchronous runner (no threads in tests), message boxes recorded instead of shown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import make_services


@pytest.fixture
def messages(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every message box the program tried to show: (kind, text)."""
    from ui import msgbox

    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(msgbox, "show_error", lambda parent, error, title=None: shown.append(("error", msgbox.error_text(error))))
    monkeypatch.setattr(msgbox, "show_info", lambda parent, text, title=None: shown.append(("info", text)))
    monkeypatch.setattr(msgbox, "confirm", lambda parent, text, title=None, **kw: shown.append(("confirm", text)) or True)
    for module in ("ui.screens.pengguna", "ui.screens.pengaturan", "ui.dialogs.change_password", "ui.app"):
        mod = __import__(module, fromlist=["x"])
        for name in ("show_error", "show_info", "confirm"):
            if hasattr(mod, name):
                monkeypatch.setattr(mod, name, getattr(msgbox, name))
    return shown


@pytest.fixture
def ctx(tmp_path: Path, qapp: Any) -> Iterator[Any]:
    """An application context over a set-up office, admin signed in, synchronous runner."""
    from ui.app import build_context

    services = make_services(tmp_path / "office")
    services.store.close()
    context = build_context(str(tmp_path / "office"), synchronous=True)
    context.actor = context.services.users.first_admin_actor()
    yield context
    context.services.store.close()
