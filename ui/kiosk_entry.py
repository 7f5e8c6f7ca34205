"""Entry to the self-service kiosk mode (``--kiosk``). The kiosk screens live in ``ui/kiosk/``."""

from __future__ import annotations

from typing import Any

from kiosk.i18n import _


def run_kiosk(ctx: Any, app: Any) -> int:
    try:
        from ui.kiosk.window import run_kiosk_window
    except ImportError:
        from ui.msgbox import show_error

        show_error(None, _("The self-service kiosk is not available in this version."))
        return 2
    return int(run_kiosk_window(ctx, app))
