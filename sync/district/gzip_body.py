"""ASGI middleware: inflate ``Content-Encoding: gzip`` request bodies (bounded, against zip bombs)."""

from __future__ import annotations

import json
import zlib
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class GzipRequestMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        encoding = headers.get(b"content-encoding", b"").lower().strip()
        declared = headers.get(b"content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            await _error(send, 413, "too_large", "Isi permintaan terlalu besar.")
            return
        if encoding not in (b"", b"identity", b"gzip"):
            await _error(send, 415, "unsupported_encoding", "Hanya gzip yang didukung.")
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _error(send, 413, "too_large", "Isi permintaan terlalu besar.")
                return
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        if encoding != b"gzip" or size == 0:  # an empty body (a GET) carries nothing to inflate
            body = b"".join(chunks)
        else:
            inflated = await _inflate(b"".join(chunks), self.max_bytes, send)
            if inflated is None:
                return
            body = inflated
        await self._forward(scope, receive, send, body)

    async def _forward(self, scope: Scope, receive: Receive, send: Send, body: bytes) -> None:
        new_headers = [(k, v) for k, v in scope["headers"] if k not in (b"content-encoding", b"content-length")]
        new_headers.append((b"content-length", str(len(body)).encode("ascii")))
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app({**scope, "headers": new_headers}, replay, send)


async def _inflate(data: bytes, max_bytes: int, send: Send) -> bytes | None:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        body = inflater.decompress(data, max_bytes + 1)
        if len(body) > max_bytes or inflater.unconsumed_tail:
            await _error(send, 413, "too_large", "Isi permintaan terlalu besar.")
            return None
        if not inflater.eof:
            raise zlib.error("truncated gzip stream")
    except zlib.error:
        await _error(send, 400, "bad_gzip", "Isi gzip rusak.")
        return None
    return body


async def _error(send: Send, status: int, code: str, detail: str) -> None:
    body = json.dumps({"code": code, "detail": detail}).encode("utf-8")
    headers: list[Any] = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
