"""The import report as text lines, the same for the command line and the import dialog."""

from __future__ import annotations

from typing import Any

from kiosk.i18n import _
from kiosk.services.residents_import import ImportReport, RejectedIssue


def _value(value: Any) -> str:
    if value is None or value == "":
        return _("(empty)")
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def _where(issue: RejectedIssue) -> str:
    return _("sheet “{sheet}” row {row}, NIK {nik}, column {column}").format(
        sheet=issue.sheet, row=issue.row, nik=issue.nik or "-", column=issue.column)


def _more(n: int) -> str:
    return _("  … and {n} more (the rejects file and --json list them all).").format(n=n)


def report_lines(report: ImportReport, *, limit: int = 20) -> list[str]:
    """Everything the report says: sheets read and skipped, counts, changed fields, rejections and
    warnings (each list cut after ``limit`` lines, saying how many more there are)."""
    lines: list[str] = []
    if report.dry_run:
        lines.append(_("Dry run: nothing was written."))
    lines.append(_("File {file}: {rows} data rows in {sheets} sheet(s).").format(
        file=report.file, rows=report.rows, sheets=len(report.sheets)))
    for sh in report.sheets:
        lines.append(_("  Sheet “{name}” (headers on row {header_row}): {rows} rows — new {created}, changed "
                       "{updated}, unchanged {unchanged}, rejected {rejected}, repeated {duplicates}; "
                       "{warnings} with warnings.").format(
            name=sh.name, header_row=sh.header_row, rows=sh.rows, created=sh.created, updated=sh.updated,
            unchanged=sh.unchanged, rejected=sh.rejected, duplicates=sh.duplicates,
            warnings=sh.rows_with_warnings))
        if sh.unknown_headers:
            lines.append(_("    Unknown headers (their columns were not imported): {headers}").format(
                headers=", ".join(sh.unknown_headers)))
        if sh.ignored_headers:
            lines.append(_("    Columns the program does not keep: {headers}").format(
                headers=", ".join(sh.ignored_headers)))
    for sk in report.skipped_sheets:
        lines.append(_("  Sheet “{name}” skipped: {reason}").format(name=sk.name, reason=sk.reason))
    lines.append(_("Total: new {created}, changed {updated}, unchanged {unchanged}, rejected {rejected}, "
                   "repeated {duplicates}; new families {families}; {warnings} rows with warnings.").format(
        created=report.created, updated=report.updated, unchanged=report.unchanged, rejected=report.rejected,
        duplicates=report.duplicates, families=report.families_created, warnings=report.rows_with_warnings))
    if report.changes:
        lines.append(_("Changed residents:"))
        for change in report.changes[:limit]:
            fields = "; ".join(f"{f.column}: {_value(f.old)} → {_value(f.new)}" for f in change.fields)
            lines.append(_("  sheet “{sheet}” row {row}, NIK {nik} ({name}): {fields}").format(
                sheet=change.sheet, row=change.row, nik=change.nik or "-", name=change.name, fields=fields))
        if len(report.changes) > limit:
            lines.append(_more(len(report.changes) - limit))
    if report.issues:
        lines.append(_("Rejected rows:"))
        lines += [f"  {_where(i)}: {i.reason}" for i in report.issues[:limit]]
        if len(report.issues) > limit:
            lines.append(_more(len(report.issues) - limit))
    if report.warnings:
        lines.append(_("Warnings (the rows were imported):"))
        lines += [f"  {_where(w)}: {w.reason}" for w in report.warnings[:limit]]
        if len(report.warnings) > limit:
            lines.append(_more(len(report.warnings) - limit))
    if report.rejects_file:
        lines.append(_("Rejected rows and warnings written to {path}.").format(path=report.rejects_file))
    if not report.ok:
        lines.append(_("Nothing was imported."))
    elif report.created == 0 and report.updated == 0:
        lines.append(_("Nothing changed: every valid row was already up to date."))
    return lines
