"""The public verify page for a letter's QR code (Indonesian, mobile-friendly, no login)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select

from sync.district.models import Device, LetterProjection
from sync.district.store import DistrictStore

router = APIRouter()
_templates = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(["html"]),
)

VALID = "SAH"
VOID = "DIBATALKAN"
UNKNOWN = "TIDAK DIKENAL"
INVALID = "TIDAK SAH"
AWAITING = "MENUNGGU SINKRONISASI"


@dataclass(frozen=True)
class Verdict:
    state: str  # one of the constants above
    explanation: str
    letter: LetterProjection | None = None
    number: str | None = None
    village: str | None = None
    issued_on: str | None = None


class _DeviceKeys(Mapping[str, str]):
    """Registered public keys, looked up one device at a time (a district has thousands)."""

    def __init__(self, store: DistrictStore, village: str | None = None) -> None:
        self._store = store
        self._village = village  # the letter's village: its devices' pre-enrolment ids count too

    def __getitem__(self, device_id: str) -> str:
        key = self._store.public_key(device_id, self._village)
        if key is None:
            raise KeyError(device_id)
        return key

    def __iter__(self) -> Iterator[str]:
        with self._store.db.read() as s:
            return iter(list(s.scalars(select(Device.id))))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def check(store: DistrictStore, text: str) -> Verdict:
    from kiosk import letter_token

    try:
        village: str | None = letter_token.parse_token(text)[0].village_code
    except (ValueError, TypeError):
        village = None
    result = letter_token.verify_token(text, _DeviceKeys(store, village))  # type: ignore[arg-type]
    payload = result.payload
    if payload is None:
        return Verdict(INVALID, "Kode QR tidak terbaca atau bukan kode surat Smart Kampung.")
    shown: dict[str, Any] = {"number": payload.number, "village": payload.village_code,
                             "issued_on": payload.issued_on}
    if result.reason == letter_token.REASON_UNKNOWN_DEVICE:
        return Verdict(UNKNOWN, "Surat ini ditandatangani oleh perangkat yang tidak terdaftar.", **shown)
    if not result.ok:
        return Verdict(INVALID, "Tanda tangan digital tidak cocok: surat ini bukan surat asli.", **shown)
    with store.db.read() as s:
        # keyed by village and id: another village's letter with the same id is not this letter
        letter = s.scalar(select(LetterProjection).where(LetterProjection.village == payload.village_code,
                                                         LetterProjection.letter_id == payload.letter_id))
    if letter is None:
        return Verdict(AWAITING, "Tanda tangan asli, tetapi surat ini belum sampai di server kabupaten. "
                       "Coba lagi nanti setelah kantor desa tersambung.", **shown)
    if (letter.village != payload.village_code or letter.number != payload.number
            or not store.signed_by(letter.signing_device, payload.device_id)
            or not payload.matches_content(letter.content_hash)):
        return Verdict(INVALID, "Isi surat tidak sama dengan surat yang tercatat.", letter, **shown)
    if letter.voided:
        return Verdict(VOID, "Surat ini sudah dibatalkan oleh kantor desa.", letter, **shown)
    return Verdict(VALID, "Surat ini asli dan tercatat di server kabupaten.", letter, **shown)


def _page(request: Request, token: str) -> HTMLResponse:
    verdict = check(request.app.state.store, token)
    html = _templates.get_template("verify.html").render(v=verdict)
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


@router.get("/v/{token}", response_class=HTMLResponse, include_in_schema=False)
def verify_path(request: Request, token: str) -> HTMLResponse:
    return _page(request, token)


@router.get("/verify", response_class=HTMLResponse)
def verify_query(request: Request, t: Annotated[str, Query(max_length=2000)] = "") -> HTMLResponse:
    return _page(request, t)
