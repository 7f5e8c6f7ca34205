"""Letters: offline verification of a letter's code (signature, known letter, same content, not void).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select

from kiosk.i18n import N_, _
from kiosk.models import Device, Letter
from kiosk.services.letters.catalogue import LetterCatalogue
from kiosk.services.letters.model import (
    VerifyReport,
)
from kiosk.services.letters_document import letter_content_hash

VERIFY_REASONS: dict[str, str] = {
    "ok": N_("The letter is authentic: signature valid, known to this office, content unchanged, not void."),
    "malformed": N_("This is not a Smart Kampung letter code (it could not be read)."),
    "unknown_device": N_("The letter was signed by a device whose key is not known here."),
    "bad_signature": N_("The signature does not match: the code was changed or forged."),
    "unknown_letter": N_("The signature is valid but this office has no record of the letter."),
    "content_mismatch": N_("The letter's content does not match the signed content."),
    "voided": N_("The letter was voided: {reason}"),
    "no_token": N_("No letter code was found in this file."),
}


class LetterVerification(LetterCatalogue):
    """Checking a letter code or a letter PDF."""

    def verify_pdf(self, data_or_path: bytes | str | Path) -> VerifyReport:
        from printing.verify import read_tokens_from_pdf

        tokens = read_tokens_from_pdf(data_or_path)
        if not tokens:
            return VerifyReport(False, "no_token", _(VERIFY_REASONS["no_token"]))
        return self.verify_text(tokens[0])

    def verify_text(self, text: str, extra_keys: Mapping[str, Any] | None = None) -> VerifyReport:
        """Check a letter code offline: signature with a known key, the letter known here with the same
        content hash, not voided. ``reason`` names the first check that failed."""
        from kiosk.letter_token import verify_token

        with self.store.read() as s:
            keys: dict[str, Any] = dict(extra_keys or {})
            for dev_id, server_id, pub in s.execute(select(Device.id, Device.server_device_id,
                                                           Device.public_key)).all():
                keys[dev_id] = bytes(pub)
                if server_id:  # the district's id for this device, signed into tokens once enrolled
                    keys[server_id] = bytes(pub)
            result = verify_token(text, keys)
            checks: list[tuple[str, bool]] = [("readable", result.reason != "malformed")]
            p = result.payload
            base = {"letter_id": p.letter_id, "number": p.number, "village_code": p.village_code,
                    "issued_on": p.issued_on, "device_id": p.device_id} if p else {}

            def report(ok: bool, code: str, **fmt: Any) -> VerifyReport:
                msg = _(VERIFY_REASONS[code]).format(**fmt) if fmt else _(VERIFY_REASONS[code])
                return VerifyReport(ok, code, msg, checks=tuple(checks), **base)

            if not result.ok:
                if result.reason != "malformed":
                    checks.append(("known_key", result.reason != "unknown_device"))
                    if result.reason == "bad_signature":
                        checks.append(("signature", False))
                return report(False, result.reason)
            checks += [("known_key", True), ("signature", True)]
            assert p is not None
            letter = s.get(Letter, p.letter_id)
            checks.append(("known_letter", letter is not None))
            if letter is None:
                return report(False, "unknown_letter")
            # the stored document must still hash to the stored content hash (a letter pulled without
            # its document can only be compared by the hash itself)
            recomputed = letter_content_hash(letter.id, letter.document) if letter.document else letter.content_hash
            same = (letter.number == p.number and recomputed == letter.content_hash
                    and p.matches_content(letter.content_hash))
            checks.append(("content", same))
            if not same:
                return report(False, "content_mismatch")
            checks.append(("not_void", letter.voided_at is None))
            if letter.voided_at is not None:
                return report(False, "voided", reason=letter.void_reason or "-")
            return report(True, "ok")

