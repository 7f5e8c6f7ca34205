"""Search-as-you-type benchmark: 100,000 demo residents, names and NIK/KK prefixes typed keystroke by
keystroke through ``ResidentService.search`` (first page of 50), beside the raw SQLite query of the same
plan on a bare ``sqlite3`` connection in the same run. Budget: under 10 ms median a keystroke."""

from __future__ import annotations

import sqlite3
import sys
import time

from bench._residents_common import demo_services, line, stats_ms
from kiosk.services.residents_search import ResidentQuery, build_query

WORDS = ["slamet", "siti rahayu", "abd rahman", "h ma ruf", "wulan", "ni luh putu", "bambang wibowo",
         "juwariyah", "sumiati", "purnomo", "kartini", "zubaidah"]
N_RESIDENTS = 100_000


def keystrokes(text: str) -> list[str]:
    return [text[:i] for i in range(1, len(text) + 1) if text[i - 1] != " "]


def main(argv: list[str] | None = None) -> int:
    n = int(argv[0]) if argv else N_RESIDENTS
    t0 = time.perf_counter()
    services, actor = demo_services(n)
    print(f"search: {n} demo residents ready in {time.perf_counter() - t0:.1f} s")
    with services.store.read() as s:
        from sqlalchemy import select

        from kiosk.models import Resident

        some = s.execute(select(Resident.nik, Resident.kk_number).limit(3)).all()
    typed = [k for w in WORDS for k in keystrokes(w)]
    numbers = [k for nik, kk in some for k in (keystrokes(nik or "")[3:] + keystrokes(kk or "")[6:])]
    filtered = [ResidentQuery(text=k, dusun="Krajan", status=1) for k in keystrokes("sri")] + \
               [ResidentQuery(text=k, sex=2, age_min=17, age_max=40) for k in keystrokes("ayu")]
    cases = {"names": [ResidentQuery(text=k) for k in typed],
             "NIK / No. KK prefixes": [ResidentQuery(text=k) for k in numbers],
             "names + filters (dusun, status, sex, age)": filtered,
             "empty box (whole list, first page)": [ResidentQuery()] * 20}
    raw = sqlite3.connect(services.store.paths.database)
    rs = services.residents
    failures = 0
    all_service: list[float] = []
    for label, queries in cases.items():
        for q in queries[:3]:  # warm
            rs.search(actor, q)
        service_t: list[float] = []
        raw_t: list[float] = []
        empty = 0
        for _ in range(3):
            for q in queries:
                t = time.perf_counter()
                page = rs.search(actor, q)
                service_t.append(time.perf_counter() - t)
                empty += not page.rows
                sql, params, _plan = build_query(q, after=None, limit=50)
                t = time.perf_counter()
                raw.execute(sql, params).fetchall()
                raw_t.append(time.perf_counter() - t)
        all_service += service_t
        print(f"{label} ({len(queries)} keystrokes x3, {empty // 3} with no result):")
        print(line("through ResidentService.search", service_t))
        print(line("raw sqlite3, same SQL", raw_t))
    # the simplest indexed prefix query, for scale
    base = []
    for k in typed:
        t = time.perf_counter()
        raw.execute("SELECT id FROM resident WHERE name_search GLOB ? LIMIT 50", (k + "*",)).fetchall()
        base.append(time.perf_counter() - t)
    print(line("baseline: raw indexed prefix GLOB 'abc*' LIMIT 50", base))
    med, p95 = stats_ms(all_service)
    ok = med < 10
    print(f"overall through the service: median {med:.3f} ms, p95 {p95:.3f} ms — budget 10 ms: "
          f"{'OK' if ok else 'OVER'}")
    raw.close()
    services.store.close()
    return 0 if ok and not failures else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
