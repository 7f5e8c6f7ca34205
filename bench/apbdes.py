"""`python -m bench apbdes [--lines N] [--entries N]`: the village budget.

- import a Siskeudes zip of one village-year with 2,000 budget lines and 10,000 realization entries
  through the service (dry-run check + write, audit and outbox): budget < 2 s; raw baseline: the same
  rows written with sqlite3 ``executemany`` into the same tables;
- the APBDes tree with totals for the year: < 50 ms (median); raw baseline: the two GROUP BY queries;
- the poster PDF: < 1 s; raw baseline: a bare reportlab A3 page.
"""

from __future__ import annotations

import argparse
import io
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _load() -> str:
    return open("/proc/loadavg", encoding="ascii").read().split()[0] if Path("/proc/loadavg").exists() else "?"


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench apbdes")
    ap.add_argument("--lines", type=int, default=2000)
    ap.add_argument("--entries", type=int, default=10000)
    args = ap.parse_args(argv)
    from kiosk.budget import sample
    from kiosk.db import Store
    from kiosk.services import Services
    from tests.helpers import admin_actor, make_services

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        extra = max(0, (args.lines - len(sample.CONTOH)) // 2)
        tables = sample.contoh_tables(extra_lines=extra, entries=args.entries, perubahan=False)
        z = sample.write_zip(d / "siskeudes.zip", tables)
        n_lines = len(tables["Ta_RABRinci"])
        n_entries = len(tables["Ta_TBPRinci"]) + len(tables["Ta_SPPRinci"])
        services = make_services(d / "data")
        actor = admin_actor(services)
        t0 = time.perf_counter()
        report = services.apbdes.import_file(actor, z)
        t_import = time.perf_counter() - t0
        assert report.imported, report.text()

        # raw baseline: the same number of rows into the same tables, sqlite3 executemany, one commit
        services.store.close()
        raw = sqlite3.connect(d / "data" / "smart-kampung.sqlite3")
        raw.execute("PRAGMA synchronous = FULL")
        t0 = time.perf_counter()
        raw.executemany("INSERT INTO apbdes_line (id, apbdes_id, no, kode_rekening, kode_kegiatan, uraian, satuan, "
                        "sumber_dana, anggaran, lokasi, keluaran, tags) VALUES (?, 'x', ?, '5.2.1.99', '01.01.04', "
                        "'u', '', 'ADD', 100, '', '', '[]')", [(f"raw{i}", i) for i in range(n_lines)])
        raw.executemany("INSERT INTO apbdes_realisasi (id, tahun, tanggal, kode_rekening, kode_kegiatan, sumber_dana, "
                        "jumlah, jenis, bukti_no, uraian, created_at, created_by) VALUES (?, 2099, '2099-01-01', "
                        "'5.2.1.99', '01.01.04', 'ADD', 100, 'SPP', '', '', '2099-01-01', 'b')",
                        [(f"raw{i}",) for i in range(n_entries)])
        raw.commit()
        t_raw_import = time.perf_counter() - t0
        t0 = time.perf_counter()
        for _ in range(20):
            raw.execute("SELECT kode_rekening, kode_kegiatan, sum(anggaran) FROM apbdes_line GROUP BY 1, 2").fetchall()
            raw.execute("SELECT kode_rekening, kode_kegiatan, sum(jumlah) FROM apbdes_realisasi WHERE tahun = 2025 "
                        "GROUP BY 1, 2").fetchall()
        t_raw_tree = (time.perf_counter() - t0) / 20
        raw.close()

        services = Services(Store.open(d / "data"))
        times = []
        for _ in range(15):
            t0 = time.perf_counter()
            view = services.apbdes.view(actor, 2025)
            times.append(time.perf_counter() - t0)
        t_tree = statistics.median(times)
        assert view.budget.silpa == 0

        from reportlab.lib.pagesizes import A3
        from reportlab.pdfgen.canvas import Canvas

        t0 = time.perf_counter()
        c = Canvas(io.BytesIO(), pagesize=A3)
        c.drawString(100, 100, "APBDes")
        c.showPage()
        c.save()
        t_bare = time.perf_counter() - t0
        services.apbdes.poster_pdf(actor, 2025)  # fonts registered once per process, as in the app
        ptimes = []
        for _ in range(5):
            t0 = time.perf_counter()
            services.apbdes.poster_pdf(actor, 2025)
            ptimes.append(time.perf_counter() - t0)
        t_poster = statistics.median(ptimes)
        services.store.close()

    print(f"load average {_load()}")
    print(f"import {n_lines} lines + {n_entries} realization entries: {t_import:.2f} s (budget 2 s); "
          f"raw executemany of the same rows: {t_raw_import:.3f} s")
    print(f"APBDes tree with totals: {t_tree * 1000:.1f} ms median (budget 50 ms); "
          f"raw GROUP BY queries: {t_raw_tree * 1000:.1f} ms")
    print(f"poster PDF (A3): {t_poster * 1000:.0f} ms median (budget 1000 ms); bare reportlab page: "
          f"{t_bare * 1000:.1f} ms")
    ok = t_import < 2 and t_tree < 0.05 and t_poster < 1
    return 0 if ok else 1
