"""Amounts are exact decimals from every spelling villages use; floats and nonsense are refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kiosk.budget.money import (
    AmountError,
    format_rupiah,
    from_sen,
    parse_amount,
    parse_quantity,
    percent,
    to_sen,
)


@pytest.mark.parametrize("text, expected", [
    ("1.234.567,00", "1234567.00"),
    ("Rp 1.234.567", "1234567.00"),
    ("Rp. 889.478.000", "889478000.00"),
    ("1234567.00", "1234567.00"),
    ("1234567.0000", "1234567.00"),
    ("1,234,567.50", "1234567.50"),
    ("250.000", "250000.00"),
    ("1234,5", "1234.50"),
    ("0", "0.00"),
    (" 26.128.187 ", "26128187.00"),
])
def test_spellings_parse_to_the_same_exact_decimal(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)
    assert isinstance(parse_amount(text), Decimal)


@pytest.mark.parametrize("text", ["abc", "1.23.4", "12,34,5", "", "Rp", "1e5", "--5", "1.000.000.000.000",
                                  "0,001"])
def test_nonsense_and_absurd_amounts_are_refused(text: str) -> None:
    with pytest.raises(AmountError):
        parse_amount(text)


def test_negative_only_when_allowed() -> None:
    with pytest.raises(AmountError) as e:
        parse_amount("-1.000")
    assert "negatif" in e.value.user_message()
    assert parse_amount("(1.000)", allow_negative=True) == Decimal("-1000")


def test_float_is_never_accepted() -> None:
    with pytest.raises(AmountError):
        parse_amount(0.1)  # type: ignore[arg-type]


def test_sen_round_trip_and_format() -> None:
    value = Decimal("1234567.89")
    assert from_sen(to_sen(value)) == value
    assert format_rupiah(value) == "1.234.567,89"
    assert format_rupiah(Decimal("-115000000"), parentheses=True) == "(115.000.000)"
    assert percent(Decimal(1), Decimal(3)) == Decimal("33.33")
    assert percent(Decimal(1), Decimal(0)) is None
    assert parse_quantity("2,5") == Decimal("2.5")
