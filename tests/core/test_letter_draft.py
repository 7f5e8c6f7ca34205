"""A previewed (draft) letter cannot be taken for the real one: a clear draft mark, and what is not
filled in yet as a dotted blank instead of "-" (real PDF text through pypdf)."""

from __future__ import annotations

from typing import Any

from kiosk.services.letters import LetterService
from tests.core.test_letters import pdf_text, template, village  # noqa: F401 (fixtures)


def test_draft_is_marked_and_empty_fields_are_blanks(village: dict[str, Any]) -> None:  # noqa: F811
    letters: LetterService = village["letters"]
    data = letters.preview_pdf(village["operator"], resident_id=village["residents"][0], letter_type="domisili",
                               values={"keperluan": "melamar pekerjaan"})  # "sejak" not filled in yet
    text = pdf_text(data)
    assert "DRAF – BELUM SAH" in text and "belum ditandatangani" in text
    assert "Nomor : PRATINJAU – DRAF, BELUM SAH" in text
    assert "……" in text
    assert ": -" not in text and "sejak ……" in text and " - " not in text, text


def test_every_letter_type_previews_empty_as_a_marked_draft(village: dict[str, Any]) -> None:  # noqa: F811
    letters: LetterService = village["letters"]
    for lt in letters.catalog():
        data = letters.preview_pdf(village["operator"], resident_id=village["residents"][0],
                                   letter_type=lt.code, values={})
        text = pdf_text(data)
        assert "DRAF – BELUM SAH" in text and "PRATINJAU – DRAF, BELUM SAH" in text, lt.code
        # the form's own empty fields are dotted blanks (the resident's missing data may still be "-")
        assert "……" in text or not [f for f in lt.fields if f.kind in ("text", "longtext", "date")], lt.code
