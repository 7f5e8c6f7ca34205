"""Official letter numbers: the ONE allocation function, and the number format.

``allocate_number`` runs inside the same ``Store.write()`` transaction (``BEGIN IMMEDIATE``) that
inserts the letter and its ``LetterNumber`` row, so two writers (threads or processes) are serialised
and the unique key ``(year, sequence_key, number)`` can never be hit by a race; a failed transaction
takes its number with it (nothing is skipped).

Until the office is enrolled at the district, numbers come from the local sequence: the highest
number recorded for ``(year, sequence_key)`` (used, void or unused) plus one, so counting restarts
at 1 every calendar year. The sync feature extends this function with leases from the district
(``LetterNumberLease``): it then returns the lease id with the number.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.errors import DomainError
from kiosk.i18n import N_
from kiosk.models import LetterNumber

SEQUENCE_ALL = "all"
SEQUENCE_PER_TYPE = "per_type"
ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
NUMBER_TOKENS = ("kode", "nomor", "unit", "bulan_romawi", "bulan", "tahun", "kode_desa")


class NumberFormatInvalid(DomainError):
    code = "number_format_invalid"
    template = N_("The letter number format “{format}” cannot be used: {reason}.")


def sequence_key_for(setting: str, letter_type: str) -> str:
    """The sequence a letter of ``letter_type`` counts in: "all" or the type's code (per_type)."""
    return letter_type if setting == SEQUENCE_PER_TYPE else SEQUENCE_ALL


def allocate_number(session: Session, *, year: int, sequence_key: str) -> tuple[int, str | None]:
    """The next official number of ``(year, sequence_key)`` and the lease it came from (None: local).

    Call inside ``Store.write()``; the caller inserts the ``LetterNumber`` row in the same transaction.
    """
    from kiosk.services.leases import take_number  # an enrolled office numbers from district leases

    leased = take_number(session, year=year, sequence_key=sequence_key)
    if leased is not None:
        return leased
    highest = session.execute(
        select(func.max(LetterNumber.number)).where(
            LetterNumber.year == year, LetterNumber.sequence_key == sequence_key
        )
    ).scalar()
    return int(highest or 0) + 1, None


def number_tokens(*, classification: str, number: int, unit: str, village_code: str,
                  issued_on: dt.date) -> dict[str, Any]:
    return {
        "kode": classification,
        "nomor": number,
        "unit": unit or village_code,
        "bulan_romawi": ROMAN_MONTHS[issued_on.month - 1],
        "bulan": issued_on.month,
        "tahun": issued_on.year,
        "kode_desa": village_code,
    }


def format_number(pattern: str, **tokens: Any) -> str:
    """The official number from the NUMBER_FORMAT pattern, e.g. ``{kode}/{nomor:03d}/{unit}/{tahun}``.

    Tokens: see ``number_tokens``. An unknown token or a bad format spec raises NumberFormatInvalid.
    """
    values = number_tokens(**tokens)
    try:
        text = pattern.format(**values)
    except KeyError as e:
        raise NumberFormatInvalid(format=pattern, reason=f"{{{e.args[0]}}} ?") from None
    except (ValueError, IndexError) as e:
        raise NumberFormatInvalid(format=pattern, reason=str(e)) from None
    if "{nomor" not in pattern:
        raise NumberFormatInvalid(format=pattern, reason="{nomor}")
    return text
