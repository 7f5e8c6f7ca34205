"""End to end (issue 19.2): a kiosk device pulls its village from the district, a resident signs in there
with NIK and PIN, and no NIK is stored anywhere on the kiosk — the kiosk finds the resident by the keyed
hash of the typed NIK, computed with the village's key it got at enrolment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.models import Resident
from kiosk.services.kiosk_auth import KioskIdentifyFailed
from tests.sync.fakes import Dev, District, make_template

NIK = "3510014507900003"
FATHER_NIK = "3510011203650001"
PIN = "274615"


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Dev, Dev]]:
    district = District(tmp_path / "district.sqlite3")
    template = make_template(tmp_path / "template")
    office = Dev.from_template("kantor", template, tmp_path / "kantor", district)
    kiosk = Dev.from_template("anjungan", template, tmp_path / "anjungan", district)
    try:
        yield office, kiosk
    finally:
        office.close()
        kiosk.close()
        district.close()


def _sync(dev: Dev) -> None:
    report = dev.sync()
    assert report is not None and report.ok, report
    assert [r for r in dev.outbox() if r.state != "acked"] == []


def _files_hold(data_dir: Path, text: str) -> list[str]:
    needle = text.encode("ascii")
    return [str(f.relative_to(data_dir)) for f in data_dir.rglob("*") if f.is_file() and needle in f.read_bytes()]


def test_kiosk_signs_a_resident_in_without_holding_any_nik(pair: tuple[Dev, Dev]) -> None:
    office, kiosk = pair
    assert office.enroll("office").role == "office"
    staff = office.actor
    rid = office.services.residents.register(staff, {
        "name": "Siti Aminah", "nik": NIK, "sex": 2, "birth_place": "Banyuwangi", "birth_date": "1990-07-05",
        "religion": 1, "rt": "001", "rw": "002", "address": "Dusun Krajan", "father_nik": FATHER_NIK,
    }, accept_warnings=True).id
    office.services.residents.set_pin(staff, rid, PIN)
    _sync(office)

    assert kiosk.enroll("kiosk").role == "kiosk"
    _sync(kiosk)
    with kiosk.store.read() as s:
        here = s.get(Resident, rid)
        assert here is not None and here.name == "Siti Aminah"
        assert (here.nik, here.father_nik, here.kk_number) == (None, None, None)
        assert here.pin_hash is not None
    kiosk.store.engine.dispose()  # everything on disk (WAL checkpointed) before reading the files
    assert _files_hold(kiosk.data_dir, NIK) == []
    assert _files_hold(kiosk.data_dir, FATHER_NIK) == []

    auth = kiosk.services.kiosk_auth
    actor = auth.identify(NIK, PIN)
    assert actor.user_id == rid
    assert auth.profile(actor).name == "Siti Aminah"
    with pytest.raises(KioskIdentifyFailed):
        auth.identify(NIK, "000000")
    with pytest.raises(KioskIdentifyFailed):
        auth.identify("3510014507900004", PIN)

    # A PIN reset at the office reaches the kiosk; the old PIN stops working there.
    office.services.residents.set_pin(staff, rid, "918273")
    _sync(office)
    _sync(kiosk)
    with pytest.raises(KioskIdentifyFailed):
        auth.identify(NIK, PIN)
    assert auth.identify(NIK, "918273").user_id == rid
    with kiosk.store.read() as s:
        assert s.scalars(select(Resident.nik).where(Resident.nik.is_not(None))).all() == []


def test_enrolling_a_kiosk_empties_the_niks_it_already_held(pair: tuple[Dev, Dev]) -> None:
    """A kiosk that held residents with NIKs (pulled before this change) keeps none once enrolled; its
    residents still sign in, by the keyed hash made from the NIK it had."""
    from kiosk.ids import new_id
    from kiosk.security import hash_secret

    _office, kiosk = pair
    rid = new_id()
    with kiosk.store.write() as s:
        s.add(Resident(id=rid, name="Budi", name_search="budi", nik=NIK, father_nik=FATHER_NIK,
                       kk_number="3510010101080001", status=1, pin_hash=hash_secret(PIN), version=1))
    assert kiosk.enroll("kiosk").role == "kiosk"
    with kiosk.store.read() as s:
        here = s.get(Resident, rid)
        assert here is not None and (here.nik, here.father_nik, here.kk_number) == (None, None, None)
    assert kiosk.services.kiosk_auth.identify(NIK, PIN).user_id == rid
    kiosk.store.engine.dispose()
    # the file is compacted after the NIKs are emptied: no old page keeps them
    assert _files_hold(kiosk.data_dir, NIK) == []
    assert _files_hold(kiosk.data_dir, FATHER_NIK) == []
