"""Import benchmark (``python -m bench import [N]``).

A workbook of N (50,000) residents in OpenSID's "Data Penduduk" format, written with the importer's own
writer, imported through ``ResidentService.import_residents`` (read, checks, families, residents,
audit, one outbox row per record) beside the raw floor in the same run: a bare python-calamine parse
of the same file plus one ``sqlite3.executemany`` of its cells into a bare table (WAL,
``synchronous=FULL``). Then the same file again (nothing may change), the same residents as a
12-sheet workbook (one sheet per dusun, OpenSID's "Kode Data" sheet too) into a fresh office, and the
export. Budgets: under 10 s (DESIGN.md) and within 2x of the raw floor (issue 14), for both workbooks.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from kiosk.importer import write_workbook, write_workbook_sheets
from kiosk.services import Services
from kiosk.services.demo import generate_village
from kiosk.services.residents_import import ImportReport, resident_to_values

SHEETS = 12


def raw_floor(path: Path, root: Path, name: str) -> tuple[float, int]:
    """(seconds, rows): python-calamine parses every sheet, one executemany writes the cells."""
    import python_calamine

    t = time.perf_counter()
    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    rows: list[list[Any]] = []
    for sheet_name in workbook.sheet_names:
        cells = workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
        if len(cells) > 1 and len(cells[0]) == 43:
            rows.extend(r for r in cells[1:] if len(r) == 43 and r[1] != "###")
    workbook.close()
    db_path = root / f"raw-{name}.sqlite3"
    raw = sqlite3.connect(db_path, isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=FULL")
    raw.execute(f"CREATE TABLE r ({', '.join(f'c{i}' for i in range(43))})")
    raw.execute("BEGIN")
    raw.executemany(f"INSERT INTO r VALUES ({', '.join('?' for _ in range(43))})",
                    ([v.isoformat() if isinstance(v, dt.date) else v for v in r] for r in rows))
    raw.execute("COMMIT")
    raw.close()
    return time.perf_counter() - t, len(rows)


def reader_floor(path: Path, root: Path) -> float:
    """The previous floor: the importer's own reader (every check) + the same executemany."""
    from kiosk.importer import read_residents

    t = time.perf_counter()
    rows = [list(r.values.values()) for r in read_residents(path)]
    raw = sqlite3.connect(root / "raw-reader.sqlite3", isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=FULL")
    raw.execute(f"CREATE TABLE r ({', '.join(f'c{i}' for i in range(len(rows[0])))})")
    raw.execute("BEGIN")
    raw.executemany(f"INSERT INTO r VALUES ({', '.join('?' for _ in rows[0])})",
                    ([v.isoformat() if isinstance(v, dt.date) else v for v in r] for r in rows))
    raw.execute("COMMIT")
    raw.close()
    return time.perf_counter() - t


def import_once(root: Path, path: Path, label: str) -> tuple[float, ImportReport, Services]:
    from tests.helpers import make_services

    services: Services = make_services(root / f"data-{label}")
    actor = services.users.authenticate("admin", "rahasia-admin-1")
    t = time.perf_counter()
    report = services.residents.import_residents(actor, path)
    return time.perf_counter() - t, report, services


def main(argv: list[str] | None = None) -> int:
    n = int(argv[0]) if argv else 50_000
    root = Path(tempfile.mkdtemp(prefix="sk-bench-import-"))
    _families, people = generate_village(n, 2016, today=dt.date(2025, 1, 1))
    values = [resident_to_values(p) for p in people]
    path = root / "penduduk.xlsx"
    t = time.perf_counter()
    write_workbook(path, values, end_marker=True)
    print(f"import: workbook of {n} rows, 43 columns written in {time.perf_counter() - t:.1f} s "
          f"({path.stat().st_size / 1e6:.1f} MB); load {os.getloadavg()[0]:.2f}")
    by_kk: dict[str, list[dict[str, Any]]] = {}
    for v in values:  # whole families stay together on one sheet, as a village's per-dusun workbook has them
        by_kk.setdefault(v["kk_number"] or v["nik"] or str(id(v)), []).append(v)
    sheets: dict[str, list[dict[str, Any]]] = {f"Dusun {i + 1}": [] for i in range(SHEETS - 1)}
    for i, family in enumerate(by_kk.values()):
        sheets[f"Dusun {i % (SHEETS - 1) + 1}"].extend(family)
    multi = root / "per-dusun.xlsx"
    write_workbook_sheets(multi, {**sheets, "Kode Data": []})
    print(f"  {len(sheets) + 1}-sheet workbook ({len(sheets)} of residents, whole families, + Kode Data) written "
          f"({multi.stat().st_size / 1e6:.1f} MB)")

    ok = True
    for label, file in (("one sheet", path), (f"{len(sheets) + 1} sheets", multi)):
        service_s, report, services = import_once(root, file, label.replace(" ", "-"))
        floor_s, floor_rows = raw_floor(file, root, label.replace(" ", "-"))
        ratio = service_s / floor_s
        good = (report.created == n and report.rejected == 0 and floor_rows == n and service_s < 10 and ratio <= 2)
        ok = ok and good
        print(f"  [{label}] through the service: {service_s:6.2f} s  created {report.created}, rejected "
              f"{report.rejected}, families {report.families_created}, sheets read {len(report.sheets)}, "
              f"skipped {len(report.skipped_sheets)} (reading and checking {report.seconds_reading:.2f} s, "
              f"writing {report.seconds_writing:.2f} s)")
        print(f"  [{label}] raw floor (calamine parse + executemany of {floor_rows} rows): {floor_s:6.2f} s"
              f"  -> ratio {ratio:.2f} ({'OK' if good else 'OVER'}); load {os.getloadavg()[0]:.2f}")
        if label == "one sheet":
            previous = reader_floor(file, root)
            print(f"  [{label}] previous floor (the importer's reader + executemany): {previous:6.2f} s  -> ratio "
                  f"{service_s / previous:.2f}")
            actor = services.users.authenticate("admin", "rahasia-admin-1")
            t = time.perf_counter()
            again = services.residents.import_residents(actor, path)
            print(f"  same file again:     {time.perf_counter() - t:6.2f} s  created {again.created}, updated "
                  f"{again.updated}, unchanged {again.unchanged}")
            ok = ok and again.created == 0 and again.updated == 0
            t = time.perf_counter()
            exported = services.residents.export_residents(actor, root / "export.xlsx")
            print(f"  export through the service: {time.perf_counter() - t:6.2f} s  {exported} residents")
        services.store.close()
    print(f"budget 10 s and 2x the raw floor: {'OK' if ok else 'OVER'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
