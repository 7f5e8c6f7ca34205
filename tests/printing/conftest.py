from __future__ import annotations

import pytest

from kiosk.letter_token import TokenPayload, content_hash, generate_keypair, sign_token, token_url

DEVICE_ID = "019a6b2e-0000-7abc-8def-0123456789ab"


@pytest.fixture(scope="session")
def keypair() -> tuple[bytes, bytes]:
    return generate_keypair()


@pytest.fixture
def signed_token(keypair: tuple[bytes, bytes]) -> str:
    payload = TokenPayload(
        letter_id="019a6b2e-7c1f-7abc-8def-0123456789ab",
        number="474.1/012/35.10.01.2001/2026",
        village_code="35.10.01.2001",
        issued_on="2026-11-27",
        content_hash=content_hash({"title": "SURAT KETERANGAN DOMISILI", "nik": "3510014107900001"}),
        device_id=DEVICE_ID,
    )
    return sign_token(payload, keypair[0])


@pytest.fixture
def verify_url(signed_token: str) -> str:
    return token_url("https://district.example", signed_token)
