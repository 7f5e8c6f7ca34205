"""NIK and No. KK: normalising, parsing, checking (with property-based tests over real codes)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk import nik as n
from kiosk.refdata import is_known_kecamatan, kabupaten, kecamatan, provinces

KECAMATAN = sorted(k for p in provinces() for kab in kabupaten(p) for k in kecamatan(kab))
KABUPATEN = sorted(kab for p in provinces() for kab in kabupaten(p))
UNKNOWN_PROVINCES = sorted({f"{i:02d}" for i in range(100)} - set(provinces()))


def region_digits(code: str) -> str:
    return code.replace(".", "")


@st.composite
def valid_nik(draw: st.DrawFn) -> tuple[str, date, bool]:
    region = draw(st.sampled_from(KECAMATAN))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)))
    female = draw(st.booleans())
    serial = draw(st.integers(1, 9999))
    day = born.day + (40 if female else 0)
    nik = f"{region_digits(region)}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"
    return nik, born, female


@st.composite
def valid_kk(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(KECAMATAN))
    when = draw(st.dates(min_value=date(1970, 1, 1), max_value=date(2025, 12, 31)))
    serial = draw(st.integers(1, 9999))
    return f"{region_digits(region)}{when.day:02d}{when.month:02d}{when.year % 100:02d}{serial:04d}"


@given(valid_nik())
def test_valid_nik_passes_and_parses_back(case: tuple[str, date, bool]) -> None:
    nik, born, female = case
    sex = n.SEX_FEMALE if female else n.SEX_MALE
    check = n.check_nik(nik, birth_date=born, sex=sex, holder_lookup=lambda _nik: None)
    assert check.ok, check.errors
    assert check.warnings == []
    parts = n.parse_nik(nik)
    assert parts.female is female
    assert (parts.day, parts.month, parts.year2) == (born.day, born.month, born.year % 100)
    assert parts.kecamatan.replace(".", "") == nik[:6]
    assert is_known_kecamatan(parts.kecamatan)
    assert parts.serial == nik[12:]


def test_elderly_woman_born_in_the_1900s() -> None:
    check = n.check_nik("3510015112280003", birth_date=date(1928, 12, 11), sex=n.SEX_FEMALE)
    assert check.ok and check.warnings == []
    # the same digits would also fit 2028; the century comes from the record, not the NIK
    assert n.parse_nik("3510015112280003").year2 == 28


@given(valid_nik(), st.sampled_from(UNKNOWN_PROVINCES))
def test_unknown_province(case: tuple[str, date, bool], province: str) -> None:
    check = n.check_nik(province + case[0][2:])
    assert n.NIK_PROVINCE_UNKNOWN in check.error_codes


@given(valid_nik(), st.sampled_from(sorted(provinces())), st.integers(0, 99))
def test_unknown_kabupaten(case: tuple[str, date, bool], province: str, kab: int) -> None:
    if f"{province}.{kab:02d}" in KABUPATEN:
        return
    check = n.check_nik(f"{province}{kab:02d}" + case[0][4:])
    assert check.error_codes[0] == n.NIK_KABUPATEN_UNKNOWN


@given(valid_nik(), st.sampled_from(KABUPATEN), st.integers(0, 99))
def test_unknown_kecamatan_is_only_a_warning(case: tuple[str, date, bool], kab: str, kec: int) -> None:
    if is_known_kecamatan(f"{kab}.{kec:02d}"):
        return
    check = n.check_nik(region_digits(kab) + f"{kec:02d}" + case[0][6:])
    assert check.ok
    assert check.warning_codes == [n.NIK_KECAMATAN_UNKNOWN]


@given(valid_nik(), st.sampled_from([0, 13, 20, 99]))
def test_bad_month(case: tuple[str, date, bool], month: int) -> None:
    nik = case[0]
    check = n.check_nik(nik[:8] + f"{month:02d}" + nik[10:])
    assert check.error_codes == [n.NIK_MONTH_INVALID]


@given(valid_nik(), st.sampled_from([0, 32, 35, 40, 72, 80, 99]))
def test_bad_day(case: tuple[str, date, bool], day: int) -> None:
    nik = case[0]
    check = n.check_nik(nik[:6] + f"{day:02d}" + nik[8:])
    assert check.error_codes == [n.NIK_DAY_INVALID]


@given(valid_nik())
def test_serial_zero(case: tuple[str, date, bool]) -> None:
    check = n.check_nik(case[0][:12] + "0000")
    assert check.error_codes == [n.NIK_SERIAL_ZERO]


@given(valid_nik(), st.sampled_from(["", "1", "351001410790000", "35100141079000011", "35100141079O0001"]))
def test_bad_format(case: tuple[str, date, bool], bad: str) -> None:
    check = n.check_nik(bad)
    assert check.error_codes == [n.NIK_FORMAT]
    with pytest.raises(n.InvalidNumber):
        n.parse_nik(bad or "x")


@given(valid_nik())
def test_held_by_another_resident(case: tuple[str, date, bool]) -> None:
    check = n.check_nik(case[0], holder_lookup=lambda _nik: "resident-2")
    assert check.error_codes == [n.NIK_TAKEN]


def test_date_and_sex_mismatch_are_warnings() -> None:
    check = n.check_nik("3510014107900001", birth_date=date(1990, 7, 2), sex=n.SEX_MALE)
    assert check.ok
    assert check.warning_codes == [n.NIK_DATE_MISMATCH, n.NIK_SEX_MISMATCH]
    assert "02-07-1990" in check.warnings[0].message()
    male = n.check_nik("3510010107900001", birth_date=date(1990, 7, 1), sex=n.SEX_FEMALE)
    assert male.warning_codes == [n.NIK_SEX_MISMATCH]
    assert male.warnings[0].template != check.warnings[1].template


@given(valid_kk())
def test_valid_kk(kk: str) -> None:
    assert n.check_kk(kk).ok
    assert n.parse_kk(kk).female is False


@given(valid_kk())
def test_kk_mutations(kk: str) -> None:
    assert n.check_kk("00" + kk[2:]).error_codes == [n.KK_PROVINCE_UNKNOWN]
    assert n.check_kk(kk[:6] + "41" + kk[8:]).error_codes == [n.KK_DAY_INVALID]  # no +40 in a KK
    assert n.check_kk(kk[:8] + "13" + kk[10:]).error_codes == [n.KK_MONTH_INVALID]
    assert n.check_kk(kk[:12] + "0000").error_codes == [n.KK_SERIAL_ZERO]
    assert n.check_kk(kk[:15]).error_codes == [n.KK_FORMAT]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3510014107900001", "3510014107900001"),
        ("'3510014107900001", "3510014107900001"),
        (" 3510 0141 0790 0001 ", "3510014107900001"),
        ("35.10.01.410790.0001", "3510014107900001"),
        ("3510014107900001.0", "3510014107900001"),
        ("3.51001410790001e+15", "3510014107900010"),
        (3.51001410790001e15, "3510014107900010"),
        (3510014107900001, "3510014107900001"),
        (3510014107900001.0, "3510014107900001"),
        ("", None), ("  ", None), ("-", None), (None, None), ("belum ada", None), (0, None),
        ("35100141079OOOO1", "35100141079OOOO1"),
    ],
)  # fmt: skip
def test_normalize_nik(raw: object, expected: str | None) -> None:
    assert n.normalize_nik(raw) == expected


def test_missing_and_temporary() -> None:
    assert n.NIK_MISSING is None
    assert n.is_temporary_nik("0351001200000001")
    assert not n.is_temporary_nik("3510014107900001")


def test_mask() -> None:
    assert n.mask_nik("3510014107900001") == "3510********0001"
    assert n.mask_nik(None) == ""
    assert n.mask_nik("1234") == "****"
