"""The sync API under /api/v1: ping, enroll, push, pull, snapshot (full re-sync), number leases (wire
format: sync.protocol; the snapshot's models are in sync.district.snapshot)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response

from sync import protocol as p
from sync.district.kiosk_view import KIOSK_ENTITIES, KioskView
from sync.district.models import Device
from sync.district.snapshot import SnapshotResponse, high_water, snapshot
from sync.district.store import DistrictStore, StoreError

router = APIRouter(prefix=p.API_PREFIX)

_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": p.ErrorBody, "description": "missing, unknown or expired token (code: unauthorized)"},
    403: {"model": p.ErrorBody, "description": "revoked device (code: device_revoked) or wrong role"},
}


def get_store(request: Request) -> DistrictStore:
    store: DistrictStore = request.app.state.store
    return store


StoreDep = Annotated[DistrictStore, Depends(get_store)]


def current_device(store: StoreDep, authorization: Annotated[str | None, Header()] = None) -> Device:
    token = None
    if authorization and authorization[:7].lower() == "bearer ":
        token = authorization[7:].strip()
    return store.authenticate(token)


DeviceDep = Annotated[Device, Depends(current_device)]


@router.get("/ping", response_model=p.PingResponse)
def ping(store: StoreDep) -> p.PingResponse:
    return p.PingResponse(server_id=store.server_id(), server_time=p.utc_now())


def limit_enroll(request: Request) -> None:
    """Enrolment attempts per minute per address (codes are short: guessing must stay slow)."""
    from sync.district.web_security import client_address

    limiter = getattr(request.app.state, "limiter", None)
    if limiter is not None:
        limiter.hit("enroll", client_address(request), request.app.state.settings.enroll_per_address)


@router.post("/enroll", response_model=p.EnrollResponse, dependencies=[Depends(limit_enroll)],
             responses={401: {"model": p.ErrorBody, "description": "enrollment code invalid, used or expired"},
                        429: {"model": p.ErrorBody, "description": "too many attempts (code: rate_limited)"}})
def enroll(body: p.EnrollRequest, store: StoreDep) -> p.EnrollResponse:
    return store.enroll(body)


@router.post("/push", response_model=p.PushResponse, responses={
    **_ERRORS,
    409: {"model": p.ErrorBody, "description": "the device's local sequence went backwards (restored from an "
          "old backup; code: device_restored): nothing applied, every later push refused until it "
          "re-enrolls with a new code"},
    413: {"model": p.ErrorBody},
})
def push(body: p.PushRequest, store: StoreDep, device: DeviceDep) -> Response:
    if len(body.changes) > p.MAX_PUSH_CHANGES:
        raise StoreError("too_many_changes", f"Paling banyak {p.MAX_PUSH_CHANGES} perubahan sekali kirim.", 413)
    ids = [c.change_id for c in body.changes]
    if len(set(ids)) != len(ids):
        raise StoreError("duplicate_change_ids", "Satu change_id muncul dua kali dalam satu kiriman.", 400)
    # Serialised once by pydantic (the documented response_model), not validated again by FastAPI.
    return Response(store.push(device, body.changes).model_dump_json(), media_type="application/json")


@router.get("/pull", response_model=p.PullResponse, responses=_ERRORS)
def pull(
    store: StoreDep,
    device: DeviceDep,
    after: Annotated[int, Query(ge=0, le=p.MAX_SEQ)] = 0,
    limit: Annotated[int, Query(ge=1, le=p.MAX_PULL_LIMIT)] = p.DEFAULT_PULL_LIMIT,
    exclude_own: Annotated[bool, Query(description="leave out the records this device created itself "
                                       "(it holds them already)")] = False,
) -> p.PullResponse:
    page = store.pull(device, after, limit, exclude_own=exclude_own)
    if device.role == "kiosk":  # filtered by role here, in the server: no NIK ever reaches a kiosk
        view = KioskView(store.db, device.id, device.village)
        kept = view.keep(page.changes, lambda c: c.entity, lambda c: c.entity_id)
        page.changes = [c.model_copy(update={"payload": view.payload(c.entity, c.payload)}) for c in kept]
    return page


@router.get("/snapshot", response_model=SnapshotResponse, responses=_ERRORS)
def get_snapshot(
    store: StoreDep,
    device: DeviceDep,
    entity: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    after_entity: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    after_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=p.MAX_PULL_LIMIT)] = p.DEFAULT_PULL_LIMIT,
) -> SnapshotResponse:
    """The current state of every record of the device's village (full re-sync after ``reset_required``),
    with the ``server_seq`` to pull after once loaded."""
    if entity is None and after_id and after_entity is None:
        raise StoreError("invalid_request", "after_id tanpa entity memerlukan after_entity.", 422)
    if device.role == "kiosk" and entity is not None and entity not in KIOSK_ENTITIES:
        with store.db.read() as s:  # nothing of this entity for a kiosk; the cursor as any first page gives it
            return SnapshotResponse(records=[], server_seq=high_water(s), has_more=False, server_time=p.utc_now())
    page = snapshot(store.db, device.village, entity=entity, after_entity=after_entity, after_id=after_id,
                    limit=limit)
    if device.role == "kiosk":
        view = KioskView(store.db, device.id, device.village)
        kept = view.keep(page.records, lambda r: r.entity, lambda r: r.entity_id)
        page.records = [r.model_copy(update={"payload": view.payload(r.entity, r.payload)}) for r in kept]
    return page


@router.post("/leases", response_model=p.LeaseResponse, responses=_ERRORS)
def lease(body: p.LeaseRequest, store: StoreDep, device: DeviceDep) -> p.LeaseResponse:
    return store.lease(device, body)


@router.post("/leases/unused", response_model=p.UnusedNumbersResponse, responses=_ERRORS)
def report_unused(body: p.UnusedNumbersRequest, store: StoreDep, device: DeviceDep) -> p.UnusedNumbersResponse:
    return store.report_unused(device, body)
