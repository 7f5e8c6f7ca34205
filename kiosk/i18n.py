"""The one translation function of Smart Kampung: gettext catalogs, Indonesian by default.

Source strings are English. Indonesian catalogs live in ``resources/locale/id/*.po`` (one file per
area, so features do not edit one shared file); they are compiled with Babel to ``.mo`` on first use
when the compiled file is missing or older than its source. ``set_language("en")`` switches to the
English source strings.
"""

from __future__ import annotations

import gettext
import logging
import threading
from pathlib import Path

log = logging.getLogger(__name__)

LOCALE_DIR = Path(__file__).resolve().parent.parent / "resources" / "locale"
DEFAULT_LANGUAGE = "id"
LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}

_lock = threading.Lock()
_current: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def _compile_if_stale(po: Path) -> Path:
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        with po.open("rb") as f:
            catalog = read_po(f, locale=po.parent.name)
        tmp = mo.with_suffix(".mo.tmp")
        with tmp.open("wb") as f:
            write_mo(f, catalog)
        tmp.replace(mo)
    return mo


def load_catalog(language: str) -> gettext.NullTranslations:
    """All catalogs of one language merged into one translations object."""
    folder = LOCALE_DIR / language
    translations: gettext.NullTranslations = gettext.NullTranslations()
    if not folder.is_dir():
        return translations
    for po in sorted(folder.glob("*.po")):
        try:
            mo = _compile_if_stale(po)
        except OSError:  # read-only install: use what was compiled at setup
            mo = po.with_suffix(".mo")
            if not mo.exists():
                log.warning("translation catalog %s is not compiled", po.name)
                continue
        with mo.open("rb") as f:
            part = gettext.GNUTranslations(f)
        part.add_fallback(translations)
        translations = part
    return translations


def set_language(language: str) -> None:
    """Switch every later call of ``_`` to ``language`` ("id" or "en")."""
    global _current, _language
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    with _lock:
        _current = load_catalog(language) if language != "en" else gettext.NullTranslations()
        _language = language


def current_language() -> str:
    return _language


def _(message: str) -> str:
    """Translate ``message`` (English source text) into the current language."""
    return _current.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return _current.pgettext(context, message)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now (translated when shown)."""
    return message


set_language(DEFAULT_LANGUAGE)
