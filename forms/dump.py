"""Writing letter types back to TOML: a village's duplicated-and-edited types (Settings → Jenis surat)."""

from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path

from forms.loader import parse_letter_type
from forms.model import FieldDef, LetterType


def _str(s: str) -> str:
    if "\n" in s:
        out = s.replace("\\", "\\\\").replace('"', '\\"')
        out = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", lambda m: f"\\u{ord(m.group(0)):04x}", out)
        return '"""\n' + out + '"""'
    if "'" not in s and not re.search(r"[\x00-\x1f\x7f]", s) and "\\" in s:
        return f"'{s}'"  # literal string: regular expressions stay readable
    return json.dumps(s, ensure_ascii=False)


def _value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return _str(v)
    if isinstance(v, tuple | list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _field_lines(f: FieldDef, header: str) -> list[str]:
    lines = [f"[[{header}]]", f"name = {_str(f.name)}", f"label = {_str(f.label)}", f"kind = {_str(f.kind)}"]
    if f.required:
        lines.append("required = true")
    for key in ("pattern", "min", "max", "code_list", "default", "help"):
        v = getattr(f, key)
        if v is not None:
            lines.append(f"{key} = {_value(v)}")
    if f.not_future:
        lines.append("not_future = true")
    if f.options:
        lines.append("options = [")
        lines.extend(f"    {_value(list(pair))}," for pair in f.options)
        lines.append("]")
    for col in f.columns:
        lines.append("")
        lines.extend("  " + ln for ln in _field_lines(col, "fields.columns"))
    return lines


def dump_toml(letter_type: LetterType) -> str:
    """The TOML text of a letter type; loading it gives back an equal type."""
    lt = letter_type
    lines = [f"# {lt.title}", ""]
    for key in ("code", "title", "classification", "version", "validity", "kiosk", "needs_approval"):
        lines.append(f"{key} = {_value(getattr(lt, key))}")
    lines.append("requirements = [")
    lines.extend(f"    {_str(r)}," for r in lt.requirements)
    lines.append("]")
    for key in ("identity", "opening", "body", "closing"):
        lines.append(f"{key} = {_value(getattr(lt, key))}")
    for f in lt.fields:
        lines.append("")
        lines.extend(_field_lines(f, "fields"))
    for d in lt.details:
        lines += ["", "[[details]]", f"name = {_str(d.name)}", "rows = ["]
        lines.extend(f"    {_value(list(r))}," for r in d.rows)
        lines.append("]")
    for t in lt.tables:
        lines += ["", "[[tables]]", f"name = {_str(t.name)}", f"field = {_str(t.field)}"]
        if t.columns:
            lines.append(f"columns = {_value(list(t.columns))}")
        if not t.numbered:
            lines.append("numbered = false")
    return "\n".join(lines) + "\n"


def duplicate_letter_type(letter_type: LetterType, *, code: str, title: str | None = None,
                          classification: str | None = None, body: str | None = None) -> LetterType:
    """A village's own copy of a type under a new code, with title, classification and body changed.

    The copy is not checked here: ``save_letter_type`` (or ``parse_letter_type(dump_toml(...))`` for a
    live preview) reports problems such as an unknown placeholder in the edited body.
    """
    return dataclasses.replace(
        letter_type, code=code, title=title if title is not None else letter_type.title,
        classification=classification if classification is not None else letter_type.classification,
        body=body if body is not None else letter_type.body, version=1, builtin=False, source_path=None)


def save_letter_type(letter_type: LetterType, directory: Path) -> LetterType:
    """Check a letter type and write it to ``directory/<code>.toml`` (atomically); returns it as loaded.

    Raises ``LetterTypeError`` (naming the file and line) when the type does not load back.
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{letter_type.code}.toml"
    text = dump_toml(letter_type)
    loaded = parse_letter_type(text, path, builtin=False)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return loaded
