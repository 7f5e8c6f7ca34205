"""Rupiah amounts as exact ``Decimal`` values: parsing what files hold, storing as integer sen, showing.

Siskeudes exports (mdb2csv) write plain numbers (``1234567.00``); villages that type a sheet write the
Indonesian way (``1.234.567,00``, ``Rp 1.234.567``). Both parse to the same ``Decimal``; a float never
appears on the way.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from kiosk.errors import ValidationError
from kiosk.i18n import N_

ZERO = Decimal("0")
SEN = Decimal("0.01")
# No village budget line comes near a trillion rupiah (a whole Dana Desa is about one billion).
ABSURD = Decimal("1000000000000")

_RP = re.compile(r"^\s*(?:rp\.?)\s*", re.I)
# what Siskeudes exports write: 1234567.00 (three decimals would be Indonesian thousands: 250.000)
_PLAIN = re.compile(r"^\d+(?:\.(?:\d{1,2}|\d{4,}))?$")
_DIGITS = re.compile(r"^\d+$")


class AmountError(ValidationError):
    """A text that is not an amount of money (the message says why)."""

    code = "amount"


def parse_amount(text: object, *, allow_negative: bool = False) -> Decimal:
    """The exact amount written in ``text`` (a str, int or Decimal; never a float).

    Accepts ``1234567``, ``1234567.00``, ``1.234.567``, ``1.234.567,00``, ``Rp 1.234.567``,
    ``1,234,567.00``, ``(1.000)`` and ``-1.000`` (negative only with ``allow_negative``).
    """
    if isinstance(text, (bool, float)):
        raise AmountError(N_("“{value}” is not an exact amount."), value=str(text))
    if isinstance(text, int):
        value = Decimal(text)
    elif isinstance(text, Decimal):
        value = text
    elif isinstance(text, str) and _PLAIN.match(text):
        value = Decimal(text)
    else:
        value = _parse_text(str(text))
    if not value.is_finite():
        raise AmountError(N_("“{value}” is not an amount."), value=str(text))
    if value != value.quantize(SEN, rounding=ROUND_HALF_UP):
        raise AmountError(N_("“{value}” has more than two decimals (sen)."), value=str(text))
    value = value.quantize(SEN)
    if value < 0 and not allow_negative:
        raise AmountError(N_("“{value}” is negative; an amount here must be zero or more."), value=str(text))
    if abs(value) >= ABSURD:
        raise AmountError(N_("“{value}” is not a plausible amount (a trillion rupiah or more)."),
                          value=str(text))
    return value


def _parse_text(raw: str) -> Decimal:
    s = _RP.sub("", raw.strip()).replace("\u00a0", "").replace(" ", "")
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1]
    if s.startswith("-"):
        negative, s = True, s[1:]
    s = _RP.sub("", s)
    if not s:
        raise AmountError(N_("The amount is empty."), value=raw)
    dots, commas = s.count("."), s.count(",")
    if dots and commas:
        # the separator written last is the decimal one: 1.234.567,00 or 1,234,567.00
        dec, thou = (",", ".") if s.rfind(",") > s.rfind(".") else (".", ",")
        whole, _, frac = s.rpartition(dec)
        s = whole.replace(thou, "") + "." + frac
        _check_groups(whole.split(thou), raw)
    elif commas:
        if commas > 1:
            _check_groups(s.split(","), raw)
            s = s.replace(",", "")
        else:
            s = s.replace(",", ".")  # Indonesian decimal comma: 1234,50
    elif dots > 1 or (dots == 1 and len(s.rpartition(".")[2]) == 3 and s.rpartition(".")[0] != "0"):
        # 1.234.567 or 250.000: Indonesian thousands (a decimal with exactly three places is not money)
        _check_groups(s.split("."), raw)
        s = s.replace(".", "")
    whole, _, frac = s.partition(".")
    if not _DIGITS.match(whole or "0") or (frac and not _DIGITS.match(frac)):
        raise AmountError(N_("“{value}” is not an amount."), value=raw)
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise AmountError(N_("“{value}” is not an amount."), value=raw) from None
    return -value if negative else value


def _check_groups(groups: list[str], raw: str) -> None:
    if not groups[0] or len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:]):
        raise AmountError(N_("“{value}” is not an amount."), value=raw)


def parse_quantity(text: object) -> Decimal | None:
    """A volume (jumlah satuan): empty is None; ``2,5`` and ``2.5`` are both two and a half."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    if isinstance(text, (bool, float)):
        raise AmountError(N_("“{value}” is not an exact number."), value=str(text))
    s = str(text).strip().replace(",", ".")
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise AmountError(N_("“{value}” is not a number."), value=str(text)) from None
    if not value.is_finite() or value < 0 or value >= ABSURD:
        raise AmountError(N_("“{value}” is not a plausible quantity."), value=str(text))
    return value.normalize() if value == value.to_integral_value() else value


def to_sen(value: Decimal) -> int:
    return int((value * 100).to_integral_value(rounding=ROUND_HALF_UP))


def from_sen(sen: int | None) -> Decimal:
    return (Decimal(sen or 0) / 100).quantize(SEN)


def format_rupiah(value: Decimal, *, symbol: bool = False, parentheses: bool = False) -> str:
    """``1.234.567`` (sen only when there are any: ``1.234.567,50``); negatives as ``-1.000`` or ``(1.000)``."""
    negative = value < 0
    value = abs(value)
    whole = int(value)
    frac = int((value - whole) * 100)
    text = f"{whole:,}".replace(",", ".")
    if frac:
        text += f",{frac:02d}"
    if symbol:
        text = "Rp " + text
    if negative:
        text = f"({text})" if parentheses else "-" + text
    return text


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole``, to two places (None when ``whole`` is zero)."""
    if not whole:
        return None
    return (part * 100 / whole).quantize(SEN, rounding=ROUND_HALF_UP)
