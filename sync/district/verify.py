"""The public verify page for a letter's QR code (Indonesian, mobile-friendly, no login)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from babel.dates import format_date
from cryptography.exceptions import InvalidSignature
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select

from sync.district import enrolment
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
AWAITING = "BELUM TERSINKRON"


@dataclass(frozen=True)
class Verdict:
    """What the page says: ``state`` one of the constants above, ``explanation`` why, and — when the
    letter has reached the district — what was issued (``summary``, NIKs masked by the office)."""

    state: str
    explanation: str
    letter: LetterProjection | None = None
    number: str | None = None
    village: str | None = None
    issued_on: str | None = None
    reason: str = ""  # a short code for tests and logs: ok, malformed, unknown_device, bad_signature, ...
    summary: dict[str, Any] | None = None
    issued_on_text: str | None = None
    voided_on_text: str | None = None


def _utc_naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _revoked_before(revoked_at: dt.datetime, issued: str) -> bool:
    """Whether a device revoked at `revoked_at` was already revoked when the letter was issued
    (`issued`: the letter's ISO date or UTC date-time). A bare date counts the whole day as after."""
    revoked = _utc_naive(revoked_at)
    try:
        if len(issued) <= 10:
            return revoked.date() <= dt.date.fromisoformat(issued)
        return revoked <= _utc_naive(dt.datetime.fromisoformat(issued))
    except ValueError:
        return True  # a date we cannot read cannot prove the key was still valid


def _long_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return format_date(dt.date.fromisoformat(value[:10]), "d MMMM y", locale="id")
    except ValueError:
        return value


def _signer(store: DistrictStore, payload: Any, compact: bool, signature: bytes,
            signed: bytes) -> tuple[Device | None, bool]:
    """(the device whose key made the signature, whether any candidate was registered). For an SK2
    token the candidates are every device of the village it names (revoked and kiosk ones too, so
    the page can say why it refuses); for SK1 the device it names."""
    from kiosk import letter_token

    with store.db.read() as s:
        if compact:
            candidates = list(s.scalars(select(Device).where(Device.village == payload.village_code)
                                        .order_by(Device.created_at)))
        else:
            # the device it names: its district id, or the local id it signed with before enrolling
            one = enrolment.signer(s, payload.device_id, payload.village_code)
            candidates = [one] if one is not None else []
    for device in candidates:
        try:
            letter_token.load_public_key(device.public_key).verify(signature, signed)
        except (InvalidSignature, ValueError):
            continue
        return device, True
    return None, bool(candidates)


def check(store: DistrictStore, text: str) -> Verdict:
    """The verdict on a QR text: SAH only when the signature was made by the key of an office device
    of the letter's village that was not revoked when the letter was issued, and the letter the
    district holds is the one signed."""
    from kiosk import letter_token

    try:
        token = letter_token.extract_token(text)
        compact = token.upper().startswith(letter_token.COMPACT_PREFIX + ".")
        payload, signature, signed = (letter_token.parse_compact(token) if compact
                                      else letter_token.parse_token(token))
    except (letter_token.MalformedToken, ValueError):
        return Verdict(INVALID, "Kode QR tidak terbaca, terpotong, atau bukan kode surat Smart Kampung. "
                       "Tidak ada yang dapat diperiksa.", reason="malformed")
    shown: dict[str, Any] = {"number": payload.number or None, "village": payload.village_code,
                             "issued_on": payload.issued_on, "issued_on_text": _long_date(payload.issued_on)}
    device, known = _signer(store, payload, compact, signature, signed)
    if device is None:
        if not known:
            return Verdict(UNKNOWN, f"Tidak ada perangkat terdaftar yang dapat menandatangani surat desa "
                           f"{payload.village_code}: surat ini tidak dapat diperiksa di sini.",
                           reason="unknown_device", **shown)
        return Verdict(INVALID, f"Tanda tangan digital tidak cocok dengan perangkat mana pun dari desa "
                       f"{payload.village_code}: kode ini diubah atau dipalsukan.", reason="bad_signature", **shown)
    if device.village != payload.village_code:
        return Verdict(INVALID, f"Surat ini mengaku dari desa {payload.village_code}, tetapi ditandatangani "
                       f"perangkat desa lain ({device.village}).", reason="other_village", **shown)
    if device.role != "office":
        return Verdict(INVALID, "Surat ini ditandatangani perangkat anjungan (kios). Kios tidak menerbitkan "
                       "surat: ini bukan surat resmi.", reason="kiosk_key", **shown)
    with store.db.read() as s:
        # keyed by village and id: another village's letter with the same id is not this letter
        letter = s.scalar(select(LetterProjection).where(LetterProjection.village == payload.village_code,
                                                         LetterProjection.letter_id == payload.letter_id))
    issued = letter.issued_at if letter is not None else payload.issued_on
    if device.revoked_at is not None and _revoked_before(device.revoked_at, issued):
        return Verdict(INVALID, f"Perangkat penanda tangan sudah dicabut pada "
                       f"{_long_date(_utc_naive(device.revoked_at).date().isoformat())}, sebelum surat ini "
                       "diterbitkan.", reason="revoked", **shown)
    if letter is None:
        return Verdict(AWAITING, "Tanda tangan asli dari perangkat kantor desa ini, tetapi surat ini belum "
                       "sampai di server kabupaten, sehingga isinya belum dapat ditampilkan. Coba lagi nanti "
                       "setelah kantor desa tersambung.", reason="awaiting", **shown)
    if (letter.village != payload.village_code or (payload.number and letter.number != payload.number)
            or letter.signing_device != device.id or not payload.matches_content(letter.content_hash)):
        return Verdict(INVALID, "Isi surat tidak sama dengan surat yang tercatat.", letter,
                       reason="content_mismatch", **shown)
    shown["number"] = letter.number
    summary = _summary(letter.summary)
    if letter.voided:
        return Verdict(VOID, "Surat ini sudah dibatalkan oleh kantor desa dan tidak berlaku.", letter,
                       reason="voided", summary=summary, voided_on_text=_long_date(letter.voided_at), **shown)
    return Verdict(VALID, "Surat ini asli dan tercatat di server kabupaten. Cocokkan isi kertas dengan data "
                   "di bawah ini: bila berbeda, kertas itu telah diubah.", letter, reason="ok", summary=summary,
                   **shown)


def _summary(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _page(request: Request, token: str) -> HTMLResponse:
    verdict = check(request.app.state.store, token)
    html = _templates.get_template("verify.html").render(v=verdict)
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


@router.get("/v/{token}", response_class=HTMLResponse, include_in_schema=False)
def verify_path(request: Request, token: str) -> HTMLResponse:
    return _page(request, token)


# The compact QR writes the address in capitals (QR alphanumeric mode): HTTPS://HOST/V/SK2...
@router.get("/V/{token}", response_class=HTMLResponse, include_in_schema=False)
def verify_path_upper(request: Request, token: str) -> HTMLResponse:
    return _page(request, token)


@router.get("/verify", response_class=HTMLResponse)
def verify_query(request: Request, t: Annotated[str, Query(max_length=2000)] = "") -> HTMLResponse:
    return _page(request, t)
