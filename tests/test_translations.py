"""Every user-visible string has its Indonesian translation, with the same placeholders."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import missing_translations  # noqa: E402

_PLACEHOLDER = re.compile(r"\{(\w+)")


def test_every_marked_string_has_an_indonesian_translation() -> None:
    missing = missing_translations.missing()
    listing = "\n".join(f"{where[0]}: {msgid!r}" for msgid, where in sorted(missing.items()))
    assert not missing, f"{len(missing)} strings have no Indonesian translation:\n{listing}"


def test_translations_keep_their_placeholders() -> None:
    bad = []
    for po in sorted((ROOT / "resources" / "locale" / "id").glob("*.po")):
        with po.open("rb") as f:
            catalog = read_po(f)
        for message in catalog:
            if not message.id or not message.string or isinstance(message.id, tuple):
                continue
            if set(_PLACEHOLDER.findall(message.id)) != set(_PLACEHOLDER.findall(str(message.string))):
                bad.append(f"{po.name}: {message.id!r} -> {message.string!r}")
    assert not bad, "\n".join(bad)


def test_one_translation_per_message() -> None:
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for po in sorted((ROOT / "resources" / "locale" / "id").glob("*.po")):
        with po.open("rb") as f:
            catalog = read_po(f)
        for message in catalog:
            if not message.id or message.context or isinstance(message.id, tuple):
                continue
            if message.id in seen and seen[message.id][1] != message.string:
                clashes.append(f"{message.id!r}: {seen[message.id][0]} says {seen[message.id][1]!r}, "
                               f"{po.name} says {message.string!r}")
            seen.setdefault(message.id, (po.name, str(message.string)))
    assert not clashes, "\n".join(clashes)
