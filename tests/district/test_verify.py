"""The public verify page: SAH, DIBATALKAN, TIDAK DIKENAL / TIDAK SAH, MENUNGGU SINKRONISASI."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk import letter_token as lt
from kiosk.ids import new_id
from tests.district.conftest import VILLAGE, Dev, District

CONTENT = hashlib.sha256(b"isi surat").hexdigest()
NUMBER = "474.1/007/35.10.01.2001/2026"


def _issue(dev: Dev, letter_id: str, *, push: bool = True) -> str:
    payload = lt.TokenPayload(letter_id=letter_id, number=NUMBER, village_code=VILLAGE, issued_on="2026-11-27",
                              content_hash=CONTENT, device_id=dev.device_id)
    token = lt.sign_token(payload, dev.key)
    if push:
        [r] = dev.push(dev.change("letter", letter_id, "create", {
            "number": NUMBER, "letter_type": "SKTM", "issued_at": "2026-11-27", "content_hash": CONTENT,
            "year": 2026, "sequence_key": "all", "seq_number": 7}))
        assert r.status == "applied"
    return token


def _state(district: District, url: str) -> str:
    r = district.client.get(url)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert 'name="viewport"' in r.text
    return r.text


def test_valid_then_void(district: District) -> None:
    dev = district.enroll()
    letter_id = new_id()
    token = _issue(dev, letter_id)
    page = _state(district, f"/v/{token}")
    assert ">SAH<" in page
    assert NUMBER in page
    assert ">SAH<" in _state(district, f"/verify?t={token}")
    dev.push(dev.change("letter", letter_id, "transition", {"to": "void", "reason": "Salah tulis nama"}))
    page = _state(district, f"/v/{token}")
    assert "DIBATALKAN" in page
    assert "Salah tulis nama" in page


def test_awaiting_sync(district: District) -> None:
    dev = district.enroll()
    token = _issue(dev, new_id(), push=False)
    assert "MENUNGGU SINKRONISASI" in _state(district, f"/v/{token}")


def test_unknown_device_and_bad_signature(district: District) -> None:
    dev = district.enroll()
    stranger = Dev(dev.client, new_id(), "", VILLAGE, "office", Ed25519PrivateKey.generate())
    token = _issue(stranger, new_id(), push=False)
    assert "TIDAK DIKENAL" in _state(district, f"/v/{token}")
    forged = Dev(dev.client, dev.device_id, "", VILLAGE, "office", Ed25519PrivateKey.generate())
    assert "TIDAK SAH" in _state(district, f"/v/{_issue(forged, new_id(), push=False)}")
    assert "TIDAK SAH" in _state(district, "/v/rubbish")
    assert "TIDAK SAH" in _state(district, "/verify")


def test_content_mismatch_is_not_valid(district: District) -> None:
    dev = district.enroll()
    letter_id = new_id()
    dev.push(dev.change("letter", letter_id, "create", {
        "number": NUMBER, "letter_type": "SKTM", "issued_at": "2026-11-27", "content_hash": "cd" * 32,
        "year": 2026, "sequence_key": "all", "seq_number": 7}))
    token = _issue(dev, letter_id, push=False)
    assert "TIDAK SAH" in _state(district, f"/v/{token}")
