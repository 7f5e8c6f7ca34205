"""Indonesian dates and times for letters, screens and the command line (Babel's ``id`` locale data):
day and month names, long dates, and the time zone label of the office's province.

Pure (Babel only), so printing, forms' callers and kiosk all use the same words.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from babel import Locale
from babel.dates import format_date

# Kemendagri province codes by time zone (UU 1987/Keppres 41/1987): WIT for Maluku and Papua, WITA for
# Bali, Nusa Tenggara, Kalimantan Selatan/Timur/Utara and Sulawesi; the rest WIB.
_WIT = {"81", "82", "91", "92", "93", "94", "95", "96", "97"}
_WITA = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}


@lru_cache(maxsize=1)
def _id() -> Locale:
    return Locale.parse("id")


def _as_date(value: dt.date | dt.datetime | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def long_date(value: dt.date | dt.datetime | str) -> str:
    """``27 November 2026``."""
    return format_date(_as_date(value), "d MMMM y", locale=_id())


def day_name(value: dt.date | dt.datetime | str) -> str:
    """``Jumat``."""
    return format_date(_as_date(value), "EEEE", locale=_id())


def day_and_date(value: dt.date | dt.datetime | str) -> str:
    """``Jumat, 27 November 2026`` (the "Hari/Tanggal" of a letter)."""
    return f"{day_name(value)}, {long_date(value)}"


def time_zone_label(region_code: str | None) -> str:
    """WIB, WITA or WIT for a Kemendagri region code (``35.10.01.2001`` → WIB, ``51...`` → WITA)."""
    province = (region_code or "").strip()[:2]
    if province in _WIT:
        return "WIT"
    if province in _WITA:
        return "WITA"
    return "WIB"
