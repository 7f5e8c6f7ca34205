"""Enrollment with one-time codes, device tokens, revocation, ping, OpenAPI."""

from __future__ import annotations

import base64
import gzip
import json

from sync import protocol as p
from tests.district.conftest import VILLAGE, District


def _enroll_body(code: str, **extra: object) -> dict[str, object]:
    return {"code": code, "device_name": "PC", "public_key": base64.b64encode(b"k" * 32).decode(), **extra}


def test_ping_is_recognisable(district: District) -> None:
    r = district.client.get("/api/v1/ping")
    assert r.status_code == 200
    body = p.PingResponse.model_validate(r.json())
    assert r.json()["service"] == "smart-kampung-district"
    assert body.protocol_version == p.PROTOCOL_VERSION
    assert body.server_time.tzinfo is not None
    assert district.client.get("/api/v1/ping").json()["server_id"] == body.server_id


def test_enroll_code_is_one_time(district: District) -> None:
    code = district.code(role="kiosk")
    r = district.client.post("/api/v1/enroll", json=_enroll_body(code.lower()))  # case and dash tolerant
    assert r.status_code == 200, r.text
    body = p.EnrollResponse.model_validate(r.json())
    assert (body.village, body.role) == (VILLAGE, "kiosk")
    again = district.client.post("/api/v1/enroll", json=_enroll_body(code))
    assert again.status_code == 401
    assert again.json()["code"] == "enrollment_code_used"
    unknown = district.client.post("/api/v1/enroll", json=_enroll_body("AAAAA-BBBBB"))
    assert unknown.json()["code"] == "enrollment_code_invalid"


def test_expired_code_refused(district: District) -> None:
    code = district.code(hours=-1)
    r = district.client.post("/api/v1/enroll", json=_enroll_body(code))
    assert r.status_code == 401
    assert r.json()["code"] == "enrollment_code_expired"


def test_bad_public_key_refused(district: District) -> None:
    r = district.client.post("/api/v1/enroll", json={**_enroll_body(district.code()), "public_key": "abc"})
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_public_key"


def test_missing_and_bad_token_401(district: District) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic x"}):
        r = district.client.get("/api/v1/pull", headers=headers)
        assert r.status_code == 401
        assert r.json()["code"] == "unauthorized"


def test_revoked_device_403(district: District) -> None:
    dev = district.enroll()
    assert dev.pull().changes == []
    district.store.revoke(dev.device_id)
    for r in (
        district.client.get("/api/v1/pull", headers=dev.headers),
        district.client.post("/api/v1/push", json={"changes": []}, headers=dev.headers),
    ):
        assert r.status_code == 403
        assert r.json()["code"] == "device_revoked"


def test_enroll_high_water_marks_raise_leases(district: District) -> None:
    body = _enroll_body(district.code(), last_outbox_seq=77,
                        letter_numbers=[{"year": 2026, "sequence_key": "all", "last_number": 41}])
    r = district.client.post("/api/v1/enroll", json=body)
    assert r.status_code == 200
    headers = {"Authorization": f"Bearer {r.json()['token']}"}
    lease = district.client.post("/api/v1/leases", json={"year": 2026}, headers=headers).json()
    assert (lease["start"], lease["end"]) == (42, 61)
    other = district.client.post("/api/v1/leases", json={"year": 2026, "sequence_key": "SKTM", "size": 5},
                                 headers=headers).json()
    assert (other["start"], other["end"]) == (1, 5)
    assert [d.last_device_seq for d in district.store.devices()] == [77]


def test_gzip_request_and_response(district: District) -> None:
    dev = district.enroll()
    changes = [dev.change("resident", f"r{i}", "create", {"name": "Budi " * 50}) for i in range(20)]
    raw = json.dumps(p.PushRequest(changes=changes).model_dump(mode="json")).encode()
    r = district.client.post("/api/v1/push", content=gzip.compress(raw),
                             headers={**dev.headers, "Content-Encoding": "gzip",
                                      "Content-Type": "application/json", "Accept-Encoding": "gzip"})
    assert r.status_code == 200, r.text
    assert r.headers.get("content-encoding") == "gzip"
    assert {x["status"] for x in r.json()["results"]} == {"applied"}
    bad = district.client.post("/api/v1/push", content=b"not gzip",
                               headers={**dev.headers, "Content-Encoding": "gzip"})
    assert bad.status_code == 400
    bomb = gzip.compress(b"{" + b" " * (p.SERVER_MAX_BODY_BYTES + 10) + b"}")
    big = district.client.post("/api/v1/push", content=bomb, headers={**dev.headers, "Content-Encoding": "gzip"})
    assert big.status_code == 413


def test_whole_request_errors(district: District) -> None:
    dev = district.enroll()
    r = district.client.post("/api/v1/push", content=b"{nope", headers={**dev.headers,
                                                                        "Content-Type": "application/json"})
    assert r.status_code == 400
    r = district.client.post("/api/v1/push", json={"changes": [{"change_id": "x"}]}, headers=dev.headers)
    assert r.status_code == 422
    many = [dev.change("resident", f"r{i}", "create", {}) for i in range(p.MAX_PUSH_CHANGES + 1)]
    r = district.client.post("/api/v1/push", json=p.PushRequest(changes=many).model_dump(mode="json"),
                             headers=dev.headers)
    assert r.status_code == 413


def test_openapi_schema(district: District) -> None:
    schema = district.client.get("/openapi.json").json()
    assert "/api/v1/push" in schema["paths"]
    assert "ChangeEnvelope" in schema["components"]["schemas"]
