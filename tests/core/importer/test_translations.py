"""Every message template of refdata, nik and the importer has an Indonesian translation."""

from __future__ import annotations

from kiosk import nik, refdata
from kiosk.i18n import LOCALE_DIR
from kiosk.importer import errors, reader


def test_every_template_is_translated() -> None:
    from babel.messages.pofile import read_po

    with (LOCALE_DIR / "id" / "residents_import.po").open("rb") as f:
        catalog = read_po(f)
    assert catalog.locale is not None and str(catalog.locale) == "id"
    with (LOCALE_DIR / "id" / "residents_import3.po").open("rb") as f:  # issue 14's strings
        for message in read_po(f):
            if message.id and message.id not in catalog:
                catalog[message.id] = message
    templates = [*nik.TEMPLATES.values(), nik._SEX_MISMATCH_MALE_NIK, *reader.TEMPLATES.values()]
    templates += [refdata.InvalidVillageCode.template, "Row", "Column", "Reason"]
    templates += [
        cls.template
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.ImportFileError)
    ]
    missing = [t for t in templates if t not in catalog or not catalog[t].string]
    assert missing == []
    for t in templates:  # same placeholders on both sides
        assert sorted(_fields(t)) == sorted(_fields(catalog[t].string)), t


def _fields(text: str) -> list[str]:
    import string

    return [name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name]
