"""`python -m bench district_recap [MONTHS]`: the district's recap of closed monthly population reports for
every Banyuwangi village (217), each with MONTHS closed months (default 24, every fifth re-opened and
closed again), through ``monthly_reports.recap`` and the ``/monitoring/rekap`` page (signed session
cookie, FastAPI TestClient), on SQLite, reading the slim projection a push keeps beside each report.
Budget (issue 16): under 300 ms.

Raw baseline in the same run: the bare SQL read of the same records (``SELECT village, data FROM records
WHERE entity = 'monthly_report'``) and their JSON decoding.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

from bench.monitoring import villages

BUDGET_MS = 300.0


def _figures(month: str, start: int, end: int) -> dict:
    zero = dict.fromkeys(("start", "births", "deaths", "moved_in", "moved_out", "end"), 0)
    total = {**zero, "start": start, "end": end}
    block = {"persons": {g: {s: zero for s in "LP"} for g in ("WNI", "WNA")},
             "total": {"L": zero, "P": zero, "all": total},
             "families": {"start": start // 3, "new": 0, "gone": 0, "end": end // 3}, "members": {"start": 0, "end": 0}}
    return {"month": month, "village": block, "dusun": [{"name": f"Dusun {i}", **block} for i in range(5)]}


def main(argv: list[str] | None = None) -> int:
    from sync.district import monitoring
    from sync.district.app import create_app
    from sync.district.db import Database
    from sync.district.monthly_reports import recap
    from sync.district.store import DistrictStore

    months = int(argv[0]) if argv else 24
    folder = Path(tempfile.mkdtemp(prefix="bench-recap-"))
    url = f"sqlite:///{folder / 'district.sqlite3'}"
    db = Database(url)
    db.upgrade()
    store = DistrictStore(db)
    vs = villages()
    for code, name in vs:
        store.add_village(code, name)
    monitoring.add_user(db, "dinas", "rahasia-kabupaten", "Dinas PMD")
    today = dt.date.today()
    rows = []
    n = 0
    for v_i, (code, _name) in enumerate(vs):
        pop = 3000 + v_i * 37
        for m in range(months, 0, -1):
            first = (today.replace(day=1) - dt.timedelta(days=28 * m)).replace(day=1)
            month = f"{first.year:04d}-{first.month:02d}"
            revisions = [1, 2] if m % 5 == 0 else [1]
            for rev in revisions:
                n += 1
                state = "reopened" if rev < revisions[-1] else "closed"
                data = {"id": f"r{n}", "month": month, "revision": rev, "state": state, "village": code,
                        "figures": _figures(month, pop, pop + 3)}
                rows.append((code, "monthly_report", f"r{n}", 1, json.dumps(data), "{}", 0,
                             dt.datetime.now(dt.UTC).isoformat()))
            pop += 3
    db.dispose()
    con = sqlite3.connect(folder / "district.sqlite3")
    con.executemany("INSERT INTO records (village, entity, entity_id, version, data, field_versions, deleted, "
                    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    # the projection rows a push writes beside each record (sync/district/apply.py → monthly_reports.project)
    from sync.district.monthly_reports import projection_row

    proj = [projection_row(r[0], r[2], json.loads(r[4])) for r in rows]
    con.executemany("INSERT INTO monthly_report_projection (village, report_id, month, revision, state, closed_at, "
                    "pop_start, births, deaths, moved_in, moved_out, pop_end, families_end) VALUES (:village, "
                    ":report_id, :month, :revision, :state, :closed_at, :pop_start, :births, :deaths, :moved_in, "
                    ":moved_out, :pop_end, :families_end)", [p for p in proj if p])
    con.commit()

    raw = []
    for _ in range(7):
        t = time.perf_counter()
        got = con.execute("SELECT village, data FROM records WHERE entity = 'monthly_report' AND deleted = 0").fetchall()
        [json.loads(d) for _v, d in got]
        raw.append(time.perf_counter() - t)
    raw_proj = []
    for _ in range(7):
        t = time.perf_counter()
        con.execute("SELECT * FROM monthly_report_projection WHERE state = 'closed'").fetchall()
        raw_proj.append(time.perf_counter() - t)
    raw_sql = []
    for _ in range(7):
        t = time.perf_counter()
        con.execute("SELECT village, json_extract(data, '$.month', '$.revision', '$.state', "
                    "'$.figures.village.total.all.start', '$.figures.village.total.all.end', "
                    "'$.figures.village.families.end') FROM records "
                    "WHERE entity = 'monthly_report' AND deleted = 0").fetchall()
        raw_sql.append(time.perf_counter() - t)
    con.close()

    db = Database(url)
    samples = []
    for _ in range(7):
        t = time.perf_counter()
        out = recap(db, today)
        samples.append(time.perf_counter() - t)
    assert len(out) == len(vs) and all(r.population for r in out)
    db.dispose()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

        app = create_app(url, migrate=False)
        client = TestClient(app)

        client.cookies.set(monitoring.COOKIE, monitoring.session_cookie_for(app.state.db, "dinas"),
                           path="/monitoring")
        page = []
        for _ in range(7):
            t = time.perf_counter()
            r = client.get("/monitoring/rekap")
            page.append(time.perf_counter() - t)
            assert r.status_code == 200 and "Kecamatan" in r.text, r.status_code
    med = statistics.median
    print(f"villages {len(vs)}, monthly report records {len(rows)}")
    print(f"recap()            {med(samples) * 1000:7.1f} ms (median of 7)")
    print(f"/monitoring/rekap  {med(page) * 1000:7.1f} ms (median of 7; budget {BUDGET_MS:.0f} ms)")
    print(f"  raw: bare sqlite3 read of the projection rows {med(raw_proj) * 1000:7.1f} ms; "
          f"the same fields by json_extract from the records {med(raw_sql) * 1000:7.1f} ms; "
          f"SQL read + Python JSON decode of the whole records {med(raw) * 1000:7.1f} ms")
    try:
        with open("/proc/loadavg", encoding="ascii") as f:
            print("load", f.read().strip())
    except OSError:
        pass
    return 0 if med(page) * 1000 < BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
