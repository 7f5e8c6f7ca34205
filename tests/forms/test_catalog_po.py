"""forms/ stays plain data, and every English template it marks has an Indonesian translation."""

from __future__ import annotations

import ast
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def _templates() -> set[str]:
    found = set()
    for path in (ROOT / "forms").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "N_":
                arg = node.args[0]
                assert isinstance(arg, ast.Constant) and isinstance(arg.value, str), f"{path}: N_ needs a literal"
                found.add(arg.value)
    return found


def test_po_parses_and_translates_every_template() -> None:
    with (ROOT / "resources" / "locale" / "id" / "forms.po").open("rb") as f:
        catalog = read_po(f, locale="id")
    assert catalog.locale is not None and str(catalog.locale) == "id"
    # later issues add forms' templates in their own catalogs (one file per issue keeps merges clean)
    for other in sorted((ROOT / "resources" / "locale" / "id").glob("*.po")):
        if other.name != "forms.po":
            with other.open("rb") as f:
                for message in read_po(f, locale="id"):
                    if message.id and message.id not in catalog:
                        catalog[message.id] = message
    templates = _templates()
    assert len(templates) > 30
    missing = [t for t in templates if t not in catalog or not catalog[t].string]
    assert missing == []
    for t in templates:  # same placeholders on both sides
        assert sorted(_names(t)) == sorted(_names(str(catalog[t].string))), t


def _names(s: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(s) if name]


def test_forms_imports_no_app_package() -> None:
    import forms  # noqa: F401

    banned = ("kiosk", "sync", "printing", "ui", "PySide6")
    for path in (ROOT / "forms").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                assert not any(n.split(".")[0] in banned for n in names), f"{path}: {names}"
