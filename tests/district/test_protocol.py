"""The wire format's canonical JSON and hashes agree with the office side's."""

from __future__ import annotations

import datetime as dt

from kiosk import canonical
from sync import protocol as p


def test_canonical_json_and_hash() -> None:
    payload = {"nama": "Siti Aminah", "b": [1, 2.5, None], "a": {"z": True, "ä": "é"},
               "lahir": dt.date(1990, 1, 2)}
    assert p.canonical_json(payload) == canonical.canonical_json(payload)
    assert p.canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()
    assert p.payload_hash(payload) == canonical.payload_hash(payload)
    env = p.ChangeEnvelope.build(change_id="c", device_seq=1, entity="resident", entity_id="r", op="create",
                                 payload=payload)
    assert env.payload["lahir"] == "1990-01-02"
    assert env.payload_hash == p.payload_hash(env.payload)
    again = p.ChangeEnvelope.model_validate_json(env.model_dump_json())
    assert p.payload_hash(again.payload) == env.payload_hash
