"""Letter types as data (jenis surat): loading, checking, validating field values and rendering content.

Pure Python: imports nothing of kiosk, sync, printing or Qt. The placeholder vocabulary is in
``forms.model`` (RESIDENT_KEYS, OFFICE_KEYS, LETTER_KEYS, FILTERS); the grammar in ``forms.placeholders``.
"""

from forms.dump import dump_toml, duplicate_letter_type, save_letter_type
from forms.loader import BUILTIN_DIR, load_catalog, load_file, parse_letter_type
from forms.model import (
    FIELD_KINDS,
    FILTERS,
    LETTER_KEYS,
    OFFICE_KEYS,
    RESIDENT_KEYS,
    DetailsDef,
    FieldDef,
    LetterType,
    LetterTypeCatalog,
    LetterTypeError,
    TableDef,
    ValidationMessage,
    add_validity,
)
from forms.render import render_letter
from forms.samples import sample_letter, sample_office, sample_resident, sample_values
from forms.validation import cross_check, move_class, validate_values

__all__ = [
    "BUILTIN_DIR",
    "FIELD_KINDS",
    "FILTERS",
    "LETTER_KEYS",
    "OFFICE_KEYS",
    "RESIDENT_KEYS",
    "DetailsDef",
    "FieldDef",
    "LetterType",
    "LetterTypeCatalog",
    "LetterTypeError",
    "TableDef",
    "ValidationMessage",
    "add_validity",
    "cross_check",
    "dump_toml",
    "duplicate_letter_type",
    "load_catalog",
    "load_file",
    "move_class",
    "parse_letter_type",
    "render_letter",
    "sample_letter",
    "sample_office",
    "sample_resident",
    "sample_values",
    "save_letter_type",
    "validate_values",
]
