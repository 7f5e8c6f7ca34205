"""Qt's own strings (dialog buttons, wizard, file dialog) through our gettext catalogs.

Qt ships no Indonesian catalog, so a QTranslator subclass answers from ``resources/locale/id/qt.po``
(entries carry Qt's context as ``msgctxt``). The app's own strings use ``kiosk.i18n._``.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QTranslator

from kiosk import i18n


class GettextQtTranslator(QTranslator):
    def translate(self, context: str, source_text: str, disambiguation: str | None = None, n: int = -1) -> str | None:  # type: ignore[override]
        text = i18n.pgettext(context, source_text)
        # None (a null QString) lets Qt fall back to the source text; "" would be taken as the
        # translation and empty every untranslated string (e.g. QPageSize names, which then turn invalid)
        return text if text != source_text else None

    def isEmpty(self) -> bool:
        return False


_installed: GettextQtTranslator | None = None


def install_qt_translator(app: QCoreApplication) -> None:
    global _installed
    if _installed is None:
        _installed = GettextQtTranslator(app)
        app.installTranslator(_installed)
