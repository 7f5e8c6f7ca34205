"""Letters: the register (Buku Agenda Surat Keluar) of every number of a year, its .xlsx/.pdf export, and
looking letters up.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from kiosk import durable, settings
from kiosk.actor import Actor
from kiosk.changes import record_change
from kiosk.errors import NotFound, ValidationError
from kiosk.i18n import N_
from kiosk.models import Letter, LetterNumber
from kiosk.permissions import require
from kiosk.services.letters.catalogue import LetterCatalogue
from kiosk.services.letters.model import (
    LetterInfo,
    RegisterRow,
)
from kiosk.services.letters_document import office_snapshot


class LetterRegister(LetterCatalogue):
    """Finding letters and the yearly register."""

    def get_letter(self, actor: Actor, letter_id: str) -> LetterInfo:
        with self.store.read() as s:
            letter = self._letter(s, letter_id)
            self._check_letter_reader(actor, letter)
            return self._letter_info(s, letter)

    def find_letter(self, actor: Actor, number_or_id: str) -> LetterInfo:
        """A letter by its id or its official number (the newest when a number repeats across years)."""
        require(actor, "letter.issue")
        with self.store.read() as s:
            letter = s.get(Letter, number_or_id)
            if letter is None:
                letter = s.execute(select(Letter).where(Letter.number == number_or_id)
                                   .order_by(Letter.issued_at.desc()).limit(1)).scalar()
            if letter is None:
                raise NotFound()
            return self._letter_info(s, letter)

    def letters_for_resident(self, actor: Actor, resident_id: str) -> list[LetterInfo]:
        if actor.role == "resident":
            self._check_own(actor, resident_id)
        else:
            require(actor, "resident.view")
        with self.store.read() as s:
            rows = s.execute(select(Letter).where(Letter.resident_id == resident_id)
                             .order_by(Letter.issued_at.desc())).scalars()
            return [self._letter_info(s, letter) for letter in rows]

    def register(self, actor: Actor, *, year: int) -> list[RegisterRow]:
        """Every number of the year (used, void, unused) in order, with its letter."""
        require(actor, "letter.issue")
        with self.store.read() as s:
            rows = s.execute(
                select(LetterNumber, Letter)
                .outerjoin(Letter, Letter.id == LetterNumber.letter_id)
                .where(LetterNumber.year == year)
                .order_by(LetterNumber.sequence_key, LetterNumber.number)
            ).all()
            out = []
            for num, letter in rows:
                state = {"used": "issued"}.get(num.state, num.state)
                if letter is not None and letter.voided_at is not None:
                    state = "void"
                lt = self.catalog().get(letter.letter_type) if letter is not None else None
                out.append(RegisterRow(
                    year=num.year, sequence_key=num.sequence_key, sequence_number=num.number,
                    number=letter.number if letter is not None else str(num.number),
                    issued_on=letter.issued_on if letter is not None else None,
                    letter_type=letter.letter_type if letter is not None else "",
                    letter_title=(lt.title.title() if lt else letter.letter_type) if letter is not None else "",
                    resident_name=str((letter.resident_snapshot or {}).get("nama", "")) if letter is not None else "",
                    state=state, letter_id=letter.id if letter is not None else None,
                    print_count=letter.print_count if letter is not None else 0,
                    void_reason=letter.void_reason if letter is not None else None))
            return out

    def export_register(self, actor: Actor, year: int, path: Path) -> Path:
        """The register of a year as .xlsx or .pdf (by the file's suffix)."""
        rows = self.register(actor, year=year)
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".pdf":
            from printing.register import render_register

            with self.store.read() as s:
                office = office_snapshot(self._profile(s))
                paper = settings.get(s, settings.PAPER)
            data = render_register(
                [{"no": r.sequence_number, "number": r.number,
                  "date": r.issued_on.isoformat() if r.issued_on else "", "type": r.letter_title,
                  "resident": r.resident_name, "state": r.state} for r in rows],
                {"lines": office["kop_lines"], "paper": paper}, year)
            durable.write_bytes(path, data)
        elif suffix == ".xlsx":
            self._write_register_xlsx(rows, year, path)
        else:
            raise ValidationError(N_("Export to a .xlsx or .pdf file."), fields={"path": N_("Unknown file type")})
        with self.store.write() as s:
            record_change(s, actor, entity="letter_register", entity_id=str(year), op="export",
                          payload={}, action="letter.register_export",
                          audit_details={"year": year, "rows": len(rows), "format": suffix.lstrip(".")})
        return path

    def _write_register_xlsx(self, rows: list[RegisterRow], year: int, path: Path) -> None:
        import io

        from openpyxl import Workbook
        from openpyxl.styles import Font

        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = f"Surat Keluar {year}"
        ws.append(["No", "Nomor Surat", "Tanggal", "Jenis Surat", "Nama Penduduk", "Keterangan",
                   "Dicetak", "Alasan Batal"])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        labels = {"issued": "Terbit", "void": "BATAL", "unused": "TIDAK TERPAKAI"}
        for r in rows:
            ws.append([r.sequence_number, r.number, r.issued_on, r.letter_title, r.resident_name,
                       labels.get(r.state, r.state), r.print_count, r.void_reason or ""])
        for col, width in zip("ABCDEFGH", (6, 34, 12, 36, 30, 16, 9, 30), strict=True):
            ws.column_dimensions[col].width = width
        buf = io.BytesIO()
        wb.save(buf)
        durable.write_bytes(path, buf.getvalue())

