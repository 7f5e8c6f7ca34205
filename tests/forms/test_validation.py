"""Field values from forms and the command line: conversion and checks."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from forms import ValidationMessage, parse_letter_type, validate_values

TODAY = date(2026, 11, 27)
LT = parse_letter_type('''
code = "uji"
title = "UJI"
classification = "400"
version = 1
validity = "1M"
kiosk = false
needs_approval = false
identity = "none"
body = "{field.nama}"

[[fields]]
name = "nama"
label = "Nama"
kind = "text"
required = true
min = 2
max = 10

[[fields]]
name = "nik"
label = "NIK"
kind = "text"
pattern = '\\d{16}'

[[fields]]
name = "jumlah"
label = "Jumlah"
kind = "number"
min = 1
max = 5

[[fields]]
name = "tanggal"
label = "Tanggal"
kind = "date"
not_future = true

[[fields]]
name = "jam"
label = "Jam"
kind = "time"

[[fields]]
name = "agama"
label = "Agama"
kind = "choice"
code_list = "agama"

[[fields]]
name = "ukuran"
label = "Ukuran"
kind = "choice"
default = "k"
options = [["k", "Kecil"], ["b", "Besar"]]

[[fields]]
name = "orang"
label = "Orang"
kind = "people"
max = 2

  [[fields.columns]]
  name = "nama"
  label = "Nama"
  kind = "text"
  required = true

  [[fields.columns]]
  name = "lahir"
  label = "Lahir"
  kind = "date"
''', Path("uji.toml"))


def check(**values: object) -> tuple[dict[str, object], dict[str, str]]:
    return validate_values(LT, {"nama": "Siti"} | values, TODAY)


def test_required_and_defaults() -> None:
    cleaned, errors = validate_values(LT, {"nama": "  "}, TODAY)
    assert errors == {"nama": "This field is required."}
    assert cleaned["ukuran"] == "k" and cleaned["tanggal"] is None and cleaned["orang"] == []
    msg = errors["nama"]
    assert isinstance(msg, ValidationMessage) and msg.template == "This field is required."
    assert msg.translate(lambda s: {"This field is required.": "Wajib diisi."}[s]) == "Wajib diisi."


def test_text_length_and_pattern() -> None:
    assert check(nama="S")[1] == {"nama": "Must be at least 2 characters."}
    assert check(nama="S" * 11)[1] == {"nama": "Must be at most 10 characters."}
    assert check(nik="35100145079000")[1] == {"nik": "Invalid format."}
    assert check(nik="3510014507900003")[1] == {}


def test_numbers() -> None:
    assert check(jumlah="3")[0]["jumlah"] == 3
    assert check(jumlah="2,5")[0]["jumlah"] == 2.5
    assert check(jumlah="0")[1] == {"jumlah": "Must be at least 1."}
    assert check(jumlah="6")[1] == {"jumlah": "Must be at most 5."}
    assert check(jumlah="tiga")[1] == {"jumlah": "Not a number."}


@pytest.mark.parametrize("text", ["2026-11-27", "27-11-2026", "27/11/2026", "today", date(2026, 11, 27)])
def test_date_formats(text: object) -> None:
    cleaned, errors = check(tanggal=text)
    assert errors == {} and cleaned["tanggal"] == TODAY


def test_dates_rejected() -> None:
    assert check(tanggal="31-02-2026")[1] == {"tanggal": "Not a valid date; write it as DD-MM-YYYY."}
    assert check(tanggal="28-11-2026")[1] == {"tanggal": "The date cannot be in the future."}


def test_times() -> None:
    assert check(jam="08:30")[0]["jam"] == time(8, 30)
    assert check(jam="8.05")[0]["jam"] == time(8, 5)
    assert check(jam="25:00")[1] == {"jam": "Not a valid time; write it as HH:MM."}


def test_code_list_by_code_and_name() -> None:
    assert check(agama="1")[0]["agama"] == "1"
    assert check(agama="islam")[0]["agama"] == "1"
    assert check(agama="Katholik")[0]["agama"] == "3"
    assert check(ukuran="BESAR")[0]["ukuran"] == "b"
    assert check(agama="Jedi")[1] == {"agama": "Jedi is not one of the allowed choices."}


def test_people_rows() -> None:
    cleaned, errors = check(orang=[{"nama": "A", "lahir": "01/02/2000"}, {"nama": "", "lahir": ""}])
    assert errors == {} and cleaned["orang"] == [{"nama": "A", "lahir": date(2000, 2, 1)}]
    _, errors = check(orang=[{"nama": "", "lahir": "2000-01-01"}])
    assert errors == {"orang.0.nama": "This field is required."}
    _, errors = check(orang=[{"nama": "A"}, {"nama": "B"}, {"nama": "C"}])
    assert errors == {"orang": "At most 2 rows are allowed."}
    _, errors = check(orang='[{"nama": "A", "umur": 3}]')
    assert errors == {"orang.0.umur": "Unknown field."}


def test_unknown_field_and_resident_lookup() -> None:
    assert check(catatan="x")[1] == {"catatan": "Unknown field."}
    kematian = __import__("forms").load_catalog([]).types["kematian"]
    base = {"tanggal_kematian": "2026-11-20", "tempat_kematian": "rumah", "sebab_kematian": "3",
            "penerang": "4", "hubungan_pelapor": "anak"}
    _, errors = validate_values(kematian, base | {"pelapor": "123"}, TODAY)
    assert errors == {"pelapor": "A NIK has 16 digits."}
    _, errors = validate_values(kematian, base | {"pelapor": "3510010101800009"}, TODAY, lambda nik: None)
    assert errors == {"pelapor": "No resident with NIK 3510010101800009."}
