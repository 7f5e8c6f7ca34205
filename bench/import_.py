"""Import benchmark (``python -m bench import``): a 50,000-row OpenSID "Data Penduduk" workbook written
with the importer's own writer, imported through ``ResidentService.import_residents`` (read, checks,
families, residents, audit, one outbox row per record) beside raw ``sqlite3.executemany`` of the same
rows in the same run; then the same file again (nothing may change); then the export of the imported
residents through the service (the same workbook writer). Budget: under 10 s for the import."""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from kiosk.actor import Actor
from kiosk.db import Store
from kiosk.importer import read_residents, write_workbook
from kiosk.services import Services
from kiosk.services.demo import generate_village
from kiosk.services.residents_import import resident_to_values


def main(argv: list[str] | None = None) -> int:
    n = int(argv[0]) if argv else 50_000
    root = Path(tempfile.mkdtemp(prefix="sk-bench-import-"))
    _families, people = generate_village(n, 2016, today=dt.date(2025, 1, 1))
    path = root / "penduduk.xlsx"
    t = time.perf_counter()
    write_workbook(path, (resident_to_values(p) for p in people), end_marker=True)
    print(f"import: workbook of {n} rows, 43 columns written in {time.perf_counter() - t:.1f} s "
          f"({path.stat().st_size / 1e6:.1f} MB)")

    from tests.helpers import make_services

    services: Services = make_services(root / "data")
    actor = services.users.authenticate("admin", "rahasia-admin-1")
    progress: list[tuple[int, int]] = []
    t = time.perf_counter()
    report = services.residents.import_residents(actor, path, progress=lambda d, tot: progress.append((d, tot)))
    service_s = time.perf_counter() - t
    print(f"  through the service: {service_s:6.2f} s  created {report.created}, updated {report.updated}, "
          f"unchanged {report.unchanged}, rejected {report.rejected}, families {report.families_created}, "
          f"{len(progress)} progress calls")
    print(f"    (reading and checking rows {report.seconds_reading:.2f} s, writing {report.seconds_writing:.2f} s)")
    t = time.perf_counter()
    again = services.residents.import_residents(actor, path)
    print(f"  same file again:     {time.perf_counter() - t:6.2f} s  created {again.created}, updated "
          f"{again.updated}, unchanged {again.unchanged}")

    t = time.perf_counter()
    exported = services.residents.export_residents(actor, root / "export.xlsx")
    print(f"  export through the service: {time.perf_counter() - t:6.2f} s  {exported} residents")

    # baseline: read the same file, then one executemany of the same rows into a bare table
    t = time.perf_counter()
    rows = [r.values for r in read_residents(path)]
    read_s = time.perf_counter() - t
    raw = sqlite3.connect(root / "raw.sqlite3", isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=FULL")
    keys = list(rows[0])
    raw.execute(f"CREATE TABLE r ({', '.join(k + ' ' for k in keys)})")
    t = time.perf_counter()
    raw.execute("BEGIN")
    raw.executemany(f"INSERT INTO r VALUES ({', '.join('?' for _ in keys)})",
                    ([v.isoformat() if isinstance(v, dt.date) else v for v in r.values()] for r in rows))
    raw.execute("COMMIT")
    raw_s = time.perf_counter() - t
    raw.close()
    print(f"  raw sqlite3.executemany of the same rows: {raw_s:6.2f} s (+ {read_s:.2f} s reading the workbook "
          f"with the importer = {raw_s + read_s:.2f} s)")
    ok = service_s < 10 and again.created == 0 and again.updated == 0
    print(f"budget 10 s: {'OK' if ok else 'OVER'}")
    services.store.close()
    _ = Actor, Store
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
