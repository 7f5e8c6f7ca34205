"""Indonesia's three time zones by province (Kemendagri code): WIB (UTC+7), WITA (UTC+8), WIT (UTC+9).

A pure rule (no database): the office prints its times in its own zone, and the district shows each
village's times in that village's zone.
"""

from __future__ import annotations

import datetime as dt

WIB = dt.timezone(dt.timedelta(hours=7), "WIB")
WITA = dt.timezone(dt.timedelta(hours=8), "WITA")
WIT = dt.timezone(dt.timedelta(hours=9), "WIT")

# Sumatra, Java, West and Central Kalimantan: WIB; Bali, Nusa Tenggara, South/East/North Kalimantan and
# Sulawesi: WITA; Maluku and Papua: WIT.
_WITA = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT = {"81", "82", "91", "92", "93", "94", "95", "96", "97"}


def zone_for(village_code: str) -> dt.timezone:
    province = (village_code or "")[:2]
    if province in _WIT:
        return WIT
    if province in _WITA:
        return WITA
    return WIB


def stamp(value: dt.datetime | None, zone: dt.timezone) -> str:
    """``04-12-2026 07.25 WIB`` (empty for no time); naive values are taken as UTC."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    v = value.astimezone(zone)
    return f"{v:%d-%m-%Y %H.%M} {zone.tzname(None)}"
