"""Messages about budget data (warnings and rejects) kept as a template plus data, translated when shown."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kiosk.i18n import _


@dataclass(frozen=True)
class Notice:
    """One finding: where (table, row, column) and what (an English template with its data)."""

    template: str
    data: dict[str, Any] = field(default_factory=dict)
    table: str = ""
    row: int | None = None  # 1-based data row (the header is row 0)
    column: str = ""

    def message(self) -> str:
        text = _(self.template)
        try:
            text = text.format(**self.data)
        except (KeyError, IndexError, ValueError):
            pass
        return text

    def where(self) -> str:
        parts = []
        if self.table:
            parts.append(_("table {table}").format(table=self.table))
        if self.row is not None:
            parts.append(_("row {row}").format(row=self.row))
        if self.column:
            parts.append(_("column {column}").format(column=self.column))
        return ", ".join(parts)

    def text(self) -> str:
        where = self.where()
        return f"{where}: {self.message()}" if where else self.message()

    def to_json(self) -> dict[str, Any]:
        return {"table": self.table, "row": self.row, "column": self.column, "message": self.message()}
