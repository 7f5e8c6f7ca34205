"""Take screenshots of the staff program in a demo village (for the README and for review).

    xvfb-run -a -s "-screen 0 1366x800x24" .venv/bin/python scripts/screenshots.py OUT_DIR [--residents N]

Shows the real main window on the (virtual) screen, visits each screen, and saves what the screen shows
(QScreen.grabWindow), plus the setup wizard and the sign-in dialog.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    residents = int(sys.argv[sys.argv.index("--residents") + 1]) if "--residents" in sys.argv else 2000
    out.mkdir(parents=True, exist_ok=True)

    from ui.app import build_context, make_application

    app = make_application()  # noqa: F841 (kept alive for the widgets)
    with tempfile.TemporaryDirectory() as tmp:
        ctx = build_context(str(Path(tmp) / "fresh"), synchronous=True)
        from ui.dialogs.setup_wizard import SetupWizard

        wizard = SetupWizard(ctx)
        wizard.show()
        wizard.next()
        _shot(app, wizard, out / "wizard-village.png")
        wizard.close()

        from kiosk.services.demo import create_demo_village

        create_demo_village(ctx.services, residents=residents)
        from ui.dialogs.login import LoginDialog

        login = LoginDialog(ctx)
        login.show()
        _shot(app, login, out / "login.png")
        login.close()
        ctx.actor = ctx.services.users.first_admin_actor()
        from ui.main_window import MainWindow

        window = MainWindow(ctx)
        window.resize(1366, 800)
        window.show()
        for i in range(window.nav.count()):
            window.nav.setCurrentRow(i)
            key = window._specs[i].key
            _shot(app, window, out / f"{key}.png")
        window.close()
        ctx.services.store.close()
    print(f"screenshots in {out}")
    return 0


def _shot(app: object, widget: object, path: Path) -> None:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    loop = QEventLoop()
    QTimer.singleShot(400, loop.quit)
    loop.exec()
    QApplication.processEvents()
    screen = widget.screen()  # type: ignore[attr-defined]
    pixmap = screen.grabWindow(widget.winId()) if screen else widget.grab()  # type: ignore[attr-defined]
    if pixmap.isNull() or pixmap.width() < 10:
        pixmap = widget.grab()  # type: ignore[attr-defined]
    pixmap.save(str(path))


if __name__ == "__main__":
    sys.exit(main())
