"""Reference code lists (``resources/reference/<name>.csv`` with ``code,name``) used by choice fields."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "resources" / "reference"


def available(reference_dir: Path | None = None) -> list[str]:
    """Names (file stems) of the code lists that exist."""
    folder = reference_dir or REFERENCE_DIR
    return sorted(p.stem for p in folder.glob("*.csv"))


def read_code_list(name: str, reference_dir: Path | None = None) -> tuple[tuple[str, str], ...]:
    """The (code, name) pairs of one code list; FileNotFoundError when there is no such list."""
    return _read((reference_dir or REFERENCE_DIR) / f"{name}.csv")


@lru_cache(maxsize=64)
def _read(path: Path) -> tuple[tuple[str, str], ...]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or "code" not in reader.fieldnames or "name" not in reader.fieldnames:
            raise ValueError(f"{path.name} has no code,name header")
        return tuple((row["code"].strip(), row["name"].strip()) for row in reader if row.get("code"))
