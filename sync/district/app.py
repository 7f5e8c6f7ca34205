"""The district server application: `create_app(db_url)` builds the FastAPI app on a migrated database."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.middleware.gzip import GZipMiddleware

from sync import protocol as p
from sync.district import api, monitoring, verify
from sync.district.budget import routes as budget_routes
from sync.district.db import Database
from sync.district.gzip_body import GzipRequestMiddleware
from sync.district.store import DistrictStore, StoreError

log = logging.getLogger(__name__)


def create_app(db_url: str, *, migrate: bool = True) -> FastAPI:
    db = Database(db_url)
    if migrate:
        db.upgrade()
    app = FastAPI(title="Smart Kampung — server kabupaten", version=str(p.PROTOCOL_VERSION))
    app.state.db = db
    app.state.store = DistrictStore(db)
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(GzipRequestMiddleware, max_bytes=p.SERVER_MAX_BODY_BYTES)
    app.include_router(api.router)
    app.include_router(verify.router)
    app.include_router(monitoring.router)
    app.include_router(budget_routes.pages)

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
