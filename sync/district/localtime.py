"""Times on the district pages as each village's office reads them (its zone from ``kiosk.timezones``),
and the letter type titles the pages show instead of codes."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from kiosk.timezones import WIB, WIT, WITA, stamp, zone_for

__all__ = ["WIB", "WIT", "WITA", "letter_type_titles", "local", "stamp", "zone_for", "zone_for_all"]


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
