"""Workbook builders for the importer tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kiosk.importer import columns

HEADERS = [c.header for c in columns()]

WriteSheet = Callable[..., Path]


def row(**values: Any) -> list[Any]:
    """A 43-column row in OpenSID's order from header=value pairs."""
    return [values.get(h) for h in HEADERS]


@pytest.fixture
def write_sheet(tmp_path: Path) -> WriteSheet:
    def write(
        rows: Sequence[Sequence[Any]],
        *,
        headers: Sequence[str] = HEADERS,
        title: str = "Data Penduduk",
        name: str = "penduduk.xlsx",
        before: Sequence[Sequence[Any]] = (),
        extra_sheets: Sequence[str] = (),
    ) -> Path:
        wb = openpyxl.Workbook()
        first = wb.active
        assert first is not None
        for extra in extra_sheets:
            wb.create_sheet(extra).append(["Petunjuk pengisian"])
        ws = wb.create_sheet(title)
        wb.remove(first)
        for r in before:
            ws.append(list(r))
        ws.append(list(headers))
        for r in rows:
            ws.append(list(r))
        path = tmp_path / name
        wb.save(path)
        return path

    return write
