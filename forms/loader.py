"""Reading letter-type TOML files into checked ``LetterType`` objects, and the catalog of all of them.

Every problem is a ``LetterTypeError`` naming the file and the line: unknown keys, kinds, code lists
and placeholders, bad regular expressions, duplicate field names, missing keys. ``load_catalog``
never raises for a bad file: it lands in ``catalog.broken`` and the other files load.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from forms import codelists
from forms.model import (
    CODE_RE,
    DEFAULT_CLOSING,
    DEFAULT_OPENING,
    FIELD_KINDS,
    IDENTITY_KINDS,
    N_,
    VALIDITY_RE,
    DetailsDef,
    FieldDef,
    LetterType,
    LetterTypeCatalog,
    LetterTypeError,
    TableDef,
)
from forms.placeholders import check

log = logging.getLogger(__name__)

BUILTIN_DIR = Path(__file__).resolve().parent / "types"
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
BLOCK_RE = re.compile(r"^\[([a-z][a-z0-9_]*)\]$")

TOP_KEYS = {"code", "title", "classification", "version", "validity", "kiosk", "needs_approval",
            "requirements", "identity", "opening", "body", "closing", "fields", "tables", "details"}
REQUIRED_TOP = ("code", "title", "classification", "version", "validity", "kiosk", "needs_approval",
                "identity", "body")
FIELD_KEYS = {"name", "label", "kind", "required", "pattern", "min", "max", "not_future", "options",
              "code_list", "default", "help", "columns"}


class _Locator:
    """Finds the line of a key or token in the raw TOML text (tomllib keeps no positions)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def line_at(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1

    def header(self, name: str, n: int) -> int:
        """Offset of the n-th (0-based) ``[[name]]`` header, or 0."""
        hits = list(re.finditer(rf"^[ \t]*\[\[[ \t]*{re.escape(name)}[ \t]*\]\]", self.text, re.M))
        return hits[n].start() if n < len(hits) else 0

    def key(self, key: str, start: int = 0) -> int | None:
        m = re.compile(rf"^[ \t]*{re.escape(key)}[ \t]*=", re.M).search(self.text, start)
        return self.line_at(m.start()) if m else None

    def token(self, token: str, start: int = 0) -> int | None:
        i = self.text.find(token, start)
        return self.line_at(i) if i >= 0 else None


class _Parser:
    def __init__(self, text: str, path: Path) -> None:
        self.path = path
        self.loc = _Locator(text)

    def fail(self, line: int | None, template: str, **params: Any) -> LetterTypeError:
        return LetterTypeError(self.path, line, template, **params)

    def get(self, data: Mapping[str, Any], key: str, typ: type | tuple[type, ...], expected: str,
            start: int, default: Any = None, required: bool = False) -> Any:
        if key not in data:
            if required:
                raise self.fail(self.loc.line_at(start) if start else 1,
                                N_("Missing required key {key}"), key=key)
            return default
        value = data[key]
        bad_bool = isinstance(value, bool) and bool not in (typ if isinstance(typ, tuple) else (typ,))
        if not isinstance(value, typ) or bad_bool:
            raise self.fail(self.loc.key(key, start), N_("Key {key} must be {expected}"),
                            key=key, expected=expected)
        return value

    def unknown_keys(self, data: Mapping[str, Any], allowed: set[str], start: int) -> None:
        for key in data:
            if key not in allowed:
                raise self.fail(self.loc.key(key, start) or self.loc.line_at(start),
                                N_("Unknown key {key}"), key=key)

    def field(self, data: Any, start: int, top: bool, seen: set[str], reference_dir: Path | None) -> FieldDef:
        if not isinstance(data, dict):
            raise self.fail(self.loc.line_at(start), N_("A field must be a table"))
        self.unknown_keys(data, FIELD_KEYS, start)
        name = self.get(data, "name", str, "text", start, required=True)
        if not NAME_RE.match(name):
            raise self.fail(self.loc.key("name", start),
                            N_("Bad field name {name}: use lowercase letters, digits and _"), name=name)
        if name in seen:
            raise self.fail(self.loc.key("name", start), N_("Duplicate field name {name}"), name=name)
        seen.add(name)
        label = self.get(data, "label", str, "text", start, required=True)
        kind = self.get(data, "kind", str, "text", start, required=True)
        if kind not in FIELD_KINDS or (kind == "people" and not top):
            raise self.fail(self.loc.key("kind", start), N_("Unknown field kind {kind}; use one of {choices}"),
                            kind=kind, choices=", ".join(k for k in FIELD_KINDS if top or k != "people"))
        pattern = self.get(data, "pattern", str, "text", start)
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as e:
                raise self.fail(self.loc.key("pattern", start), N_("Bad regular expression {pattern}: {error}"),
                                pattern=pattern, error=str(e)) from None
        lo = self.get(data, "min", (int, float), "a number", start)
        hi = self.get(data, "max", (int, float), "a number", start)
        if lo is not None and hi is not None and lo > hi:
            raise self.fail(self.loc.key("min", start), N_("min is greater than max in field {name}"), name=name)
        not_future = self.get(data, "not_future", bool, "true or false", start, default=False)
        if not_future and kind != "date":
            raise self.fail(self.loc.key("not_future", start), N_("not_future only applies to date fields"))
        raw_options = self.get(data, "options", list, "a list of [code, label] pairs", start)
        code_list = self.get(data, "code_list", str, "text", start)
        options: tuple[tuple[str, str], ...] = ()
        choices: tuple[tuple[str, str], ...] = ()
        if kind == "choice":
            if (raw_options is None) == (code_list is None):
                raise self.fail(self.loc.key("kind", start),
                                N_("Choice field {name} needs either options or code_list"), name=name)
        elif raw_options is not None or code_list is not None:
            raise self.fail(self.loc.key("options" if raw_options is not None else "code_list", start),
                            N_("options and code_list only apply to choice fields"))
        if raw_options is not None:
            pairs = []
            for item in raw_options:
                if not (isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)):
                    raise self.fail(self.loc.key("options", start),
                                    N_("Key {key} must be {expected}"), key="options",
                                    expected="a list of [code, label] pairs")
                pairs.append((item[0], item[1]))
            options = choices = tuple(pairs)
        if code_list is not None:
            try:
                if not NAME_RE.match(code_list):
                    raise FileNotFoundError(code_list)
                choices = codelists.read_code_list(code_list, reference_dir)
            except (OSError, ValueError):
                raise self.fail(self.loc.key("code_list", start), N_("Unknown code list {name}; known: {choices}"),
                                name=code_list, choices=", ".join(codelists.available(reference_dir))) from None
        default = self.get(data, "default", (str, int, float, bool), "a value", start)
        columns: tuple[FieldDef, ...] = ()
        raw_columns = self.get(data, "columns", list, "a list of fields", start)
        if kind == "people":
            if not raw_columns:
                raise self.fail(self.loc.key("kind", start), N_("People field {name} needs columns"), name=name)
            col_seen: set[str] = set()
            cols: list[FieldDef] = []
            for item in raw_columns:
                col_start = self._column_start(start, len(cols))
                cols.append(self.field(item, col_start, False, col_seen, reference_dir))
            columns = tuple(cols)
        elif raw_columns is not None:
            raise self.fail(self.loc.key("columns", start), N_("columns only apply to people fields"))
        return FieldDef(
            name=name, label=label, kind=kind,
            required=self.get(data, "required", bool, "true or false", start, default=False),
            pattern=pattern, min=lo, max=hi, not_future=not_future, options=options, code_list=code_list,
            default=None if default is None else str(default),
            help=self.get(data, "help", str, "text", start), columns=columns, choices=choices)

    def _column_start(self, field_start: int, n: int) -> int:
        hits = [m.start() for m in re.finditer(r"^[ \t]*\[\[[ \t]*fields\.columns[ \t]*\]\]", self.loc.text, re.M)
                if m.start() > field_start]
        nxt = self.loc.text.find("[[fields]]", field_start + 1)
        hits = [h for h in hits if nxt < 0 or h < nxt]
        return hits[n] if n < len(hits) else field_start

    def check_text(self, text: str, key: str, fields: Mapping[str, FieldDef]) -> None:
        for token, template, params in check(text, fields):
            raise self.fail(self.loc.token(token) or self.loc.key(key), template, **params)


def parse_letter_type(text: str, path: Path, *, builtin: bool = False,
                      reference_dir: Path | None = None) -> LetterType:
    """Parse and check one letter type from TOML text; ``path`` names it in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        raise LetterTypeError(path, int(m.group(1)) if m else None, N_("Not valid TOML: {error}"),
                              error=str(e)) from None
    p = _Parser(text, path)
    p.unknown_keys(data, TOP_KEYS, 0)
    for key in REQUIRED_TOP:
        if key not in data:
            raise p.fail(1, N_("Missing required key {key}"), key=key)
    code = p.get(data, "code", str, "text", 0)
    if not CODE_RE.match(code):
        raise p.fail(p.loc.key("code"), N_("Bad code {code}: use 2-32 lowercase letters, digits and _"), code=code)
    validity = p.get(data, "validity", str, "text", 0)
    if not VALIDITY_RE.match(validity):
        raise p.fail(p.loc.key("validity"), N_("Bad validity {validity}: use e.g. 1d, 2w, 1M, 6M or 1y"),
                     validity=validity)
    identity = p.get(data, "identity", str, "text", 0)
    if identity not in IDENTITY_KINDS:
        raise p.fail(p.loc.key("identity"), N_("Unknown identity {identity}; use one of {choices}"),
                     identity=identity, choices=", ".join(IDENTITY_KINDS))
    version = p.get(data, "version", int, "a whole number", 0)
    if version < 1:
        raise p.fail(p.loc.key("version"), N_("Key {key} must be {expected}"), key="version",
                     expected="a whole number of at least 1")
    requirements = p.get(data, "requirements", list, "a list of text", 0, default=[])
    if not all(isinstance(r, str) for r in requirements):
        raise p.fail(p.loc.key("requirements"), N_("Key {key} must be {expected}"), key="requirements",
                     expected="a list of text")

    fields: list[FieldDef] = []
    seen: set[str] = set()
    for i, item in enumerate(p.get(data, "fields", list, "a list of fields", 0, default=[])):
        fields.append(p.field(item, p.loc.header("fields", i), True, seen, reference_dir))
    by_name = {f.name: f for f in fields}

    blocks: set[str] = set()
    details: list[DetailsDef] = []
    for i, item in enumerate(p.get(data, "details", list, "a list of tables", 0, default=[])):
        start = p.loc.header("details", i)
        if not isinstance(item, dict):
            raise p.fail(p.loc.line_at(start), N_("Key {key} must be {expected}"), key="details",
                         expected="a list of tables")
        p.unknown_keys(item, {"name", "rows"}, start)
        name = p.get(item, "name", str, "text", start, required=True)
        rows = p.get(item, "rows", list, "a list of [label, value] pairs", start, required=True)
        if not all(isinstance(r, list) and len(r) == 2 and all(isinstance(x, str) for x in r) for r in rows):
            raise p.fail(p.loc.key("rows", start), N_("Key {key} must be {expected}"), key="rows",
                         expected="a list of [label, value] pairs")
        if name in blocks or not NAME_RE.match(name):
            raise p.fail(p.loc.key("name", start), N_("Duplicate or bad block name {name}"), name=name)
        blocks.add(name)
        for label, value in rows:
            p.check_text(label, "rows", by_name)
            p.check_text(value, "rows", by_name)
        details.append(DetailsDef(name, tuple((r[0], r[1]) for r in rows)))

    tables: list[TableDef] = []
    for i, item in enumerate(p.get(data, "tables", list, "a list of tables", 0, default=[])):
        start = p.loc.header("tables", i)
        if not isinstance(item, dict):
            raise p.fail(p.loc.line_at(start), N_("Key {key} must be {expected}"), key="tables",
                         expected="a list of tables")
        p.unknown_keys(item, {"name", "field", "columns", "numbered"}, start)
        fname = p.get(item, "field", str, "text", start, required=True)
        name = p.get(item, "name", str, "text", start, default=fname)
        fd = by_name.get(fname)
        if fd is None or fd.kind != "people":
            raise p.fail(p.loc.key("field", start), N_("Table field {name} is not a people field"), name=fname)
        cols = p.get(item, "columns", list, "a list of column names", start, default=[])
        known = {c.name for c in fd.columns}
        for c in cols:
            if c not in known:
                raise p.fail(p.loc.key("columns", start), N_("Unknown column {name}"), name=str(c))
        if name in blocks or not NAME_RE.match(name):
            raise p.fail(p.loc.key("name", start) or p.loc.line_at(start),
                         N_("Duplicate or bad block name {name}"), name=name)
        blocks.add(name)
        tables.append(TableDef(name, fname, tuple(cols),
                               p.get(item, "numbered", bool, "true or false", start, default=True)))

    title = p.get(data, "title", str, "text", 0)
    classification = p.get(data, "classification", str, "text", 0)
    opening = p.get(data, "opening", str, "text", 0, default=DEFAULT_OPENING)
    body = p.get(data, "body", str, "text", 0)
    closing = p.get(data, "closing", str, "text", 0, default=DEFAULT_CLOSING)
    for key, value in (("title", title), ("opening", opening), ("body", body), ("closing", closing)):
        p.check_text(value, key, by_name)
    for para in split_paragraphs(body):
        m = BLOCK_RE.match(para)
        if m and m.group(1) not in blocks:
            raise p.fail(p.loc.token(para) or p.loc.key("body"), N_("Unknown block {name}"), name=para)
    return LetterType(
        code=code, title=title, classification=classification, version=version, validity=validity,
        kiosk=p.get(data, "kiosk", bool, "true or false", 0),
        needs_approval=p.get(data, "needs_approval", bool, "true or false", 0),
        requirements=tuple(requirements), identity=identity, opening=opening, body=body, closing=closing,
        fields=tuple(fields), tables=tuple(tables), details=tuple(details),
        source_path=path, builtin=builtin)


def split_paragraphs(body: str) -> list[str]:
    """Paragraphs of a body text: separated by blank lines, inner line breaks joined with a space."""
    paras = re.split(r"\n[ \t]*\n", body.strip())
    return [" ".join(line.strip() for line in p.splitlines() if line.strip()) for p in paras if p.strip()]


def load_file(path: Path, *, builtin: bool = False, reference_dir: Path | None = None) -> LetterType:
    """Load one letter-type file; raises ``LetterTypeError``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise LetterTypeError(path, None, N_("Cannot read the file: {error}"), error=str(e)) from None
    return parse_letter_type(text, path, builtin=builtin, reference_dir=reference_dir)


def load_catalog(extra_dirs: list[Path], *, builtin_dir: Path | None = BUILTIN_DIR,
                 reference_dir: Path | None = None) -> LetterTypeCatalog:
    """The shipped letter types plus each extra folder's own (``*.toml``); a later folder's type
    with the same code replaces an earlier one. Bad files go to ``catalog.broken``, never raise."""
    catalog = LetterTypeCatalog()
    folders = ([(builtin_dir, True)] if builtin_dir is not None else []) + [(d, False) for d in extra_dirs]
    for folder, builtin in folders:
        if not folder.is_dir():
            continue
        own: set[str] = set()
        for path in sorted(folder.glob("*.toml")):
            try:
                lt = load_file(path, builtin=builtin, reference_dir=reference_dir)
            except LetterTypeError as e:
                log.warning("letter type file %s is broken: %s", path, e.message)
                catalog.broken.append((path, str(e)))
                continue
            if lt.code in own:
                err = LetterTypeError(path, _code_line(path), N_("Code {code} is already used by another file"),
                                      code=lt.code)
                catalog.broken.append((path, str(err)))
                continue
            own.add(lt.code)
            catalog.types[lt.code] = lt
    return catalog


def _code_line(path: Path) -> int | None:
    try:
        return _Locator(path.read_text(encoding="utf-8")).key("code")
    except OSError:
        return None
