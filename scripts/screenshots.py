"""Take screenshots of the staff program and the kiosk as a clerk sees them, for review.

    scripts/screenshots.sh OUT_DIR            # Xvfb 1366×768 with the openbox window manager
    (or, inside an X session: .venv/bin/python scripts/screenshots.py OUT_DIR [--residents N] [--lang id|en])

Every screen of the main window, the dialogs (setup wizard pages, sign-in, new/edit resident, resident
detail, family card, new letter, print preview, Qt's print dialog, complaint, import, change password,
about) and the kiosk screens, each saved from the real screen (QScreen.grabWindow: the window manager's
frame included) as ``<lang>-<name>.png``.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    args = sys.argv[1:]
    out = Path(args[0] if args and not args[0].startswith("-") else "docs/screenshots")
    residents = int(args[args.index("--residents") + 1]) if "--residents" in args else 300
    languages = [args[args.index("--lang") + 1]] if "--lang" in args else ["id", "en"]
    out.mkdir(parents=True, exist_ok=True)

    from kiosk import i18n
    from ui.app import make_application

    app = make_application()  # noqa: F841 (kept alive for the widgets)
    for lang in languages:
        i18n.set_language(lang)
        with tempfile.TemporaryDirectory() as tmp:
            _one_language(Path(tmp), out, lang, residents)
    print(f"screenshots in {out}")
    return 0


def _one_language(tmp: Path, out: Path, lang: str, residents: int) -> None:
    from ui.app import build_context

    def shot(widget: Any, name: str) -> None:
        _shot(widget, out / f"{lang}-{name}.png")

    ctx = build_context(str(tmp / "fresh"), synchronous=True)
    from ui.dialogs.setup_wizard import SetupWizard

    wizard = SetupWizard(ctx)
    wizard.show()
    shot(wizard, "wizard-1-choice")
    wizard.next()
    shot(wizard, "wizard-2-village")
    wizard.next()
    shot(wizard, "wizard-3-profile")
    wizard.profile.fields["head_name"].setText("Slamet Riyadi")
    wizard.next()
    wizard.admin.password.setText("abc")
    wizard.admin.again.setText("abc")
    wizard.admin.full_name.setText("Admin Desa")
    wizard.accept()  # refused: nothing written, the reason on the page
    shot(wizard, "wizard-4-admin-refused")
    wizard.close()
    ctx.services.store.close()

    from kiosk.services.demo import create_demo_village

    ctx = build_context(str(tmp / "demo"), synchronous=True)
    create_demo_village(ctx.services, residents=residents)
    from ui.dialogs.login import LoginDialog

    login = LoginDialog(ctx)
    login.show()
    shot(login, "login")
    login.close()
    ctx.actor = ctx.services.users.first_admin_actor()
    _requests(ctx)
    from ui.main_window import MainWindow

    window = MainWindow(ctx)
    window.show()
    for i in range(window.nav.count()):
        window.nav.setCurrentRow(i)
        shot(window, f"screen-{i + 1}-{window._specs[i].key}")
    for name, make in _dialogs(ctx, window).items():
        dialog = make()
        dialog.show()
        shot(dialog, f"dialog-{name}")
        dialog.close()
    window.close()
    _kiosk(ctx, shot)
    ctx.services.store.close()


def _requests(ctx: Any) -> None:
    import forms

    admin = ctx.actor
    rows = ctx.services.residents.search(admin, "", limit=3).rows
    lt = ctx.services.letters.letter_type("sktm")
    for row in rows:
        ctx.services.letters.create_request(admin, resident_id=row.id, letter_type="sktm",
                                            values=forms.sample_values(lt, dt.date.today()))
    ctx.options["resident_id"] = rows[0].id


def _dialogs(ctx: Any, window: Any) -> dict[str, Callable[[], Any]]:
    from PySide6.QtPrintSupport import QPrintDialog

    from ui.dialogs.about import AboutDialog
    from ui.dialogs.change_password import ChangePasswordDialog
    from ui.dialogs.complaint import NewComplaintDialog
    from ui.dialogs.family_view import FamilyViewDialog
    from ui.dialogs.import_residents import ImportResidentsDialog
    from ui.dialogs.new_letter import NewLetterDialog
    from ui.dialogs.pdf_preview import PdfPreviewDialog
    from ui.dialogs.resident_detail import ResidentDetailDialog
    from ui.dialogs.resident_form import ResidentFormDialog

    rid = ctx.options["resident_id"]
    record = ctx.services.residents.get(ctx.actor, rid)
    draft = ctx.services.letters.preview_pdf(ctx.actor, resident_id=rid, letter_type="domisili",
                                             values={"keperluan": "melamar pekerjaan"})
    preview = PdfPreviewDialog(ctx, draft, window, title="Surat", file_name="pratinjau.pdf")
    printer = preview.make_printer()
    ctx.options["_printer"] = printer  # outlives the print dialog
    return {
        "new-resident": lambda: ResidentFormDialog(ctx, None, window),
        "edit-resident": lambda: ResidentFormDialog(ctx, record, window),
        "resident-detail": lambda: ResidentDetailDialog(ctx, rid, window),
        "family-card": lambda: FamilyViewDialog(ctx, record.family_id, window),
        "new-letter": lambda: NewLetterDialog(ctx, window),
        "print-preview-draft": lambda: preview,
        "qt-print": lambda: QPrintDialog(printer, window),
        "new-complaint": lambda: NewComplaintDialog(ctx, window),
        "import-residents": lambda: ImportResidentsDialog(ctx, window),
        "change-password": lambda: ChangePasswordDialog(ctx, window),
        "about": lambda: AboutDialog(ctx, window),
    }


def _kiosk(ctx: Any, shot: Callable[[Any, str], None]) -> None:
    from ui.kiosk.window import KioskWindow

    admin = ctx.actor
    rid = ctx.options["resident_id"]
    ctx.services.residents.set_pin(admin, rid, "482916")
    nik = ctx.services.residents.get(admin, rid).nik
    window = KioskWindow(ctx, idle_ms=3_600_000)
    window.show_kiosk()
    shot(window, "kiosk-1-welcome")
    window.show_identify()
    shot(window, "kiosk-2-identify")
    window.actor = ctx.services.kiosk_auth.identify(nik, "482916")
    window.profile = ctx.services.kiosk_auth.profile(window.actor)
    window.show_menu()
    shot(window, "kiosk-3-menu")
    window.show_request()
    shot(window, "kiosk-4-request")
    screen = window.body.currentWidget()
    screen.choose("domisili" if "domisili" in screen.letter_types else next(iter(screen.letter_types)))
    shot(window, "kiosk-5-letter-form")
    window.show_complaint()
    shot(window, "kiosk-6-complaint")
    window.go("info")
    shot(window, "kiosk-7-info")
    window.show_my_requests()
    shot(window, "kiosk-8-my-requests")
    window.leave()


def _shot(widget: Any, path: Path) -> None:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    loop = QEventLoop()
    QTimer.singleShot(500, loop.quit)
    loop.exec()
    QApplication.processEvents()
    screen = QWidget.screen(widget)  # (the kiosk window has its own screen(name))
    pixmap = None
    if screen is not None:  # the whole screen area of the window, frame (window manager) included
        frame = widget.frameGeometry()
        pixmap = screen.grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height())
    if pixmap is None or pixmap.isNull() or pixmap.width() < 10:
        pixmap = widget.grab()
    pixmap.save(str(path))


if __name__ == "__main__":
    sys.exit(main())
