"""Indonesia's three time zones by province (Kemendagri code), so district pages show a village's times
as its office reads them: WIB (UTC+7), WITA (UTC+8), WIT (UTC+9) — UK 41/2005 / Keppres 41/1987."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

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


def zone_for_all(codes: Iterable[str]) -> dt.timezone:
    """The zone most of these villages are in (a regency has one; WIB when there are none)."""
    counts = Counter(zone_for(c) for c in codes)
    return counts.most_common(1)[0][0] if counts else WIB


def local(value: dt.datetime | None, zone: dt.timezone) -> dt.datetime | None:
    """A stored (UTC) time in ``zone``; naive values are taken as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(zone)


def stamp(value: dt.datetime | None, zone: dt.timezone) -> str:
    """``04-12-2026 07.25 WIB`` (empty for no time)."""
    v = local(value, zone)
    return f"{v:%d-%m-%Y %H.%M} {zone.tzname(None)}" if v is not None else ""


def letter_type_titles() -> dict[str, str]:
    """Built-in letter types' titles by code (read from forms/types/*.toml, plain data)."""
    import tomllib
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "forms" / "types"
    out: dict[str, str] = {}
    for path in sorted(folder.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            continue
        if data.get("code") and data.get("title"):
            out[str(data["code"])] = str(data["title"])
    return out
