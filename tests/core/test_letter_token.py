from __future__ import annotations

import base64

import pytest

from kiosk.letter_token import (
    MalformedToken,
    TokenPayload,
    content_hash,
    decode_payload,
    encode_payload,
    generate_keypair,
    load_public_key,
    parse_token,
    public_key_base64,
    sign_token,
    token_url,
    verify_token,
)

DEVICE = "019a6b2e-0000-7abc-8def-0123456789ab"
HASH = content_hash({"nama": "SITI AMINAH", "nik": "3510014107900001", "judul": "Domisili ✓"})


def payload(**kw: str) -> TokenPayload:
    values = {
        "letter_id": "019a6b2e-7c1f-7abc-8def-0123456789ab",
        "number": "474.1/012/35.10.01.2001/2026",
        "village_code": "35.10.01.2001",
        "issued_on": "2026-11-27",
        "content_hash": HASH,
        "device_id": DEVICE,
    }
    values.update(kw)
    return TokenPayload(**values)


@pytest.fixture(scope="module")
def keys() -> tuple[bytes, bytes]:
    return generate_keypair()


def test_round_trip_and_length(keys: tuple[bytes, bytes]) -> None:
    token = sign_token(payload(), keys[0])
    assert token.startswith("SK1.")
    assert 150 <= len(token) <= 250
    result = verify_token(token, {DEVICE: keys[1]})
    assert result.ok and result.reason == "ok"
    assert result.payload is not None
    got = result.payload
    assert (got.letter_id, got.number, got.village_code, got.issued_on, got.device_id) == (
        "019a6b2e-7c1f-7abc-8def-0123456789ab",
        "474.1/012/35.10.01.2001/2026",
        "35.10.01.2001",
        "2026-11-27",
        DEVICE,
    )
    assert got.matches_content(HASH)
    assert not got.matches_content(content_hash({"other": 1}))


def test_content_hash_is_canonical() -> None:
    assert content_hash({"b": 1, "a": "é"}) == content_hash({"a": "é", "b": 1})
    import hashlib

    assert content_hash({"b": 1, "a": "é"}) == hashlib.sha256('{"a":"é","b":1}'.encode()).hexdigest()


def test_urls_are_accepted(keys: tuple[bytes, bytes]) -> None:
    token = sign_token(payload(), keys[0])
    url = token_url("https://district.example/", token)
    assert url == f"https://district.example/v/{token}"
    for text in [url, f"{url}/", f"https://district.example/verify?t={token}", f"  {token}\n"]:
        assert verify_token(text, {DEVICE: keys[1]}).ok, text
        assert parse_token(text)[0].number == "474.1/012/35.10.01.2001/2026"


def test_every_single_character_change_fails(keys: tuple[bytes, bytes]) -> None:
    token = sign_token(payload(), keys[0])
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
    for i, ch in enumerate(token):
        for repl in (alphabet[(alphabet.index(ch) + 1) % len(alphabet)], "A" if ch != "A" else "B"):
            changed = token[:i] + repl + token[i + 1 :]
            result = verify_token(changed, {DEVICE: keys[1]})
            assert not result.ok, (i, ch, repl)
            assert result.reason in {"bad_signature", "malformed", "unknown_device"}, result.reason


def test_signature_bytes_flipped_is_bad_signature(keys: tuple[bytes, bytes]) -> None:
    token = sign_token(payload(), keys[0])
    head, sig = token.rsplit(".", 1)
    raw = bytearray(base64.urlsafe_b64decode(sig + "=="))
    raw[0] ^= 1
    forged = head + "." + base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    assert verify_token(forged, {DEVICE: keys[1]}).reason == "bad_signature"


def test_reasons(keys: tuple[bytes, bytes]) -> None:
    token = sign_token(payload(), keys[0])
    _other_priv, other_pub = generate_keypair()
    assert verify_token(token, {}).reason == "unknown_device"
    assert verify_token(token, {DEVICE: other_pub}).reason == "bad_signature"
    for junk in ["", "hello", "SK1.", "SK1.abc.def", "SK2." + token[4:], token + ".x", "https://x/y/z"]:
        assert verify_token(junk, {DEVICE: keys[1]}).reason == "malformed", junk
    assert verify_token(token, {DEVICE: keys[1]}, expected_content_hash=content_hash([1])).reason == (
        "content_mismatch"
    )
    assert verify_token(token, {DEVICE: keys[1]}, expected_content_hash=HASH).ok


def test_key_forms(keys: tuple[bytes, bytes]) -> None:
    token = sign_token(payload(), keys[0])
    raw_b64 = public_key_base64(keys[1])
    for key in [keys[1], keys[1].decode(), raw_b64, base64.b64decode(raw_b64), load_public_key(keys[1])]:
        assert verify_token(token, {DEVICE: key}).ok


def test_non_uuid_device_and_unicode_fields(keys: tuple[bytes, bytes]) -> None:
    p = payload(device_id="kantor-desa-1", number="470/001/Ṡ/2026")
    back = decode_payload(encode_payload(p))
    assert back.device_id == "kantor-desa-1" and back.number == "470/001/Ṡ/2026"
    assert verify_token(sign_token(p, keys[0]), {"kantor-desa-1": keys[1]}).ok


def test_trailing_and_truncated_payloads_are_malformed() -> None:
    data = encode_payload(payload())
    with pytest.raises(MalformedToken):
        decode_payload(data + b"\x00")
    with pytest.raises(MalformedToken):
        decode_payload(data[:-1])
    with pytest.raises(MalformedToken):
        decode_payload(b"\x02" + data[1:])


def test_values_it_cannot_carry() -> None:
    with pytest.raises(ValueError):
        encode_payload(payload(letter_id="not-a-uuid"))
    with pytest.raises(ValueError):
        encode_payload(payload(issued_on="1999-12-31"))
    with pytest.raises(ValueError):
        encode_payload(payload(content_hash="abc"))
