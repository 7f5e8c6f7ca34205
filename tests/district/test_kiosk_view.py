"""A kiosk device gets only what a kiosk needs (issue 19.2), filtered by role in the server: no NIK of the
village's residents reaches a kiosk through pull or snapshot — on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import re

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.ids import new_id
from kiosk.security import lookup_key
from sync import protocol as p
from tests.district.conftest import VILLAGE, Dev, District

NIKS = {"nik": "3510014507900003", "kk_number": "3510010101080001", "father_nik": "3510011203650001",
        "mother_nik": "3510015304680002"}
PIN_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"


def _enroll_kiosk(district: District) -> tuple[Dev, str]:
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    r = district.client.post("/api/v1/enroll", json={"code": district.code(VILLAGE, "kiosk"), "device_name": "kios",
                                                     "public_key": base64.b64encode(raw).decode()})
    assert r.status_code == 200, r.text
    body = p.EnrollResponse.model_validate(r.json())
    assert body.role == "kiosk" and body.nik_key
    return Dev(district.client, body.device_id, body.token, VILLAGE, "kiosk", key), body.nik_key


def _village_niks(office: Dev) -> set[str]:
    """Every 16-digit number of the village's residents and families, as the office sees them."""
    text = office.client.get("/api/v1/pull", params={"after": 0}, headers=office.headers).text
    found = set(re.findall(r"(?<!\d)\d{16}(?!\d)", text))
    assert set(NIKS.values()) <= found  # the office itself does get them
    return found


def _everything_a_kiosk_reads(district: District, kiosk: Dev) -> list[str]:
    pages = [district.client.get("/api/v1/pull", params={"after": 0}, headers=kiosk.headers).text,
             district.client.get("/api/v1/snapshot", headers=kiosk.headers).text]
    for entity in ("family", "resident", "population_event", "letter_request", "letter", "complaint"):
        pages.append(district.client.get("/api/v1/snapshot", params={"entity": entity}, headers=kiosk.headers).text)
    return pages


def test_no_nik_reaches_a_kiosk_through_pull_or_snapshot(district: District) -> None:
    office = district.enroll(VILLAGE)
    kiosk, nik_key = _enroll_kiosk(district)
    family, siti, budi = new_id(), new_id(), new_id()
    office_request, kiosk_complaint = new_id(), new_id()
    results = office.push(
        office.change("family", family, "create", {"no_kk": NIKS["kk_number"], "address": "Dusun Krajan"}),
        office.change("resident", siti, "create", {"name": "Siti Aminah", "family_id": family, "status": 1,
                                                   "birth_date": "1990-07-05", "phone": "0811", **NIKS}),
        office.change("resident", budi, "create", {"name": "Budi", "nik": "3510010101700009", "status": 1}),
        office.change("resident", siti, "update", {"pin_hash": PIN_HASH}, base_version=1),
        office.change("letter_request", office_request, "create", {
            "resident_id": siti, "letter_type": "SKTM", "channel": "kantor",
            "values": {"nik_ayah": NIKS["father_nik"]}}),
        office.change("letter", new_id(), "create", {
            "number": "474/1", "letter_type": "SKTM", "issued_at": "2026-11-27", "content_hash": "ab" * 32,
            "year": 2026, "seq_number": 1, "resident_snapshot": {"nik": NIKS["nik"]}}),
        office.change("population_event", new_id(), "create", {"resident_id": siti, "nik": NIKS["nik"]}),
    )
    assert [r.status for r in results] == ["applied"] * len(results)
    [filed] = kiosk.push(kiosk.change("complaint", kiosk_complaint, "create", {
        "channel": "kios", "reporter_resident_id": siti, "text": "Lampu mati",
        "received_at": "2026-11-27T08:00:00+00:00"}))
    assert filed.status == "applied"
    office.push(office.change("complaint", kiosk_complaint, "transition", {"to": "ditanggapi",
                                                                           "first_response": "Sudah dilaporkan"}))

    niks = _village_niks(office)
    for page in _everything_a_kiosk_reads(district, kiosk):
        leaked = {n for n in niks if n in page}
        assert not leaked, f"NIK reached the kiosk: {sorted(leaked)}"

    # What it does get: residents by keyed NIK hash with name, status and PIN hash; its own complaint's state.
    pulled = kiosk.pull().changes
    residents = {c.entity_id: c.payload for c in pulled if c.entity == "resident"}
    assert residents[siti] == {"village": VILLAGE, "name": "Siti Aminah", "status": 1, "pin_hash": PIN_HASH,
                               "extra": {"nik_key": lookup_key(NIKS["nik"], nik_key)}}
    assert residents[siti]["extra"] == {"nik_key": lookup_key(NIKS["nik"], nik_key)}
    assert residents[siti]["pin_hash"] == PIN_HASH and "birth_date" not in residents[siti]
    assert {c.entity for c in pulled} == {"resident", "complaint"}
    complaints = [c for c in pulled if c.entity == "complaint"]
    assert {c.entity_id for c in complaints} == {kiosk_complaint}
    complaint = complaints[-1]
    assert complaint.payload["status"] == "ditanggapi" and "first_response" not in complaint.payload
    assert "text" not in complaint.payload
    # a second kiosk of the village sees the residents but not the first kiosk's complaint
    other, other_key = _enroll_kiosk(district)
    assert other_key == nik_key
    assert {c.entity for c in other.pull().changes} == {"resident"}
