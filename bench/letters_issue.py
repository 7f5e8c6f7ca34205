"""Issue benchmark: one letter from number to signed PDF on disk through ``LetterService.issue`` (clock
check, number, snapshots, content hash, Ed25519 token, PDF render, archive with fsync, letter and number
rows, audit and outbox, commit with ``synchronous=FULL``), beside rendering the same letter alone and a
bare reportlab page in the same run. Budget (DESIGN.md): under 50 ms.

    python -m bench letters_issue [RUNS]
"""

from __future__ import annotations

import datetime as dt
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select

BUDGET_MS = 50.0


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.9) - 1] * 1000


def main(argv: list[str] | None = None) -> int:
    import forms
    from kiosk.db import Store
    from kiosk.models import Letter, Resident
    from kiosk.services import Services
    from kiosk.services.demo import DEMO_PASSWORD, create_demo_village
    from printing.letter import render_letter

    runs = int(argv[0]) if argv else 60
    root = Path(tempfile.mkdtemp(prefix="bench-issue-")) / "data"
    services = Services(Store.open(root))
    create_demo_village(services, residents=2000)
    actor = services.users.authenticate("kades", DEMO_PASSWORD)
    letters = services.letters
    with services.store.read() as s:
        residents = list(s.execute(select(Resident.id).limit(runs + 1)).scalars())
    values = forms.sample_values(letters.letter_type("domisili"), dt.date.today())
    letters.issue_direct(actor, resident_id=residents[-1], letter_type="domisili", values=values)  # warm
    requests = [letters.create_request(actor, resident_id=residents[i], letter_type="domisili", values=values).id
                for i in range(runs)]

    issue_t: list[float] = []
    for rid in requests:
        start = time.perf_counter()
        letters.issue(actor, rid)
        issue_t.append(time.perf_counter() - start)

    with services.store.read() as s:
        doc = s.execute(select(Letter.document).limit(1)).scalar_one()
    render_t: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        render_letter(doc)
        render_t.append(time.perf_counter() - start)

    bare_t: list[float] = []
    for i in range(runs):
        start = time.perf_counter()
        buf = io.BytesIO()
        c = Canvas(buf)
        c.setFont("Helvetica", 12)
        c.drawString(72, 720, "Surat Keterangan Domisili")
        c.showPage()
        c.save()
        (root / f"bare-{i}.pdf").write_bytes(buf.getvalue())
        bare_t.append(time.perf_counter() - start)
    services.store.close()

    print(f"letters_issue: {runs} letters, WAL + synchronous=FULL, archive fsync")
    rows = [("LetterService.issue: number to signed PDF on disk", issue_t),
            ("render the same letter only (printing)", render_t), ("bare reportlab page to disk", bare_t)]
    for what, samples in rows:
        med, p90 = _ms(samples)
        print(f"  {what:52} median {med:6.1f} ms   p90 {p90:6.1f} ms")
    median = _ms(issue_t)[0]
    ok = median < BUDGET_MS
    print(f"budget {BUDGET_MS:.0f} ms: {'OK' if ok else 'OVER'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
