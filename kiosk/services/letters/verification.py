"""Letters: offline verification at the office (``letters verify``): the signed code against the keys
this office knows, the letter in its own register, and — for a PDF — the PDF's text held against the
letter as issued, naming the first field that differs.

A report never says the content is unchanged unless the text was compared: a QR code alone proves who
signed which letter, so for ``--qr`` the report shows what was issued for the checker to hold against
the paper.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import select

import forms
from kiosk.i18n import N_, _
from kiosk.models import Device, Letter, OfficeProfile
from kiosk.services.letters.catalogue import LetterCatalogue
from kiosk.services.letters.model import DIBATALKAN_STATUS, SAH, TIDAK_DIKENAL, TIDAK_SAH, VerifyReport
from kiosk.services.letters_document import letter_content_hash, letter_summary

VERIFY_REASONS: dict[str, str] = {
    "ok": N_("The letter is authentic: valid signature, in this office's register, not void. The code "
             "alone cannot show whether the paper's text was changed: hold the paper against the details "
             "below."),
    "ok_compared": N_("The letter is authentic and the PDF's text is the same as the letter as issued."),
    "malformed": N_("This is not a Smart Kampung letter code, or it is cut off or damaged: it could not be "
                    "read. Nothing could be checked."),
    "unknown_device": N_("The letter was signed by a device whose key is not known here: it cannot be "
                         "checked at this office. Check it on the district's verify page."),
    "bad_signature": N_("The signature does not match any key of this office: the code was changed or forged, "
                        "or the letter is from another village."),
    "other_village": N_("The code names village {village}, not this office ({own}): check it on the "
                        "district's verify page."),
    "unknown_letter": N_("The signature is valid but this office has no record of the letter."),
    "content_mismatch": N_("The letter's content does not match the signed content."),
    "voided": N_("The letter was voided on {date}: {reason}"),
    "no_token": N_("No Smart Kampung letter code was found in this PDF: it is not a letter made by Smart "
                   "Kampung, or it was saved again without its code. Scan the QR code on the paper and "
                   "give its text with --qr."),
    "no_token_scan": N_("This PDF has no text layer and no letter code (a scan?): nothing could be checked "
                        "from the file. Scan the QR code on the paper and give its text with --qr."),
    "not_pdf": N_("This file is not a readable PDF."),
    "no_text": N_("The signature is valid, but this PDF has no text layer (a scan?): its content could not "
                  "be compared. Hold the paper against the details below."),
    "text_differs": N_("The text of this PDF differs from the letter as issued at {field}: the PDF reads "
                       "“{found}”, the letter as issued “{expected}”. This is not the letter as issued."),
    "several": N_("This PDF holds {count} letters; only the first was checked."),
}

CHECK_LABELS: dict[str, str] = {
    "readable": N_("readable"),
    "known_key": N_("signing key known"),
    "signature": N_("signature"),
    "village": N_("village of this office"),
    "known_letter": N_("letter known here"),
    "content": N_("content matches the signed hash"),
    "text": N_("PDF text same as the letter as issued"),
    "not_void": N_("not void"),
}


def _message(code: str, **fmt: Any) -> str:
    return _(VERIFY_REASONS[code]).format(**fmt) if fmt else _(VERIFY_REASONS[code])


def summary_of(letter: Letter, catalog: forms.LetterTypeCatalog) -> dict[str, Any]:
    """What was issued, for the checker (from the stored letter; NIKs masked)."""
    from printing.dates import long_date

    lt = catalog.get(letter.letter_type)
    office = dict(letter.office_snapshot or {})
    summary = letter_summary(
        lt, title=lt.title.title() if lt else letter.letter_type, number=letter.number,
        issued_on=letter.issued_on.isoformat(), resident=letter.resident_snapshot or {},
        values=letter.values or {}, signer=letter.signer or {}, office=office,
        valid_until=letter.valid_until.isoformat() if letter.valid_until else None)
    summary["issued_on_text"] = long_date(letter.issued_on)
    return summary


def field_values(letter: Letter, catalog: forms.LetterTypeCatalog) -> list[tuple[str, str]]:
    """(label, printed text) of the type's fields, for naming the field a text difference falls in."""
    from forms.placeholders import format_field, parse_date

    lt = catalog.get(letter.letter_type)
    out: list[tuple[str, str]] = []
    for fd in lt.fields if lt else ():
        value = (letter.values or {}).get(fd.name)
        if fd.kind in ("people", "resident") or value in (None, ""):
            continue
        if fd.kind == "date" and isinstance(value, str) and parse_date(value):
            value = parse_date(value)
        text = format_field(fd, value)
        out.append((fd.label, text))
        out.append((fd.label, text.upper()))  # a placeholder with |upper prints it in capitals
    return out


def _difference_label(item: Any) -> str:
    if item is None:
        return _("the letterhead or a caption")
    if item.kind in ("row", "field"):
        return f"“{item.label}”"
    if item.kind == "cell":
        return _("“{column}” in row {row} of the table").format(column=item.label, row=item.index)
    if item.kind == "paragraph":
        return _("paragraph {n}").format(n=item.index)
    names = {"title": N_("the title"), "number": N_("the number"), "opening": N_("the opening"),
             "closing": N_("the closing")}
    if item.kind == "signature":
        return {"date": _("the place and date"), "name": _("the signer's name"), "nip": _("the signer's NIP")
                }.get(item.label, _("the signature block"))
    return _(names.get(item.kind, item.kind))


class LetterVerification(LetterCatalogue):
    """Checking a letter code or a letter PDF against this office's store and registered keys."""

    def verify_text(self, text: str, extra_keys: Mapping[str, Any] | None = None,
                    pdf: bytes | None = None, letters_in_pdf: int = 1) -> VerifyReport:
        """Check a letter code (or verify URL) offline; with `pdf`, also hold its text against the
        letter as issued."""
        from kiosk.letter_token import verify_token

        with self.store.read() as s:
            keys: dict[str, Any] = dict(extra_keys or {})
            for dev_id, server_id, pub in s.execute(select(Device.id, Device.server_device_id,
                                                           Device.public_key)).all():
                keys[server_id or dev_id] = bytes(pub)  # the district's id once enrolled
                keys.setdefault(dev_id, bytes(pub))
            own_village = s.scalar(select(OfficeProfile.village_code))
            result = verify_token(text, keys)
            if result.reason == "bad_signature" and result.compact and result.payload is not None:
                # An SK2 code names no device: a letter of this village signed by another office
                # computer (pulled here without that computer's key) cannot be told from a forgery.
                held = s.get(Letter, result.payload.letter_id)
                if held is not None and held.device_id not in keys:
                    result = replace(result, reason="unknown_device")
            checks: list[tuple[str, bool]] = [("readable", result.reason != "malformed")]
            p = result.payload
            base: dict[str, Any] = {"letter_id": p.letter_id, "number": p.number or None,
                                    "village_code": p.village_code, "issued_on": p.issued_on,
                                    "device_id": p.device_id or None} if p else {}

            def report(ok: bool, code: str, status: str = TIDAK_SAH, **more: Any) -> VerifyReport:
                fmt = more.pop("fmt", {})
                message = _message(more.pop("message_code", code), **fmt)
                if letters_in_pdf > 1:
                    message += " " + _message("several", count=letters_in_pdf)
                return VerifyReport(ok, code, message, checks=tuple(checks), status=status,
                                    **{**base, **more})

            if not result.ok:
                if result.reason == "malformed":
                    return report(False, "malformed")
                if p is not None and own_village and p.village_code != own_village:
                    checks.append(("village", False))
                    return report(False, "other_village", TIDAK_DIKENAL,
                                  fmt={"village": p.village_code, "own": own_village})
                checks.append(("known_key", result.reason != "unknown_device"))
                if result.reason == "bad_signature":
                    checks.append(("signature", False))
                return report(False, result.reason, TIDAK_DIKENAL if result.reason == "unknown_device"
                              else TIDAK_SAH)
            checks += [("known_key", True), ("signature", True)]
            assert p is not None
            letter = s.get(Letter, p.letter_id)
            checks.append(("known_letter", letter is not None))
            if letter is None:
                return report(False, "unknown_letter", TIDAK_DIKENAL)
            summary = summary_of(letter, self.catalog())
            base.update(number=letter.number, summary=summary)
            # the stored document must still hash to the stored content hash (a letter pulled without
            # its document can only be compared by the hash itself)
            recomputed = letter_content_hash(letter.id, letter.document) if letter.document else letter.content_hash
            same = (recomputed == letter.content_hash and p.matches_content(letter.content_hash)
                    and (not p.number or letter.number == p.number))
            checks.append(("content", same))
            if not same:
                return report(False, "content_mismatch")
            compared = False
            if pdf is not None:
                outcome = self._compare_pdf(letter, pdf)
                if outcome is not None:
                    code, fmt, field_name = outcome
                    checks.append(("text", False))
                    return report(False, code, fmt=fmt, field=field_name)
                checks.append(("text", True))
                compared = True
            checks.append(("not_void", letter.voided_at is None))
            if letter.voided_at is not None:
                from printing.dates import long_date

                day = long_date(letter.voided_at.date())
                return report(False, "voided", DIBATALKAN_STATUS, compared=compared, void_reason=letter.void_reason,
                              voided_on=letter.voided_at.date().isoformat(),
                              fmt={"reason": letter.void_reason or "-", "date": day})
            return report(True, "ok", SAH, compared=compared, message_code="ok_compared" if compared else "ok")

    def _compare_pdf(self, letter: Letter, pdf: bytes) -> tuple[str, dict[str, str], str | None] | None:
        """None when the PDF's text is the letter's; else (reason, message params, field label)."""
        from printing.verify import compare_letter_text, normalise, pdf_text

        given = pdf_text(pdf)
        if not given or not normalise(given):
            return "no_text", {}, None
        reference = None
        if letter.pdf_path:
            path = self.store.paths.root / letter.pdf_path
            try:
                data = path.read_bytes()
            except OSError:
                data = b""
            if data and hashlib.sha256(data).hexdigest() == letter.pdf_hash:
                reference = pdf_text(data)
        if not reference:  # no archive here (a letter pulled from another office device): render it
            from printing.letter import render_letter

            reference = pdf_text(render_letter(dict(letter.document or {})))
        diff = compare_letter_text(given, reference or "", dict(letter.document or {}),
                                   field_values(letter, self.catalog()))
        if diff is None:
            return None
        label = _difference_label(diff.item)
        return "text_differs", {"field": label, "found": diff.found, "expected": diff.expected}, (
            diff.item.label or diff.item.kind) if diff.item else None

    def verify_pdf(self, data_or_path: bytes | str | Path) -> VerifyReport:
        """Check a letter's PDF: its code, and its text against the letter as issued."""
        from printing.verify import normalise, pdf_text, read_tokens_from_pdf

        try:
            data = data_or_path if isinstance(data_or_path, bytes) else Path(data_or_path).read_bytes()
        except OSError:
            return VerifyReport(False, "not_pdf", _message("not_pdf"))
        if data.lstrip()[:5] != b"%PDF-":
            return VerifyReport(False, "not_pdf", _message("not_pdf"))
        tokens = read_tokens_from_pdf(data)
        if not tokens:
            text = pdf_text(data)
            if text is None:
                return VerifyReport(False, "not_pdf", _message("not_pdf"))
            code = "no_token" if normalise(text) else "no_token_scan"
            return VerifyReport(False, code, _message(code))
        # a batch PDF holds several letters: its text is not one letter's, so it is not compared
        return self.verify_text(tokens[0], pdf=data if len(tokens) == 1 else None, letters_in_pdf=len(tokens))
