"""Why a resident workbook could not be opened at all (typed ``DomainError``s)."""

from __future__ import annotations

from kiosk.errors import DomainError
from kiosk.i18n import N_


class ImportFileError(DomainError):
    """Base: the file as a whole cannot be imported. Nothing was read."""

    code = "import_file"
    template = N_("The file {name} cannot be imported.")


class ImportFileNotFound(ImportFileError):
    code = "import_file_not_found"
    template = N_("The file {name} was not found.")


class NotAWorkbook(ImportFileError):
    code = "import_not_a_workbook"
    template = N_(
        "The file {name} is not a spreadsheet that can be read (.xlsx, .xlsm, .xls, .ods or .csv), "
        "or it is damaged."
    )


class ImportFileTooLarge(ImportFileError):
    code = "import_file_too_large"
    template = N_("The file {name} is {size_mb} MB; the limit is {limit_mb} MB.")


class NoResidentSheet(ImportFileError):
    code = "import_no_resident_sheet"
    template = N_(
        "No sheet in {name} has the resident headers (nama, nik, sex and alamat or dusun) in its first "
        "rows. Use the sheet “Data Penduduk” of the import template."
    )


class MissingColumns(ImportFileError):
    code = "import_missing_columns"
    template = N_("The sheet “{sheet}” in {name} lacks the required columns: {columns}.")
