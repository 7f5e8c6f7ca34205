"""Every number and text a device sends is bounded (issue 19.5): the edges answer 4xx (or a per-change
rejection), never a 500, and nothing a client sends puts a traceback in the server's log — against a real
server on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.ids import new_id
from sync import protocol as p
from tests.district.conftest import VILLAGE
from tests.sync.conftest import start_server

HUGE = 2**63
LONG = "x" * 5000


def _key() -> str:
    raw = Ed25519PrivateKey.generate().public_key().public_bytes(serialization.Encoding.Raw,
                                                                 serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def _change(**over: Any) -> dict[str, Any]:
    payload = over.pop("payload", {"village": VILLAGE, "name": "Siti"})
    body = p.ChangeEnvelope.build(change_id=new_id(), device_seq=1, entity=over.pop("entity", "resident"),
                                  entity_id=new_id(), op=over.pop("op", "create"), payload=payload
                                  ).model_dump(mode="json")
    return {**body, **over}


def test_edges_answer_4xx_and_leave_no_traceback(db_url: str, tmp_path: Path) -> None:
    server = start_server(tmp_path, db_url=db_url)
    url = server.url
    try:
        code = server.code("office", village=VILLAGE)
        assert requests.post(f"{url}/api/v1/enroll", json={"code": code, "device_name": "PC", "public_key": _key(),
                                                           "last_outbox_seq": HUGE}, timeout=10).status_code == 422
        assert requests.post(f"{url}/api/v1/enroll", json={
            "code": code, "device_name": "PC", "public_key": _key(),
            "letter_numbers": [{"year": 2026, "sequence_key": "all", "last_number": HUGE}]}, timeout=10
        ).status_code == 422
        enrolled = requests.post(f"{url}/api/v1/enroll", json={"code": code, "device_name": "PC",
                                                               "public_key": _key()}, timeout=10)
        assert enrolled.status_code == 200
        auth = {"Authorization": f"Bearer {enrolled.json()['token']}"}

        def push(*changes: dict[str, Any]) -> requests.Response:
            return requests.post(f"{url}/api/v1/push", json={"changes": list(changes)}, headers=auth, timeout=30)

        for bad in (_change(device_seq=HUGE), _change(device_seq=-1), _change(base_version=HUGE, op="update"),
                    _change(change_id=LONG)):
            answer = push(bad)
            assert answer.status_code == 422, (bad, answer.text)
        for params in ({"after": HUGE}, {"after": -1}, {"limit": HUGE}):
            assert requests.get(f"{url}/api/v1/pull", params=params, headers=auth, timeout=10).status_code == 422
        assert requests.get(f"{url}/api/v1/snapshot", params={"after_id": LONG}, headers=auth,
                            timeout=10).status_code == 422
        for status in ({"pending": HUGE}, {"pending": 1, "needs_action": HUGE}, {"pending": -1},
                       {"pending": 1, "oldest_pending_at": LONG}):
            assert requests.post(f"{url}/api/v1/status", json=status, headers=auth, timeout=10).status_code == 422
        lease = requests.post(f"{url}/api/v1/leases", json={"year": 2026, "size": 5}, headers=auth, timeout=10)
        assert lease.status_code == 200
        for unused in ({"lease_id": lease.json()["lease_id"], "numbers": [HUGE]},
                       {"lease_id": LONG, "numbers": [1]}):
            assert requests.post(f"{url}/api/v1/leases/unused", json=unused, headers=auth,
                                 timeout=10).status_code == 422
        assert requests.post(f"{url}/api/v1/leases", json={"year": 2026, "sequence_key": LONG}, headers=auth,
                             timeout=10).status_code == 422
        # Values inside a payload that land in a projection column: refused per change, never a 500.
        village = {"village": VILLAGE}
        odd = [
            _change(entity="complaint", payload={**village, "channel": LONG, "received_at": "2026-11-27T08:00"}),
            _change(entity="complaint", payload={**village, "channel": {"a": 1}, "received_at": "2026-11-27T08:00"}),
            _change(entity="complaint", payload={**village, "received_at": LONG}),
            _change(entity="letter_request", payload={**village, "letter_type": LONG}),
            _change(entity="letter", payload={**village, "number": LONG, "letter_type": "SKTM",
                                              "issued_at": "2026-11-27", "content_hash": "ab" * 32, "year": 2026,
                                              "seq_number": 1}),
            _change(entity="letter", payload={**village, "number": "474/1", "letter_type": "SKTM",
                                              "issued_at": "2026-11-27", "content_hash": LONG, "year": 2026,
                                              "seq_number": 1}),
            _change(entity="letter", payload={**village, "number": "474/2", "letter_type": "SKTM",
                                              "issued_at": "2026-11-27", "content_hash": "ab" * 32,
                                              "year": HUGE, "seq_number": HUGE}),
            _change(entity="resident", payload={**village, "name": "Siti", "age": HUGE * HUGE}),
        ]
        for i, change in enumerate(odd):
            change["device_seq"] = 10 + i
        answer = push(*odd)
        assert answer.status_code == 200, answer.text
        results = answer.json()["results"]
        assert [r["status"] for r in results[:-1]] == ["rejected"] * (len(odd) - 1), results
        assert {r["reason"] for r in results[:-2]} <= {"invalid_payload"}, results
        assert results[-1]["status"] == "applied"  # a big number inside a record's data is only data
        log = server.log.read_text(errors="replace")
        assert "Traceback" not in log, log[-4000:]
        assert " 500 " not in log, log[-4000:]
    finally:
        server.stop()
