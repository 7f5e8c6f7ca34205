"""The public verify page: SAH, DIBATALKAN, TIDAK DIKENAL / TIDAK SAH, BELUM TERSINKRON."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk import letter_token as lt
from kiosk.ids import new_id
from tests.district.conftest import OTHER_VILLAGE, VILLAGE, Dev, District

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
    assert "BELUM TERSINKRON" in _state(district, f"/v/{token}")


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


# --- the key behind the signature (issue 20, item 2) and what was issued, with compact SK2 codes ---

SUMMARY = {"title": "Surat Keterangan Tidak Mampu", "number": NUMBER, "issued_on": "2026-11-27",
           "issued_on_text": "27 November 2026", "name": "SITI AMINAH", "nik_masked": "3510********0001",
           "fields": [["Keperluan", "pengajuan beasiswa"], ["Penghasilan rata-rata per bulan (Rp)", "750.000"]],
           "signer": {"name": "Budi Santoso", "title": "Sekretaris Desa", "capacity": "a.n. Kepala Desa Sarongan"},
           "village": "Desa Sarongan"}


def _compact(dev: Dev, letter_id: str, *, village: str = VILLAGE, push: bool = True,
             issued_at: str = "2026-11-27T03:00:00") -> str:
    payload = lt.TokenPayload(letter_id=letter_id, number="", village_code=village, issued_on=issued_at[:10],
                              content_hash=CONTENT, device_id="")
    token = lt.sign_compact(payload, dev.key)
    if push:
        [r] = dev.push(dev.change("letter", letter_id, "create", {
            "number": NUMBER, "letter_type": "sktm", "issued_at": issued_at, "content_hash": CONTENT,
            "year": 2026, "sequence_key": "all", "seq_number": 7, "summary": SUMMARY}))
        assert r.status == "applied", r
    return token


def test_compact_code_shows_what_was_issued_and_its_void(district: District) -> None:
    dev = district.enroll()
    letter_id = new_id()
    token = _compact(dev, letter_id)
    url = lt.token_url("https://district.example", token)
    assert url.startswith("HTTPS://DISTRICT.EXAMPLE/V/SK2.")
    page = _state(district, url.removeprefix("HTTPS://DISTRICT.EXAMPLE"))  # the capital /V/ a phone opens
    assert ">SAH<" in page
    for shown in ("Surat Keterangan Tidak Mampu", NUMBER, "27 November 2026", "SITI AMINAH", "3510********0001",
                  "pengajuan beasiswa", "750.000", "Budi Santoso", "a.n. Kepala Desa Sarongan"):
        assert shown in page, shown
    dev.push(dev.change("letter", letter_id, "transition", {"to": "void", "reason": "Salah tulis nama",
                                                            "at": "2026-11-28T02:00:00"}))
    page = _state(district, f"/v/{token}")
    assert "DIBATALKAN" in page and "Salah tulis nama" in page and "28 November 2026" in page
    assert "BELUM TERSINKRON" in _state(district, f"/v/{_compact(dev, new_id(), push=False)}")


def test_sah_only_for_an_office_key_of_that_village_not_revoked(district: District) -> None:
    from sync.district.verify import INVALID, VALID, check

    office = district.enroll()
    kiosk = district.enroll(role="kiosk", name="Anjungan")
    other = district.enroll(village=OTHER_VILLAGE, name="PC desa lain")
    good = _compact(office, new_id())
    assert check(district.store, good).state == VALID

    by_kiosk = check(district.store, _compact(kiosk, new_id(), push=False))
    assert (by_kiosk.state, by_kiosk.reason) == (INVALID, "kiosk_key") and "kios" in by_kiosk.explanation.lower()
    # an office of another village signs a code naming this village: no key of this village made it
    claimed = check(district.store, _compact(other, new_id(), push=False))
    assert (claimed.state, claimed.reason) == (INVALID, "bad_signature")
    # the same with an old SK1 code, which names its device: refused for the village, not the signature
    sk1 = lt.sign_token(lt.TokenPayload(letter_id=new_id(), number=NUMBER, village_code=VILLAGE,
                                        issued_on="2026-11-27", content_hash=CONTENT, device_id=other.device_id),
                        other.key)
    assert check(district.store, sk1).reason == "other_village"
    sk1_kiosk = lt.sign_token(lt.TokenPayload(letter_id=new_id(), number=NUMBER, village_code=VILLAGE,
                                              issued_on="2026-11-27", content_hash=CONTENT,
                                              device_id=kiosk.device_id), kiosk.key)
    assert check(district.store, sk1_kiosk).reason == "kiosk_key"

    # revoked: a letter it signed before the revocation stays SAH; one dated after is TIDAK SAH
    district.store.revoke(office.device_id)
    assert check(district.store, good).state == VALID  # issued 2026-11-27, revoked now
    late = lt.sign_compact(lt.TokenPayload(letter_id=new_id(), number="", village_code=VILLAGE,
                                           issued_on="2099-01-01", content_hash=CONTENT, device_id=""), office.key)
    verdict = check(district.store, late)
    assert (verdict.state, verdict.reason) == (INVALID, "revoked") and "dicabut" in verdict.explanation
    assert ">TIDAK SAH<" in _state(district, f"/v/{late}")


def test_forged_truncated_and_foreign_compact_codes(district: District) -> None:
    dev = district.enroll()
    token = _compact(dev, new_id())
    assert "TIDAK SAH" in _state(district, f"/v/{token[:-10]}")  # truncated
    flipped = token[:-30] + ("A" if token[-30] != "A" else "B") + token[-29:]
    assert ">TIDAK SAH<" in _state(district, f"/v/{flipped}")
    stranger = Dev(dev.client, new_id(), "", "35.10.09.2999", "office", Ed25519PrivateKey.generate())
    page = _state(district, f"/v/{_compact(stranger, new_id(), village='35.10.09.2999', push=False)}")
    assert "TIDAK DIKENAL" in page and "35.10.09.2999" in page
