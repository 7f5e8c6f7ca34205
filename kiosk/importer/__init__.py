"""Resident import and export in OpenSID's "Data Penduduk" format (reading and normalising only).

``open_workbook(path)`` -> ``ImportSource``; ``read_rows(source)`` (or ``source.read()``) yields
``ImportRow``s; ``write_workbook`` and ``write_rejects_csv`` write files. Writing to the database is
the caller's job.
"""

from kiosk.importer.columns import KEYS, Column, columns
from kiosk.importer.errors import (
    ImportFileError,
    ImportFileNotFound,
    ImportFileTooLarge,
    MissingColumns,
    NoResidentSheet,
    NotAWorkbook,
)
from kiosk.importer.export import write_rejects_csv, write_workbook, write_workbook_sheets
from kiosk.importer.reader import ImportRow, RowIssue, read_residents, read_rows
from kiosk.importer.source import DEFAULT_MAX_BYTES, ImportSource, open_workbook

__all__ = [
    "DEFAULT_MAX_BYTES",
    "KEYS",
    "Column",
    "ImportFileError",
    "ImportFileNotFound",
    "ImportFileTooLarge",
    "ImportRow",
    "ImportSource",
    "MissingColumns",
    "NoResidentSheet",
    "NotAWorkbook",
    "RowIssue",
    "columns",
    "open_workbook",
    "read_residents",
    "read_rows",
    "write_rejects_csv",
    "write_workbook",
    "write_workbook_sheets",
]
