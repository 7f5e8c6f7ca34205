"""The words of issued letters: the opening names the actual signer, day names and time zones, code-list
names in sentence case inside sentences, validity from the type, SIAK spellings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import forms
from kiosk.models import Letter, OfficeProfile, Resident
from kiosk.services.demo import DEMO_PASSWORD, create_demo_village
from tests.helpers import make_services


@pytest.fixture
def office(tmp_path: Path) -> Any:
    services = make_services(tmp_path / "data", setup=False)
    create_demo_village(services, residents=6)
    with services.store.read() as s:
        rid = s.execute(select(Resident.id).where(Resident.nik.is_not(None))).scalars().first()
    yield services, services.users.authenticate("kades", DEMO_PASSWORD), rid
    services.store.close()


def _issue(office: Any, code: str, signer: str = "kepala", **values: Any) -> tuple[Any, dict[str, Any]]:
    services, actor, rid = office
    lt = services.letters.letter_type(code)
    info = services.letters.issue_direct(actor, resident_id=rid, letter_type=code,
                                         values={**forms.sample_values(lt, dt.date.today()), **values},
                                         signer=services.letters.signer_for(signer))
    with services.store.read() as s:
        row = s.get(Letter, info.id)
        assert row is not None
        return info, dict(row.document)


def _paragraphs(doc: dict[str, Any]) -> str:
    return " ".join(b["text"] for b in doc["blocks"] if b["kind"] == "paragraph")


def _rows(doc: dict[str, Any]) -> dict[str, str]:
    return {label: value for b in doc["blocks"] if b["kind"] == "fields" for label, value in b["rows"]}


def test_opening_names_the_signer(office: Any) -> None:
    _info, head = _issue(office, "domisili")
    assert "Yang bertanda tangan di bawah ini, Kepala Desa Sarongan," in head["opening"]
    _info, secretary = _issue(office, "domisili", signer="sekretaris")
    assert "Sekretaris Desa Sarongan, atas nama Kepala Desa Sarongan," in secretary["opening"]
    assert secretary["signatory"]["prefix_lines"] == ["a.n. KEPALA DESA SARONGAN"]


def test_day_names_time_zone_and_sentence_case(office: Any) -> None:
    services, _actor, _rid = office
    _info, birth = _issue(office, "kelahiran", tanggal_lahir_anak=dt.date(2026, 11, 20))
    assert _rows(birth)["Hari/Tanggal Lahir"] == "Jumat, 20 November 2026"
    assert _rows(birth)["Pukul"].endswith(" WIB")  # Banyuwangi, Jawa Timur
    assert _rows(birth)["Tempat Dilahirkan"] != "Puskemas"
    _info, married = _issue(office, "nikah", status="jejaka")
    assert "berstatus jejaka" in _paragraphs(married)

    with services.store.write() as s:  # the same office moved to Bali: WITA
        profile = s.get(OfficeProfile, 1)
        assert profile is not None
        profile.village_code = "51.71.01.1001"
    _info, death = _issue(office, "kematian")
    assert _rows(death)["Pukul"].endswith(" WITA")


def test_validity_from_the_type(office: Any) -> None:
    pindah, _doc = _issue(office, "pindah")
    assert pindah.valid_until == pindah.issued_on + dt.timedelta(days=29)
    tanah, _doc = _issue(office, "tanah")
    assert tanah.valid_until is not None and tanah.valid_until > tanah.issued_on + dt.timedelta(days=26)


def test_siak_spellings() -> None:
    from kiosk.refdata import code_list

    assert code_list("tempat_dilahirkan").name_of(2) == "Puskesmas"
    assert code_list("penolong_kelahiran").name_of(2) == "Bidan/Perawat"


def test_move_classification_follows_the_destination_code(office: Any) -> None:
    from kiosk.errors import ValidationError

    services, actor, rid = office
    lt = services.letters.letter_type("pindah")
    base = forms.sample_values(lt, dt.date.today())
    with pytest.raises(ValidationError) as refused:  # a move to Bali is not "keluar desa"
        services.letters.issue_direct(actor, resident_id=rid, letter_type="pindah",
                                      values={**base, "kode_wilayah_tujuan": "51.71.01.1001", "jenis_pindah": "1"})
    assert "Pindah keluar Provinsi" in refused.value.field_messages()["jenis_pindah"]
    _info, doc = _issue(office, "pindah", kode_wilayah_tujuan="51.71.01.1001", jenis_pindah=None)
    assert _rows(doc)["Klasifikasi Pindah"] == "Pindah keluar Provinsi"
    _info, doc = _issue(office, "pindah", kode_wilayah_tujuan="35.10.03", jenis_pindah="")
    assert _rows(doc)["Klasifikasi Pindah"] == "Pindah keluar Kecamatan"
    with pytest.raises(ValidationError) as refused:
        services.letters.issue_direct(actor, resident_id=rid, letter_type="pindah",
                                      values={**base, "kode_wilayah_tujuan": "", "jenis_pindah": ""})
    assert "jenis_pindah" in refused.value.fields
    assert forms.move_class("35.10.01.2001", "35.10.01.2001") is None
    assert forms.move_class("35.10.01.2001", "35.10.01.2005") == "1"
    assert forms.move_class("35.10.01.2001", "35.09") == "3"
