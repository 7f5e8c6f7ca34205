"""The signed token printed as a letter's QR code: compact payload, Ed25519 signature, verification.

Pure (stdlib + cryptography): the office program signs with it, the district server and the command
line verify with it.

Format: ``SK1.<base64url(payload)>.<base64url(signature)>`` without padding, where the signature is
Ed25519 over the ASCII bytes ``SK1.<base64url(payload)>`` and the payload is binary:

======  =====================================================================
bytes   field
======  =====================================================================
1       format version (1)
16      letter id (UUID)
2       issue date, days since 2000-01-01 (big-endian)
16      content hash: the first 16 bytes (128 bits) of the sha256 of the letter's canonical content
var     signing device id  (see `_pack_text`: a UUID in 17 bytes, other text as length + UTF-8)
var     letter number      (length byte + UTF-8)
var     village code       (length byte + UTF-8)
======  =====================================================================

A typical token (UUIDv7 ids, number ``474.1/012/35.10.01.2001/2026``, village ``35.10.01.2001``) is
about 215 characters. The hash is cut to 128 bits to keep the QR small: forging another content with
the same signed prefix still needs a 2^128 second preimage.

SK1 codes are too long for a cheap phone (0.4 mm modules at 24 mm). Letters are now signed as the
compact **SK2**: ``SK2.<BASE32(payload || signature)>`` (RFC 4648 alphabet, upper case, no padding),
signature over ``b"SK2" + payload``, payload = version 2 (1 byte), village code as its ten digits
(5 bytes), issue date (2 bytes), letter id (16 bytes), content hash (16 bytes): 104 bytes, 167
characters. Every character is in the QR alphanumeric set, so with an upper-case verify URL
(``HTTPS://HOST/V/SK2...``) the code is encoded at 5.5 bits a character instead of 8. The token names
no device and no number: the verifier tries the public keys of the devices of the village it names (a
village has a handful), so a key of another village can never make it valid, and the letter's number
and content come from the record. SK1 codes already printed still verify.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
import struct
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PREFIX: Final = "SK1"
VERSION: Final = 1
COMPACT_PREFIX: Final = "SK2"
COMPACT_VERSION: Final = 2
HASH_BYTES: Final = 16
SIGNATURE_BYTES: Final = 64
_EPOCH: Final = dt.date(2000, 1, 1)
_UUID_TAG: Final = 0xFF  # length byte meaning "16-byte UUID follows"
MAX_TOKEN_CHARS: Final = 1000

REASON_OK: Final = "ok"
REASON_MALFORMED: Final = "malformed"
REASON_UNKNOWN_DEVICE: Final = "unknown_device"
REASON_BAD_SIGNATURE: Final = "bad_signature"
REASON_CONTENT_MISMATCH: Final = "content_mismatch"

KeyLike = Ed25519PublicKey | bytes | str


class MalformedToken(ValueError):
    """The text is not a well-formed letter token (wrong prefix, encoding, lengths or fields)."""


@dataclass(frozen=True)
class TokenPayload:
    """What a letter's QR code vouches for."""

    letter_id: str  # UUID string
    number: str  # official letter number, e.g. 474.1/012/35.10.01.2001/2026
    village_code: str  # e.g. 35.10.01.2001
    issued_on: str  # YYYY-MM-DD
    content_hash: str  # sha256 hex of the canonical content; a token carries its first 32 hex digits
    device_id: str  # the signing device

    def matches_content(self, full_hash_hex: str) -> bool:
        """Whether `full_hash_hex` (sha256 hex of the content) is the hash this payload signed."""
        mine = self.content_hash.lower()[: HASH_BYTES * 2]
        return len(mine) == HASH_BYTES * 2 and full_hash_hex.lower().startswith(mine)


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of `verify_token`: `reason` is one of ok, malformed, unknown_device, bad_signature,
    content_mismatch. For an SK2 token the payload's ``device_id`` is the device whose key verified it
    ("" when none did) and its ``number`` is "" (the number comes from the record)."""

    ok: bool
    reason: str
    payload: TokenPayload | None = None
    token: str | None = None

    @property
    def compact(self) -> bool:
        return bool(self.token and self.token.startswith(COMPACT_PREFIX + "."))


# -- keys -------------------------------------------------------------------------------------------


def generate_keypair() -> tuple[bytes, bytes]:
    """A new Ed25519 key pair as (private key PEM (PKCS#8, unencrypted), public key PEM)."""
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


def load_private_key(key: Ed25519PrivateKey | bytes | str) -> Ed25519PrivateKey:
    """A private key from a key object, PEM (bytes or str), 32 raw bytes or their base64."""
    if isinstance(key, Ed25519PrivateKey):
        return key
    raw = _key_bytes(key)
    if raw.startswith(b"-----BEGIN"):
        loaded = serialization.load_pem_private_key(raw, password=None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise ValueError("not an Ed25519 private key")
        return loaded
    return Ed25519PrivateKey.from_private_bytes(raw)


def load_public_key(key: KeyLike) -> Ed25519PublicKey:
    """A public key from a key object, PEM (bytes or str), 32 raw bytes or their base64."""
    if isinstance(key, Ed25519PublicKey):
        return key
    raw = _key_bytes(key)
    if raw.startswith(b"-----BEGIN"):
        loaded = serialization.load_pem_public_key(raw)
        if not isinstance(loaded, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return loaded
    return Ed25519PublicKey.from_public_bytes(raw)


def public_key_base64(key: KeyLike) -> str:
    """The 32 raw public key bytes in standard base64 (a short form for settings and the server)."""
    raw = load_public_key(key).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def _key_bytes(key: bytes | str) -> bytes:
    data = key.encode("ascii") if isinstance(key, str) else bytes(key)
    if data.lstrip().startswith(b"-----BEGIN"):
        return data.strip()
    if len(data) == 32:
        return data
    try:
        raw = base64.b64decode(data.strip(), validate=True)
    except binascii.Error as exc:
        raise ValueError("key is neither PEM, 32 raw bytes nor base64 of them") from exc
    if len(raw) != 32:
        raise ValueError("an Ed25519 key has 32 bytes")
    return raw


# -- content hash -----------------------------------------------------------------------------------


def canonical_json(obj: Any) -> bytes:
    """The canonical UTF-8 JSON of `obj`: sorted keys, no spaces, non-ASCII kept as is."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def content_hash(obj: Any) -> str:
    """sha256 hex of the canonical JSON of a letter's content."""
    return hashlib.sha256(canonical_json(obj)).hexdigest()


# -- encoding ---------------------------------------------------------------------------------------


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    if not text or any(ch not in _B64_ALPHABET for ch in text) or len(text) % 4 == 1:
        raise MalformedToken("bad base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    # Reject non-canonical encodings (unused low bits set): otherwise two texts carry one signature.
    if _b64e(data) != text:
        raise MalformedToken("non-canonical base64url")
    return data


_B64_ALPHABET: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _pack_text(value: str) -> bytes:
    try:
        as_uuid = uuid.UUID(value)
    except ValueError:
        as_uuid = None
    if as_uuid is not None and str(as_uuid) == value:
        return bytes([_UUID_TAG]) + as_uuid.bytes
    data = value.encode("utf-8")
    if len(data) >= _UUID_TAG:
        raise ValueError(f"text field too long for a token ({len(data)} bytes)")
    return bytes([len(data)]) + data


def _unpack_text(data: bytes, pos: int) -> tuple[str, int]:
    if pos >= len(data):
        raise MalformedToken("truncated payload")
    length = data[pos]
    pos += 1
    if length == _UUID_TAG:
        if pos + 16 > len(data):
            raise MalformedToken("truncated payload")
        return str(uuid.UUID(bytes=data[pos : pos + 16])), pos + 16
    if pos + length > len(data):
        raise MalformedToken("truncated payload")
    try:
        return data[pos : pos + length].decode("utf-8"), pos + length
    except UnicodeDecodeError as exc:
        raise MalformedToken("bad text field") from exc


def encode_payload(payload: TokenPayload) -> bytes:
    """The binary payload (see the module docstring). Raises ValueError for values it cannot carry."""
    letter_uuid = uuid.UUID(payload.letter_id)
    days = (dt.date.fromisoformat(payload.issued_on) - _EPOCH).days
    if not 0 <= days <= 0xFFFF:
        raise ValueError("issue date out of range")
    digest = bytes.fromhex(payload.content_hash[: HASH_BYTES * 2])
    if len(digest) != HASH_BYTES:
        raise ValueError("content hash must be sha256 hex (at least 32 hex digits)")
    return b"".join(
        [
            struct.pack(">B16sH16s", VERSION, letter_uuid.bytes, days, digest),
            _pack_text(payload.device_id),
            _pack_text(payload.number),
            _pack_text(payload.village_code),
        ]
    )


def decode_payload(data: bytes) -> TokenPayload:
    """The inverse of `encode_payload`; raises MalformedToken."""
    head = struct.calcsize(">B16sH16s")
    if len(data) < head:
        raise MalformedToken("truncated payload")
    version, id_bytes, days, digest = struct.unpack_from(">B16sH16s", data)
    if version != VERSION:
        raise MalformedToken(f"unknown token version {version}")
    device_id, pos = _unpack_text(data, head)
    number, pos = _unpack_text(data, pos)
    village_code, pos = _unpack_text(data, pos)
    if pos != len(data):
        raise MalformedToken("trailing bytes in payload")
    return TokenPayload(
        letter_id=str(uuid.UUID(bytes=id_bytes)),
        number=number,
        village_code=village_code,
        issued_on=(_EPOCH + dt.timedelta(days=days)).isoformat(),
        content_hash=digest.hex(),
        device_id=device_id,
    )


# -- the compact SK2 form ---------------------------------------------------------------------------

_VILLAGE_RE: Final = re.compile(r"^(\d{2})\.(\d{2})\.(\d{2})\.(\d{4})$")
_COMPACT_HEAD: Final = ">B5sH16s16s"
_B32_ALPHABET: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def can_compact(payload: TokenPayload) -> bool:
    """Whether the payload fits the compact form (a Kemendagri village code ``35.10.01.2001``)."""
    return bool(_VILLAGE_RE.match(payload.village_code))


def _encode_compact(payload: TokenPayload) -> bytes:
    m = _VILLAGE_RE.match(payload.village_code)
    if not m:
        raise ValueError("the compact token needs a village code like 35.10.01.2001")
    village = int("".join(m.groups())).to_bytes(5, "big")
    days = (dt.date.fromisoformat(payload.issued_on) - _EPOCH).days
    if not 0 <= days <= 0xFFFF:
        raise ValueError("issue date out of range")
    digest = bytes.fromhex(payload.content_hash[: HASH_BYTES * 2])
    if len(digest) != HASH_BYTES:
        raise ValueError("content hash must be sha256 hex (at least 32 hex digits)")
    return struct.pack(_COMPACT_HEAD, COMPACT_VERSION, village, days, uuid.UUID(payload.letter_id).bytes, digest)


def _decode_compact(data: bytes) -> TokenPayload:
    if len(data) != struct.calcsize(_COMPACT_HEAD):
        raise MalformedToken("bad compact payload length")
    version, village, days, id_bytes, digest = struct.unpack(_COMPACT_HEAD, data)
    if version != COMPACT_VERSION:
        raise MalformedToken(f"unknown token version {version}")
    digits = int.from_bytes(village, "big")
    if digits >= 10**10:
        raise MalformedToken("bad village code")
    d = f"{digits:010d}"
    return TokenPayload(letter_id=str(uuid.UUID(bytes=id_bytes)), number="",
                        village_code=f"{d[:2]}.{d[2:4]}.{d[4:6]}.{d[6:]}",
                        issued_on=(_EPOCH + dt.timedelta(days=days)).isoformat(),
                        content_hash=digest.hex(), device_id="")


def _b32d(text: str) -> bytes:
    text = text.upper()
    if not text or any(ch not in _B32_ALPHABET for ch in text) or len(text) % 8 in (1, 3, 6):
        raise MalformedToken("bad base32")
    data = base64.b32decode(text + "=" * (-len(text) % 8))
    if base64.b32encode(data).decode("ascii").rstrip("=") != text:
        raise MalformedToken("non-canonical base32")
    return data


def sign_compact(payload: TokenPayload, private_key: Ed25519PrivateKey | bytes | str) -> str:
    """The compact SK2 token of `payload` (number and device id are not carried)."""
    data = _encode_compact(payload)
    signature = load_private_key(private_key).sign(COMPACT_PREFIX.encode("ascii") + data)
    return f"{COMPACT_PREFIX}." + base64.b32encode(data + signature).decode("ascii").rstrip("=")


def parse_compact(text: str) -> tuple[TokenPayload, bytes, bytes]:
    """(payload, signature, signed bytes) of an SK2 token or verify URL; raises MalformedToken."""
    token = extract_token(text)
    head, sep, body = token.partition(".")
    if head.upper() != COMPACT_PREFIX or not sep:
        raise MalformedToken("not a SK2 token")
    raw = _b32d(body)
    if len(raw) <= SIGNATURE_BYTES:
        raise MalformedToken("truncated token")
    data, signature = raw[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]
    return _decode_compact(data), signature, COMPACT_PREFIX.encode("ascii") + data


# -- sign, parse, verify ----------------------------------------------------------------------------


def sign_token(payload: TokenPayload, private_key: Ed25519PrivateKey | bytes | str) -> str:
    """The token text for `payload`, signed with the device's private key."""
    signed = f"{PREFIX}.{_b64e(encode_payload(payload))}"
    signature = load_private_key(private_key).sign(signed.encode("ascii"))
    return f"{signed}.{_b64e(signature)}"


def extract_token(text: str) -> str:
    """The bare token from a token, a URL ending in ``/v/<token>`` or a URL with ``?t=<token>``."""
    text = text.strip()
    if len(text) > MAX_TOKEN_CHARS + 500:
        raise MalformedToken("too long")
    if text.startswith(PREFIX + ".") or text.upper().startswith(COMPACT_PREFIX + "."):
        return text
    if "://" in text or text.startswith("/"):
        parts = urlsplit(text)
        query = parse_qs(parts.query)
        if query.get("t"):
            return query["t"][0].strip()
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) >= 2 and segments[-2].lower() == "v":
            return segments[-1]
    raise MalformedToken("no token in text")


def parse_token(text: str) -> tuple[TokenPayload, bytes, bytes]:
    """(payload, signature, signed bytes) of a token or verify URL; raises MalformedToken."""
    token = extract_token(text)
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise MalformedToken("not a SK1 token")
    payload = decode_payload(_b64d(parts[1]))
    signature = _b64d(parts[2])
    if len(signature) != SIGNATURE_BYTES:
        raise MalformedToken("bad signature length")
    return payload, signature, f"{parts[0]}.{parts[1]}".encode("ascii")


def verify_token(
    text: str, public_keys: dict[str, KeyLike], expected_content_hash: str | None = None
) -> VerifyResult:
    """Check a token (or verify URL) against the registered public keys of the signing devices.

    With `expected_content_hash` (sha256 hex of the letter as stored) a valid signature over another
    content gives ``content_mismatch``."""
    try:
        token = extract_token(text)
        if token.upper().startswith(COMPACT_PREFIX + "."):
            return _verify_compact(token, public_keys, expected_content_hash)
        payload, signature, signed = parse_token(token)
    except (MalformedToken, ValueError):
        return VerifyResult(False, REASON_MALFORMED)
    key = public_keys.get(payload.device_id)
    if key is None:
        return VerifyResult(False, REASON_UNKNOWN_DEVICE, payload, token)
    try:
        load_public_key(key).verify(signature, signed)
    except InvalidSignature:
        return VerifyResult(False, REASON_BAD_SIGNATURE, payload, token)
    except ValueError:  # the registered key itself is unusable
        return VerifyResult(False, REASON_UNKNOWN_DEVICE, payload, token)
    if expected_content_hash is not None and not payload.matches_content(expected_content_hash):
        return VerifyResult(False, REASON_CONTENT_MISMATCH, payload, token)
    return VerifyResult(True, REASON_OK, payload, token)


def _verify_compact(token: str, public_keys: Mapping[str, KeyLike],
                    expected_content_hash: str | None) -> VerifyResult:
    """An SK2 token: the first of `public_keys` (the devices of the village it names) that verifies it."""
    payload, signature, signed = parse_compact(token)
    token = token.upper()
    if not public_keys:
        return VerifyResult(False, REASON_UNKNOWN_DEVICE, payload, token)
    for device_id, key in public_keys.items():
        try:
            load_public_key(key).verify(signature, signed)
        except (InvalidSignature, ValueError):
            continue
        found = replace(payload, device_id=device_id)
        if expected_content_hash is not None and not found.matches_content(expected_content_hash):
            return VerifyResult(False, REASON_CONTENT_MISMATCH, found, token)
        return VerifyResult(True, REASON_OK, found, token)
    return VerifyResult(False, REASON_BAD_SIGNATURE, payload, token)


def token_url(base_url: str, token: str) -> str:
    """The verify page address for a token: ``<base_url>/v/<token>``.

    For a compact token the scheme, host and ``/V/`` are written in capitals (case does not matter
    there) so the whole address stays in the QR alphanumeric set; a path that is not all capitals
    is kept as it is (the code then falls back to byte mode, still valid)."""
    if not token.startswith(COMPACT_PREFIX + "."):
        return f"{base_url.rstrip('/')}/v/{token}"
    parts = urlsplit(base_url.strip())
    path = parts.path.rstrip("/")
    return f"{parts.scheme.upper()}://{parts.netloc.upper()}{path}/V/{token}"
