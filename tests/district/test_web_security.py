"""The district's pages and sign-in under attack (issues 19.4, 19.6, 20.6), on SQLite and PostgreSQL:
security headers on every answer, CSRF and origin checks on every form, the session cookie's flags,
sessions that end at "Keluar", one-time sign-in links, API docs off in production, lockouts counted
atomically under parallel guesses, and rate limits per address and per account."""

from __future__ import annotations

import re
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from sync.district import monitoring
from sync.district.app import create_app
from sync.district.monitoring import security
from sync.district.settings import ServerSettings
from tests.district.conftest import VILLAGE

PASSWORD = "rahasia-kabupaten"


@pytest.fixture
def make_client(db_url: str) -> Iterator[Any]:
    apps: list[Any] = []

    def make(**settings: Any) -> TestClient:
        app = create_app(db_url, settings=ServerSettings(**settings))
        apps.append(app)
        if not apps[1:]:
            monitoring.add_user(app.state.db, "dinas", PASSWORD, "Dinas PMD")
        client = TestClient(app)
        client.__enter__()
        apps.append(client)
        return client

    yield make
    for thing in reversed(apps):
        if isinstance(thing, TestClient):
            thing.__exit__(None, None, None)
        else:
            thing.state.db.dispose()


def _csrf(client: TestClient, path: str = "/monitoring/masuk") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found, path
    return found.group(1)


def _sign_in(client: TestClient, **extra: Any) -> Any:
    return client.post("/monitoring/masuk", data={"username": "dinas", "password": PASSWORD, "csrf": _csrf(client)},
                       follow_redirects=False, **extra)


def test_security_headers_on_every_answer(make_client: Any) -> None:
    client = make_client()
    for path in ("/monitoring/masuk", "/monitoring", "/verify?t=x", "/v/rubbish", "/api/v1/ping", "/tidak-ada",
                 "/api/v1/pull"):
        r = client.get(path, follow_redirects=False)
        csp = r.headers.get("content-security-policy", "")
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "script-src" not in csp, path
        assert r.headers.get("x-frame-options") == "DENY", path
        assert r.headers.get("x-content-type-options") == "nosniff", path
        assert r.headers.get("referrer-policy") == "no-referrer", path
        assert "strict-transport-security" not in r.headers, path  # plain HTTP: no HSTS
    behind_tls = client.get("/monitoring/masuk", headers={"X-Forwarded-Proto": "https"})
    assert behind_tls.headers["strict-transport-security"].startswith("max-age=")


def test_sign_in_form_needs_its_csrf_token_and_our_origin(make_client: Any) -> None:
    client = make_client()
    bare = client.post("/monitoring/masuk", data={"username": "dinas", "password": PASSWORD}, follow_redirects=False)
    assert bare.status_code == 403 and monitoring.COOKIE not in client.cookies
    token = _csrf(client)
    forged = client.post("/monitoring/masuk", data={"username": "dinas", "password": PASSWORD, "csrf": token},
                         headers={"Origin": "http://penyerang.example"}, follow_redirects=False)
    assert forged.status_code == 403 and monitoring.COOKIE not in client.cookies
    other_browser = make_client()  # a token from one browser is worthless with another browser's cookie
    stolen = other_browser.post("/monitoring/masuk", data={"username": "dinas", "password": PASSWORD, "csrf": token},
                                follow_redirects=False)
    assert stolen.status_code == 403
    ok = _sign_in(client, headers={"Origin": "http://testserver"})
    assert ok.status_code == 303
    cookie = ok.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert "Secure" not in cookie  # plain HTTP in the test
    # "Keluar" is a form too: without its token the session stays
    assert client.post("/monitoring/keluar", follow_redirects=False).status_code == 403
    assert client.get("/monitoring", follow_redirects=False).status_code == 200


def test_session_cookie_is_secure_behind_tls(make_client: Any) -> None:
    client = make_client()
    r = _sign_in(client, headers={"X-Forwarded-Proto": "https"})
    assert r.status_code == 303
    assert "Secure" in r.headers["set-cookie"]


def test_a_session_ends_at_keluar_everywhere(make_client: Any) -> None:
    client = make_client()
    assert _sign_in(client).status_code == 303
    cookie = client.cookies[monitoring.COOKIE]
    assert client.get("/monitoring", follow_redirects=False).status_code == 200
    r = client.post("/monitoring/keluar", data={"csrf": _csrf(client, "/monitoring")}, follow_redirects=False)
    assert r.status_code == 303
    replay = make_client()  # someone who copied the cookie before "Keluar"
    replay.cookies.set(monitoring.COOKIE, cookie, path="/monitoring")
    assert replay.get("/monitoring", follow_redirects=False).status_code == 303


def test_a_login_link_works_once(make_client: Any) -> None:
    client = make_client()
    db = client.app.state.db  # type: ignore[attr-defined]
    link = monitoring.login_link(db, "dinas", "http://testserver", f"/monitoring/desa/{VILLAGE}")
    path = link.removeprefix("http://testserver")
    assert client.get(path, follow_redirects=False).status_code == 303
    again = make_client().get(path, follow_redirects=False)
    assert again.status_code == 200 and "tidak berlaku" in again.text
    assert monitoring.COOKIE not in again.cookies


def test_api_docs_are_off_unless_enabled(make_client: Any) -> None:
    production = make_client()
    for path in ("/docs", "/openapi.json", "/redoc"):
        assert production.get(path).status_code == 404, path
    development = make_client(api_docs=True)
    assert development.get("/openapi.json").status_code == 200
    assert development.get("/docs").status_code == 200


def test_parallel_guesses_get_no_more_password_checks_than_allowed(make_client: Any,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    client = make_client()
    db = client.app.state.db  # type: ignore[attr-defined]
    checks: list[str] = []
    lock = threading.Lock()

    def counting_check(stored_hash: str | None, password: str) -> bool:
        if stored_hash:
            with lock:
                checks.append(password)
        time.sleep(0.02)  # a real Argon2 check takes about this long: the window the guesses race in
        return False

    monkeypatch.setattr(security, "verify_secret", counting_check)
    start = threading.Barrier(80)

    def guess(i: int) -> bool:
        start.wait()
        return monitoring.authenticate(db, "dinas", f"tebakan-{i}") is not None

    with ThreadPoolExecutor(80) as pool:
        assert not any(pool.map(guess, range(80)))
    assert 1 <= len(checks) <= monitoring.MAX_FAILURES, len(checks)
    monkeypatch.undo()
    assert monitoring.authenticate(db, "dinas", PASSWORD) is None  # locked now, even with the right password


def test_rate_limits_per_address_and_per_account(make_client: Any) -> None:
    client = make_client(signin_per_address=5, signin_per_account=3, enroll_per_address=2, verify_per_address=3)

    def attempt(username: str) -> int:
        return client.post("/monitoring/masuk", data={"username": username, "password": "salah", "csrf": _csrf(client)},
                           follow_redirects=False).status_code

    assert [attempt("dinas") for _ in range(4)] == [200, 200, 200, 429]  # the account's limit: 3 a minute
    assert attempt("orang-lain") == 200  # the address's 5th (the refused one counted too)
    assert attempt("orang-ketiga") == 429  # the address's limit
    body = {"code": "AAAAA-BBBBB", "device_name": "PC", "public_key": "x"}
    answers = [client.post("/api/v1/enroll", json=body).status_code for _ in range(3)]
    assert answers[:2] != [429, 429] and answers[2] == 429
    limited = client.post("/api/v1/enroll", json=body)
    assert limited.json()["code"] == "rate_limited" and int(limited.headers["retry-after"]) >= 1
    pages = [client.get("/verify?t=x").status_code for _ in range(4)]
    assert pages == [200, 200, 200, 429]
