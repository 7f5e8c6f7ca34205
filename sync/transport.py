"""HTTP to the district (``requests``): gzip bodies, typed outcomes for every kind of failure.

- network errors, timeouts, 5xx, 408, 429 and a 200 that is not the district (a captive portal's HTML)
  raise ``Unreachable`` (retry with backoff, honouring ``Retry-After``);
- 401 raises ``Unauthorized`` (the queue pauses as "needs re-enrolment");
- 403 ``device_revoked`` raises ``Revoked``;
- 409 ``device_restored`` raises ``DeviceRestored`` (paused as "needs re-enrolment", like 401);
- anything else non-2xx raises ``HttpError`` with the server's error code.
"""

from __future__ import annotations

import gzip
import json
import os
from typing import Any

import requests
from pydantic import BaseModel, ConfigDict

from sync import protocol as p
from sync.backoff import parse_retry_after

ENV_TIMEOUT = "SMART_KAMPUNG_SYNC_TIMEOUT"
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 60.0
RETRY_STATUSES = frozenset({408, 429})


class TransportError(Exception):
    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class Unreachable(TransportError):
    """The district cannot be reached right now (retry later)."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None,
                 code: str | None = None) -> None:
        super().__init__(message, status=status, code=code)
        self.retry_after = retry_after


class Unauthorized(TransportError):
    pass


class Revoked(TransportError):
    pass


class DeviceRestored(TransportError):
    """409 ``device_restored``: the district saw this device's local sequence go backwards (restored from
    an old backup); every push is refused until the device re-enrolls."""


class HttpError(TransportError):
    def __init__(self, message: str, *, status: int, code: str | None, body: Any = None) -> None:
        super().__init__(message, status=status, code=code)
        self.body = body


class SnapshotRecord(BaseModel):
    """One record's current state at the district (``GET /snapshot``)."""

    model_config = ConfigDict(extra="ignore")
    entity: str
    entity_id: str
    version: int
    payload: dict[str, Any]
    deleted: bool = False


class SnapshotPage(BaseModel):
    """A page of the village's current records; ``server_seq`` of the first page is the cursor to pull after."""

    model_config = ConfigDict(extra="ignore")
    records: list[SnapshotRecord]
    server_seq: int
    has_more: bool
    next_entity: str | None = None
    next_after_id: str | None = None


def _timeout() -> tuple[float, float]:
    env = os.environ.get(ENV_TIMEOUT)
    if env:
        try:
            value = float(env)
            return (min(CONNECT_TIMEOUT, value), value)
        except ValueError:
            pass
    return (CONNECT_TIMEOUT, READ_TIMEOUT)


def _error_code(resp: requests.Response) -> tuple[str | None, Any]:
    try:
        body = resp.json()
    except ValueError:
        return None, None
    return (body.get("code") if isinstance(body, dict) else None), body


class DistrictHttp:
    """One district server at ``base_url`` (e.g. ``http://127.0.0.1:8000``), optionally with a token."""

    def __init__(self, base_url: str, token: str | None = None, *,
                 session: requests.Session | None = None) -> None:
        self.base = base_url.rstrip("/")
        if self.base.endswith(p.API_PREFIX):
            self.base = self.base[: -len(p.API_PREFIX)]
        self.token = token
        self.session = session or requests.Session()
        self.session.trust_env = False  # no proxies from the environment on the office's LAN
        self.timeout = _timeout()

    def close(self) -> None:
        self.session.close()

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Accept": "application/json", "Accept-Encoding": "gzip",
                   "User-Agent": f"smart-kampung-sync/{p.PROTOCOL_VERSION}"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers | (extra or {})

    def request(self, method: str, path: str, *, body: bytes | None = None, params: dict[str, Any] | None = None,
                compress: bool = True) -> requests.Response:
        extra: dict[str, str] = {}
        if body is not None:
            extra["Content-Type"] = "application/json"
            if compress:
                body = gzip.compress(body, compresslevel=5)
                extra["Content-Encoding"] = "gzip"
        try:
            resp = self.session.request(method, self.base + p.API_PREFIX + path, data=body, params=params,
                                        headers=self._headers(extra), timeout=self.timeout)
        except requests.RequestException as exc:
            raise Unreachable(f"{type(exc).__name__}: {exc}") from exc
        return self._check(resp)

    def _check(self, resp: requests.Response) -> requests.Response:
        status = resp.status_code
        if 200 <= status < 300:
            if "json" not in resp.headers.get("Content-Type", ""):
                raise Unreachable(f"HTTP {status} without JSON: not the district server", status=status)
            return resp
        code, body = _error_code(resp)
        if status >= 500 or status in RETRY_STATUSES:
            raise Unreachable(f"HTTP {status}", status=status, code=code,
                              retry_after=parse_retry_after(resp.headers.get("Retry-After")))
        if status == 401:
            raise Unauthorized(code or "unauthorized", status=status, code=code)
        if status == 403 and code == "device_revoked":
            raise Revoked(code, status=status, code=code)
        if status == 409 and code == "device_restored":
            raise DeviceRestored(code, status=status, code=code)
        raise HttpError(f"HTTP {status} {code or ''}".strip(), status=status, code=code, body=body)

    def _json(self, resp: requests.Response) -> Any:
        try:
            return resp.json()
        except ValueError as exc:  # a truncated or foreign body
            raise Unreachable(f"unreadable answer: {exc}", status=resp.status_code) from exc

    # -- endpoints --------------------------------------------------------------------------------

    def ping(self) -> p.PingResponse:
        data = self._json(self.request("GET", "/ping"))
        if not isinstance(data, dict) or data.get("service") != p.SERVICE_MARKER:
            raise Unreachable("the answer to ping is not the district server's")
        return p.PingResponse.model_validate(data)

    def enroll(self, req: p.EnrollRequest) -> p.EnrollResponse:
        body = json.dumps(req.model_dump(mode="json")).encode("utf-8")
        return p.EnrollResponse.model_validate(self._json(self.request("POST", "/enroll", body=body)))

    def push_raw(self, body: bytes) -> p.PushResponse:
        resp = self.request("POST", "/push", body=body)
        try:
            return p.PushResponse.model_validate_json(resp.content)
        except ValueError as exc:
            raise Unreachable(f"unreadable push answer: {exc}", status=resp.status_code) from exc

    def pull(self, after: int, limit: int = p.DEFAULT_PULL_LIMIT) -> p.PullResponse:
        resp = self.request("GET", "/pull", params={"after": after, "limit": limit, "exclude_own": "true"})
        try:
            return p.PullResponse.model_validate_json(resp.content)
        except ValueError as exc:
            raise Unreachable(f"unreadable pull answer: {exc}", status=resp.status_code) from exc

    def lease(self, year: int, sequence_key: str, size: int) -> p.LeaseResponse:
        body = json.dumps({"year": year, "sequence_key": sequence_key, "size": size}).encode()
        return p.LeaseResponse.model_validate(self._json(self.request("POST", "/leases", body=body)))

    def report_unused(self, lease_id: str, numbers: list[int]) -> p.UnusedNumbersResponse:
        body = json.dumps({"lease_id": lease_id, "numbers": numbers}).encode()
        return p.UnusedNumbersResponse.model_validate(self._json(self.request("POST", "/leases/unused", body=body)))

    def report_status(self, *, pending: int, needs_action: int, oldest_pending_at: str | None) -> None:
        """Tell the district how many changes wait here (its e-monitoring overview shows it)."""
        body = json.dumps({"pending": pending, "needs_action": needs_action,
                           "oldest_pending_at": oldest_pending_at}).encode()
        self._json(self.request("POST", "/status", body=body))

    def snapshot(self, *, entity: str | None = None, after_id: str | None = None, after_entity: str | None = None,
                 limit: int = p.DEFAULT_PULL_LIMIT) -> SnapshotPage:
        params: dict[str, Any] = {"limit": limit}
        if entity:
            params["entity"] = entity
        if after_entity:
            params["after_entity"] = after_entity
        if after_id:
            params["after_id"] = after_id
        resp = self.request("GET", "/snapshot", params=params)
        try:
            return SnapshotPage.model_validate_json(resp.content)
        except ValueError as exc:
            raise Unreachable(f"unreadable snapshot answer: {exc}", status=resp.status_code) from exc
