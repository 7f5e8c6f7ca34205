"""The district server application: `create_app(db_url)` builds the FastAPI app on a migrated database."""

from __future__ import annotations

import logging

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.middleware.gzip import GZipMiddleware

from sync import protocol as p
from sync.district import api, monitoring, verify
from sync.district.budget import routes as budget_routes
from sync.district.db import Database
from sync.district.gzip_body import GzipRequestMiddleware
from sync.district.settings import ServerSettings
from sync.district.store import DistrictStore, StoreError
from sync.district.web_security import RateLimited, RateLimiter, SecurityHeaders, client_address

log = logging.getLogger(__name__)


def limit_verify(request: Request) -> None:
    """The public verify page: attempts per minute per address (a QR scan is one)."""
    settings: ServerSettings = request.app.state.settings
    request.app.state.limiter.hit("verify", client_address(request), settings.verify_per_address)


def create_app(db_url: str, *, migrate: bool = True, settings: ServerSettings | None = None) -> FastAPI:
    """`settings` default to the environment's (`ServerSettings.from_env`); the API docs (``/docs``,
    ``/openapi.json``) are served only when they say so (``SMART_KAMPUNG_DISTRICT_API_DOCS=1``)."""
    settings = settings or ServerSettings.from_env()
    db = Database(db_url)
    if migrate:
        db.upgrade()
    docs = settings.api_docs
    app = FastAPI(title="Smart Kampung — server kabupaten", version=str(p.PROTOCOL_VERSION),
                  docs_url="/docs" if docs else None, redoc_url=None, openapi_url="/openapi.json" if docs else None)
    app.state.db = db
    app.state.store = DistrictStore(db)
    app.state.settings = settings
    app.state.limiter = RateLimiter()
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(GzipRequestMiddleware, max_bytes=p.SERVER_MAX_BODY_BYTES)
    app.add_middleware(SecurityHeaders)
    app.include_router(api.router)
    app.include_router(verify.router, dependencies=[Depends(limit_verify)])
    app.include_router(monitoring.router)
    from sync.district import monthly_reports

    app.include_router(monthly_reports.router)
    app.include_router(budget_routes.pages)

    @app.exception_handler(RateLimited)
    async def _rate_limited(request: Request, exc: RateLimited) -> Response:
        headers = {"Retry-After": str(exc.retry_after)}
        message = f"Terlalu banyak percobaan. Coba lagi dalam {exc.retry_after} detik."
        if request.url.path.startswith(p.API_PREFIX):
            return JSONResponse({"code": "rate_limited", "detail": message}, status_code=429, headers=headers)
        return HTMLResponse(f"<!doctype html><html lang=\"id\"><meta charset=\"utf-8\"><meta name=\"viewport\" "
                            f"content=\"width=device-width, initial-scale=1\"><title>Tunggu sebentar</title>"
                            f"<p>{message}</p></html>", status_code=429, headers=headers)

    @app.exception_handler(StoreError)
    async def _store_error(_request: Request, exc: StoreError) -> JSONResponse:
        return JSONResponse({"code": exc.code, "detail": exc.message}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in exc.errors()]
        bad_json = any(e.get("type") == "json_invalid" for e in exc.errors())
        return JSONResponse(
            {"code": "bad_json" if bad_json else "invalid_request", "detail": "Permintaan tidak valid.",
             "errors": errors},
            status_code=400 if bad_json else 422,
        )

    @app.exception_handler(UnicodeError)
    async def _bad_text(_request: Request, _exc: UnicodeError) -> JSONResponse:
        # e.g. a lone surrogate ("\ud800") in a JSON string cannot be stored or hashed as UTF-8
        return JSONResponse({"code": "invalid_text", "detail": "Teks berisi karakter yang tidak sah."},
                            status_code=422)

    return app
