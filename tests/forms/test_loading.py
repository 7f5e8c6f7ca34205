"""Loading letter-type files: errors name the file and line; the catalog survives broken files."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from forms import (
    LetterTypeError,
    dump_toml,
    duplicate_letter_type,
    load_catalog,
    load_file,
    parse_letter_type,
    save_letter_type,
)

GOOD = '''code = "contoh"
title = "SURAT KETERANGAN CONTOH"
classification = "400"
version = 1
validity = "1M"
kiosk = true
needs_approval = false
requirements = ["Fotokopi KTP-el"]
identity = "standard"
body = """
Orang tersebut di atas adalah penduduk {office.desa|title}.

Untuk keperluan {field.keperluan}.
"""

[[fields]]
name = "keperluan"
label = "Keperluan"
kind = "text"
required = true

[[fields]]
name = "agama"
label = "Agama"
kind = "choice"
code_list = "agama"
'''


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> LetterTypeError:
    with pytest.raises(LetterTypeError) as info:
        load_file(path)
    err = info.value
    assert str(path) in str(err)
    return err


def _line_of(text: str, needle: str, nth: int = 1) -> int:
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if needle in line]
    return hits[nth - 1]


def test_good_file_loads(tmp_path: Path) -> None:
    lt = load_file(_write(tmp_path, "contoh.toml", GOOD))
    assert lt.code == "contoh" and not lt.builtin
    assert [f.name for f in lt.fields] == ["keperluan", "agama"]
    assert ("1", "ISLAM") in lt.fields[1].choices
    assert lt.opening.startswith("Yang bertanda tangan di bawah ini, {office.jabatan_kepala}")


@pytest.mark.parametrize(
    ("old", "new", "needle", "words"),
    [
        ("{field.keperluan}", "{field.keperlan}", "keperlan", "Unknown placeholder {field.keperlan}"),
        ("{office.desa|title}", "{office.desa|capital}", "capital", "Unknown filter"),
        ("{office.desa|title}", "{kantor.desa}", "kantor.desa", "Unknown placeholder {kantor.desa}"),
        ('kind = "choice"', 'kind = "dropdown"', "dropdown", "Unknown field kind dropdown"),
        ('code_list = "agama"', 'code_list = "agamaa"', "agamaa", "Unknown code list agamaa"),
        ('required = true', 'required = true\npattern = "[0-9"', "pattern", "Bad regular expression"),
        ('name = "agama"', 'name = "keperluan"', 'name = "keperluan"', "Duplicate field name keperluan"),
        ('validity = "1M"', 'validity = "sebulan"', "validity", "Bad validity sebulan"),
        ('kiosk = true', 'kiosk = "ya"', "kiosk", "Key kiosk must be true or false"),
        ('identity = "standard"', 'identitas = "standard"', "identitas", "Unknown key identitas"),
        ("Untuk keperluan", "[lampiran]\n\nUntuk keperluan", "[lampiran]", "Unknown block [lampiran]"),
        ("code = \"contoh\"", "code = \"contoh\"\nversion = 2", "version = 1", "Not valid TOML"),
        ("kiosk = true", "kiosk = yes", "kiosk = yes", "Not valid TOML"),
    ],
)
def test_errors_name_file_and_line(tmp_path: Path, old: str, new: str, needle: str, words: str) -> None:
    text = GOOD.replace(old, new, 1)
    assert text != GOOD
    path = _write(tmp_path, "rusak.toml", text)
    err = _error(path)
    nth = 2 if needle == 'name = "keperluan"' else 1
    assert err.line == _line_of(text, needle, nth), str(err)
    assert str(err).startswith(f"{path}:{err.line}: ")
    assert words in str(err)


def test_missing_required_key(tmp_path: Path) -> None:
    err = _error(_write(tmp_path, "x.toml", GOOD.replace('classification = "400"\n', "")))
    assert "Missing required key classification" in str(err) and err.line == 1
    assert err.template == "Missing required key {key}" and err.params == {"key": "classification"}


def test_field_errors_in_people_columns(tmp_path: Path) -> None:
    text = GOOD + '''
[[fields]]
name = "saksi"
label = "Saksi"
kind = "people"

  [[fields.columns]]
  name = "nama"
  label = "Nama"
  kind = "text"

  [[fields.columns]]
  name = "sub"
  label = "Sub"
  kind = "people"
'''
    err = _error(_write(tmp_path, "x.toml", text))
    assert "Unknown field kind people" in str(err)
    assert err.line == len(text.splitlines())


def test_catalog_keeps_going_and_village_overrides(tmp_path: Path) -> None:
    village = tmp_path / "jenis_surat"
    _write(village, "a_rusak.toml", GOOD.replace("{field.keperluan}", "{field.nope}"))
    _write(village, "contoh.toml", GOOD)
    override = GOOD.replace('code = "contoh"', 'code = "domisili"').replace(
        "SURAT KETERANGAN CONTOH", "SURAT KETERANGAN DOMISILI (VERSI DESA)")
    _write(village, "domisili.toml", override)
    _write(village, "z_dobel.toml", GOOD)
    catalog = load_catalog([village, tmp_path / "missing"])
    assert "contoh" in catalog and len(catalog) >= 22
    assert catalog.types["domisili"].title == "SURAT KETERANGAN DOMISILI (VERSI DESA)"
    assert not catalog.types["domisili"].builtin
    assert list(catalog.types).index("domisili") == list(load_catalog([]).types).index("domisili")
    broken = {p.name: msg for p, msg in catalog.broken}
    assert set(broken) == {"a_rusak.toml", "z_dobel.toml"}
    assert "a_rusak.toml:13: Unknown placeholder {field.nope}" in broken["a_rusak.toml"]
    assert "already used" in broken["z_dobel.toml"]
    assert {t.code for t in catalog.kiosk_types()} >= {"domisili", "contoh", "sktm"}


@pytest.mark.parametrize("code", sorted(load_catalog([]).types))
def test_dump_round_trips(tmp_path: Path, code: str) -> None:
    lt = load_catalog([]).types[code]
    again = parse_letter_type(dump_toml(lt), tmp_path / "x.toml", builtin=True)
    assert dataclasses.replace(again, source_path=lt.source_path) == lt
    assert again.fields[0].choices == lt.fields[0].choices


def test_duplicate_edit_and_save(tmp_path: Path) -> None:
    base = load_catalog([]).types["domisili"]
    copy = duplicate_letter_type(base, code="domisili_kerja", title="SURAT KETERANGAN DOMISILI KERJA",
                                 classification="400.12.2.2",
                                 body="Yang bersangkutan bekerja di {field.keperluan|upper}.")
    saved = save_letter_type(copy, tmp_path / "village")
    assert saved.source_path == tmp_path / "village" / "domisili_kerja.toml"
    catalog = load_catalog([tmp_path / "village"])
    assert catalog.broken == []
    got = catalog.types["domisili_kerja"]
    assert got.classification == "400.12.2.2" and got.fields == base.fields and not got.builtin
    assert catalog.types["domisili"].builtin  # the shipped one stays

    bad = dataclasses.replace(copy, code="rusak", body="Nama {resident.namaa}")
    with pytest.raises(LetterTypeError, match=r"rusak\.toml:\d+: Unknown placeholder \{resident\.namaa\}"):
        save_letter_type(bad, tmp_path / "village")
    assert not (tmp_path / "village" / "rusak.toml").exists()
