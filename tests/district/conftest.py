"""Fixtures: a district app on SQLite and on a fresh PostgreSQL database per test; enrolled devices."""

from __future__ import annotations

import base64
import dataclasses
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from kiosk.ids import new_id
from sync import protocol as p
from sync.district.app import create_app
from sync.district.settings import ServerSettings
from sync.district.store import DistrictStore

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
VILLAGE = "35.10.01.2001"
OTHER_VILLAGE = "35.10.01.2002"


def _pg_database() -> Iterator[str]:
    import psycopg

    name = "sk_district_" + uuid.uuid4().hex[:12]
    try:
        admin = psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test", autocommit=True,
                                connect_timeout=3)
    except psycopg.Error as exc:
        pytest.skip(f"PostgreSQL not reachable at 127.0.0.1:5432: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'district.sqlite3'}"
    else:
        yield from _pg_database()


@dataclass
class Dev:
    """An enrolled device as the tests drive it."""

    client: TestClient
    device_id: str
    token: str
    village: str
    role: str
    key: Ed25519PrivateKey
    seq: int = 0
    versions: dict[str, int] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def change(self, entity: str, entity_id: str, op: p.Op, payload: dict[str, Any],
               base_version: int | None = None, change_id: str | None = None) -> p.ChangeEnvelope:
        self.seq += 1
        return p.ChangeEnvelope.build(change_id=change_id or new_id(), device_seq=self.seq, entity=entity,
                                      entity_id=entity_id, op=op, payload={"village": self.village, **payload},
                                      base_version=base_version)

    def push(self, *changes: p.ChangeEnvelope) -> list[p.ChangeResult]:
        body = p.PushRequest(changes=list(changes)).model_dump(mode="json")
        r = self.client.post("/api/v1/push", json=body, headers=self.headers)
        assert r.status_code == 200, r.text
        return p.PushResponse.model_validate(r.json()).results

    def pull(self, after: int = 0, limit: int = 500) -> p.PullResponse:
        r = self.client.get("/api/v1/pull", params={"after": after, "limit": limit}, headers=self.headers)
        assert r.status_code == 200, r.text
        return p.PullResponse.model_validate(r.json())


@dataclass
class District:
    client: TestClient
    store: DistrictStore
    url: str

    def code(self, village: str = VILLAGE, role: str = "office", hours: float = 24) -> str:
        return self.store.create_enrollment_code(village, role, hours).code

    def enroll(self, village: str = VILLAGE, role: str = "office", name: str = "PC") -> Dev:
        key = Ed25519PrivateKey.generate()
        raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        r = self.client.post("/api/v1/enroll", json={
            "code": self.code(village, role), "device_name": name,
            "public_key": base64.b64encode(raw).decode(),
        })
        assert r.status_code == 200, r.text
        body = p.EnrollResponse.model_validate(r.json())
        return Dev(self.client, body.device_id, body.token, village, role, key)


@pytest.fixture
def district(db_url: str) -> Iterator[District]:
    # the test app serves its API schema (off in production: see test_web_security)
    app = create_app(db_url, settings=dataclasses.replace(ServerSettings.from_env(), api_docs=True))
    with TestClient(app) as client:
        yield District(client, app.state.store, db_url)
    app.state.db.dispose()


def public_key_b64(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()
