"""Placeholders in letter text: ``{resident.nama|upper}``, ``{field.keperluan}``, checking and filling them.

Grammar: ``{namespace.key}`` or ``{namespace.key.subkey}`` (only for a ``resident`` field, e.g.
``{field.ayah.nik}``) followed by at most one ``|filter``. Namespaces are ``resident``, ``office``,
``field`` and ``letter`` (keys in ``forms.model``); filters are ``upper``, ``lower``, ``title``,
``date``. ``{{`` and ``}}`` write literal braces. Dates always print as Indonesian long dates
("27 November 2026"), numbers with Indonesian grouping ("1.500.000"), missing values as "-".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal

from forms.model import FILTERS, LETTER_KEYS, N_, OFFICE_KEYS, RESIDENT_KEYS, FieldDef

TOKEN_RE = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
INNER_RE = re.compile(r"^([a-z]+)\.([a-z0-9_]+)(?:\.([a-z0-9_]+))?(?:\|([a-z]+))?$")
MISSING = "-"


@dataclass(frozen=True)
class Placeholder:
    """One parsed placeholder."""

    token: str  # as written, with braces
    namespace: str
    key: str
    subkey: str | None
    filter: str | None


def scan(text: str) -> tuple[list[Placeholder], list[tuple[str, str, dict[str, str]]]]:
    """The placeholders of a text, and problems as (token, English template, params)."""
    found: list[Placeholder] = []
    problems: list[tuple[str, str, dict[str, str]]] = []
    for m in TOKEN_RE.finditer(text):
        tok = m.group(0)
        if tok in ("{{", "}}"):
            continue
        if tok in ("{", "}"):
            problems.append((tok, N_("Unbalanced brace {token}; write {{{{ or }}}} for a literal brace"),
                             {"token": tok}))
            continue
        inner = INNER_RE.match(m.group(1).strip())
        if not inner:
            problems.append((tok, N_("Malformed placeholder {token}"), {"token": tok}))
            continue
        found.append(Placeholder(tok, inner.group(1), inner.group(2), inner.group(3), inner.group(4)))
    return found, problems


def check(text: str, fields: Mapping[str, FieldDef]) -> list[tuple[str, str, dict[str, str]]]:
    """Problems with the placeholders of a text, as (token, English template, params)."""
    found, problems = scan(text)
    for p in found:
        params = {"token": p.token}
        if p.filter is not None and p.filter not in FILTERS:
            problems.append((p.token, N_("Unknown filter in {token}; use one of {choices}"),
                             {"token": p.token, "choices": ", ".join(FILTERS)}))
        keys: Mapping[str, object]
        if p.namespace == "resident":
            keys = RESIDENT_KEYS
        elif p.namespace == "office":
            keys = OFFICE_KEYS
        elif p.namespace == "letter":
            keys = LETTER_KEYS
        elif p.namespace == "field":
            keys = fields
        else:
            problems.append((p.token, N_("Unknown placeholder {token}: use resident., office., field. or letter."),
                             params))
            continue
        if p.key not in keys:
            problems.append((p.token, N_("Unknown placeholder {token}"), params))
            continue
        if p.namespace == "field":
            fd = fields[p.key]
            if fd.kind == "people":
                problems.append((p.token, N_("{token} is a list of people: show it with a table"), params))
            elif p.subkey is not None and (fd.kind != "resident" or p.subkey not in RESIDENT_KEYS):
                problems.append((p.token, N_("Unknown placeholder {token}"), params))
        elif p.subkey is not None:
            problems.append((p.token, N_("Unknown placeholder {token}"), params))
    return problems


def long_date(value: date | datetime) -> str:
    """Indonesian long date, e.g. "27 November 2026"."""
    if isinstance(value, datetime):
        value = value.date()
    return format_date(value, "d MMMM y", locale="id")


def parse_date(text: str) -> date | None:
    """A date from "2026-11-27", "27-11-2026" or "27/11/2026" (also 27.11.2026), else None."""
    s = text.strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", s)
    try:
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", s)
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None
    return None


def title_case(text: str) -> str:
    """Capitalise each word, leaving the letters after an apostrophe alone ("Ma'ruf", not "Ma'Ruf")."""
    return re.sub(r"(^|[\s\-/(])([^\s\-/(])([^\s\-/(]*)",
                  lambda m: m.group(1) + m.group(2).upper() + m.group(3).lower(), text)


def format_plain(value: Any) -> str:
    """Letter text for a plain value: dates long, numbers grouped, None as "-"."""
    if value is None or value == "":
        return MISSING
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    if isinstance(value, datetime | date):
        return long_date(value)
    if isinstance(value, time):
        return value.strftime("%H.%M")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int | float):
        return format_decimal(value, locale="id")
    if isinstance(value, Mapping):
        return format_plain(value.get("nama"))
    if isinstance(value, list | tuple):
        return ", ".join(format_plain(v) for v in value) or MISSING
    return str(value)


def format_field(fd: FieldDef, value: Any, subkey: str | None = None) -> str:
    """Letter text for a field value: a choice shows its label, a resident field its name (or subkey)."""
    if value is None or value == "":
        return MISSING
    if fd.kind == "choice":
        return fd.choice_label(str(value))
    if fd.kind == "time" and isinstance(value, str):
        return value.replace(":", ".")
    if fd.kind == "resident":
        if isinstance(value, Mapping):
            return format_plain(value.get(subkey or "nama"))
        return format_plain(value) if subkey in (None, "nik") else MISSING
    return format_plain(value)


def apply_filter(text: str, name: str | None, raw: Any) -> str:
    """Apply one filter to already formatted text (``date`` re-parses strings like "2026-11-27")."""
    if name is None or text == MISSING:
        return text
    if name == "upper":
        return text.upper()
    if name == "lower":
        return text.lower()
    if name == "title":
        return title_case(text)
    if name == "date":
        if isinstance(raw, str):
            d = parse_date(raw)
            return long_date(d) if d else text
        return text
    if name == "hari":  # "Jumat, 14 Maret 2025": the day name for a "Hari/Tanggal" row
        day = raw.date() if isinstance(raw, datetime) else raw if isinstance(raw, date) else (
            parse_date(raw) if isinstance(raw, str) else None)
        return f"{format_date(day, 'EEEE', locale='id')}, {long_date(day)}" if day else text
    return text


# Code lists whose names are written in capitals (OpenSID's seed data: "BELUM KAWIN", "PETANI/PEKEBUN");
# in running text they read in lower case, religions with a capital (proper nouns), short acronyms kept.
CODED_RESIDENT_KEYS = ("jenis_kelamin", "agama", "status_perkawinan", "hubungan_keluarga", "pekerjaan",
                       "pendidikan")
_PROPER = ("agama",)


def running_case(text: str, proper: bool = False) -> str:
    """A code-list name as it reads inside a sentence: ``BELUM KAWIN`` → ``belum kawin``, ``Suami`` →
    ``suami``, ``ISLAM`` → ``Islam``; acronyms of up to three letters (WNI, SD, RS/RB) stay."""
    if text == MISSING:
        return text
    words = []
    for word in re.split(r"(\s+|/)", text):
        letters = re.sub(r"[^A-Za-z]", "", word)
        if letters.isupper() and len(letters) <= 3:
            words.append(word)
        else:
            words.append(word.lower())
    out = "".join(words)
    return out[:1].upper() + out[1:] if proper else out


def fill(text: str, resident: Mapping[str, Any], office: Mapping[str, Any],
         fields: Mapping[str, Any], letter: Mapping[str, Any],
         field_defs: Mapping[str, FieldDef], running: bool = False) -> str:
    """The text with every placeholder replaced (the text must have passed ``check``). Times carry the
    office's time zone (WIB/WITA/WIT); in `running` text (paragraphs) code-list names without a filter
    read in sentence case (`running_case`)."""

    def one(m: re.Match[str]) -> str:
        tok = m.group(0)
        if tok == "{{":
            return "{"
        if tok == "}}":
            return "}"
        inner = INNER_RE.match((m.group(1) or "").strip())
        if not inner:
            return tok
        ns, key, sub, flt = inner.groups()
        if ns == "field":
            fd = field_defs.get(key)
            raw = fields.get(key)
            out = format_field(fd, raw, sub) if fd else format_plain(raw)
            if fd is not None and fd.kind == "time" and out != MISSING:
                out = f"{out} {office.get('zona_waktu') or 'WIB'}"
            if running and flt is None and fd is not None and fd.kind == "choice":
                out = running_case(out, proper=fd.code_list in _PROPER)
        else:
            source = {"resident": resident, "office": office, "letter": letter}.get(ns, {})
            raw = source.get(key)
            out = format_plain(raw)
            if running and flt is None and ns == "resident" and key in CODED_RESIDENT_KEYS:
                out = running_case(out, proper=key in _PROPER)
        return apply_filter(out, flt, raw)

    return TOKEN_RE.sub(one, text)
