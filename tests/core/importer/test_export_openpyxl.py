"""The hand-written sheet XML of ``write_workbook`` against openpyxl's own writer: the same cells, the
same values and types, the same styles — and a loud failure when openpyxl's layout is not what it expects."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kiosk.importer import export, write_workbook
from kiosk.importer.columns import columns
from kiosk.importer.export import ExportLayoutChanged, neutralise
from tests.core.importer.test_export import resident

STYLE_PARTS = ("number_format", "font", "fill", "border", "alignment", "protection")


def _people() -> list[dict[str, Any]]:
    return [
        resident(),
        resident(nik=None, name="H. Ma'ruf", birth_date=date(1900, 2, 28), address=" spasi di depan",
                 lat=None, lng=None, rt=None),
        resident(nik="3510015112280003", name="-Ani", birth_date=date(1928, 12, 11), address="=1+2 & <b>",
                 ethnicity="@SUM(A1)", passport_expiry=None, marriage_date=date(2012, 5, 20)),
    ]  # fmt: skip


def _openpyxl_reference(path: Path, people: list[dict[str, Any]]) -> None:
    """The same workbook written cell by cell by openpyxl (what the export promises to equal)."""
    cols = columns()
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Data Penduduk"
    ws.append([c.header for c in cols])
    for row, person in enumerate(people, start=2):
        for i, c in enumerate(cols, start=1):
            value = person.get(c.key)
            if value is None:
                continue
            cell = ws.cell(row=row, column=i, value=neutralise(value) if isinstance(value, str) else value)
            if isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
    wb.save(path)


def test_every_cell_and_style_matches_openpyxl(tmp_path: Path) -> None:
    people = _people()
    ours, theirs = tmp_path / "ours.xlsx", tmp_path / "openpyxl.xlsx"
    write_workbook(ours, people)
    _openpyxl_reference(theirs, people)
    a = openpyxl.load_workbook(ours)["Data Penduduk"]
    b = openpyxl.load_workbook(theirs)["Data Penduduk"]
    assert (a.max_row, a.max_column) == (b.max_row, b.max_column) == (len(people) + 1, len(columns()))
    compared = 0
    for row_a, row_b in zip(a.iter_rows(), b.iter_rows(), strict=True):
        for x, y in zip(row_a, row_b, strict=True):
            assert (x.coordinate, x.value, x.data_type) == (y.coordinate, y.value, y.data_type)
            for part in STYLE_PARTS:  # style objects of two workbooks compare by their parameters
                assert repr(getattr(x, part)) == repr(getattr(y, part)), (x.coordinate, part)
            compared += 1
    assert compared == (len(people) + 1) * len(columns())
    # the dates really are dates (not serial numbers) in both
    assert isinstance(a["D2"].value, type(b["D2"].value))


def test_a_missed_pattern_stops_the_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As if an openpyxl upgrade wrote its cells' attributes in another order: the date style cannot be
    found, so the export refuses (no file) instead of writing every date as a bare number."""
    real_save = openpyxl.Workbook.save

    def save_reordered(self: openpyxl.Workbook, target: Any) -> None:
        buffer = io.BytesIO()
        real_save(self, buffer)
        with zipfile.ZipFile(buffer) as zin, zipfile.ZipFile(target, "w") as zout:
            for item in zin.infolist():
                data = zin.read(item.filename)
                if item.filename == "xl/worksheets/sheet1.xml":
                    data = re.sub(rb'<c r="A1" s="(\d+)"', rb'<c s="\1" r="A1"', data)
                zout.writestr(item, data)

    monkeypatch.setattr(openpyxl.Workbook, "save", save_reordered)
    target = tmp_path / "export.xlsx"
    with pytest.raises(ExportLayoutChanged):
        write_workbook(target, _people())
    assert not target.exists()
    monkeypatch.undo()
    monkeypatch.setattr(export, "_SHEET_PART", "xl/worksheets/sheet9.xml")
    with pytest.raises(ExportLayoutChanged):
        write_workbook(target, _people())
    assert not target.exists()
