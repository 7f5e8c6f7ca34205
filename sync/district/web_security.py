"""Protections every district page and endpoint shares (issue 19.4, 19.6).

- `SecurityHeaders`: an ASGI middleware adding CSP (no script at all, styles inline only, no framing),
  X-Frame-Options, X-Content-Type-Options, Referrer-Policy and — when the request came over TLS, directly or
  through a proxy saying ``X-Forwarded-Proto: https`` — HSTS, to every answer.
- `RateLimiter`: attempts per minute per key (address, account) for sign-in, enrolment and the verify page.
  It lives in the process: behind several workers each worker counts its own (the limit a client meets is
  then up to workers × limit; the account lockout in the database is the hard bound).
- `same_origin`: the Origin / Referer check every form POST passes (with the CSRF token of the form).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request

CSP = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
_BASE_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
HSTS = b"max-age=31536000; includeSubDomains"
_DOCS_PATHS = ("/docs", "/redoc")  # the API docs page loads its own scripts (served only when enabled)


def _header(scope: MutableMapping[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers") or ():
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def over_tls(scope: MutableMapping[str, Any]) -> bool:
    """Whether the client reached us over HTTPS (directly, or through a proxy that says so)."""
    if scope.get("scheme") in ("https", "wss"):
        return True
    return _header(scope, b"x-forwarded-proto").split(",")[0].strip().lower() == "https"


class SecurityHeaders:
    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(_BASE_HEADERS)
        if not str(scope.get("path", "")).startswith(_DOCS_PATHS):
            extra.append((b"content-security-policy", CSP.encode()))
        if over_tls(scope):
            extra.append((b"strict-transport-security", HSTS))

        async def send_with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in extra if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class RateLimiter:
    """Sliding one-minute windows of attempts per (scope, key), thread-safe."""

    def __init__(self, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self.clock = clock
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, scope: str, key: str, limit: int) -> None:
        """Count one attempt; raise `RateLimited` (nothing counted) when `limit` are already in the window.
        A limit of 0 turns the check off."""
        if limit <= 0:
            return
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault((scope, key), deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= limit:
                raise RateLimited(max(1, math.ceil(hits[0] + self.window - now)))
            hits.append(now)
            if len(self._hits) > 100_000:  # forget idle keys (an address scan must not grow memory forever)
                for k in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
                    del self._hits[k]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


def same_origin(request: Request) -> bool:
    """A form POST from our own pages: Origin (or, without it, Referer) names this host. A request with
    neither (not a browser) passes: browsers always send Origin on a cross-site POST."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source:
        return True
    if source == "null":
        return False
    host = request.headers.get("x-forwarded-host") or request.headers.get("host") or ""
    return urlsplit(source).netloc.lower() == host.split(",")[0].strip().lower()
