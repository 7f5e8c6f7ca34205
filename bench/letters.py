"""Letter PDF benchmark: one signed letter with QR to a file on disk, and 100 letters into one PDF,
each beside bare reportlab pages made in the same run (budgets from DESIGN.md)."""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from reportlab.pdfgen.canvas import Canvas

from kiosk.letter_token import TokenPayload, content_hash, generate_keypair, sign_compact, token_url
from printing.letter import render_letter, render_letters
from printing.samples import sample_letter


def _median_ms(fn: Callable[[int], object], runs: int) -> float:
    times = []
    for i in range(runs):
        start = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _bare_pages(path: Path, pages: int) -> None:
    buf = io.BytesIO()
    c = Canvas(buf)
    for _ in range(pages):
        c.setFont("Helvetica", 12)
        c.drawString(72, 720, "Surat Keterangan Domisili")
        c.showPage()
    c.save()
    path.write_bytes(buf.getvalue())


def main() -> int:
    private_key, _public = generate_keypair()
    out = Path(tempfile.mkdtemp(prefix="bench-letters-"))
    letter = sample_letter()

    def signed_letter(i: int) -> dict[str, object]:
        doc = dict(letter, number=f"474.1/{i % 1000:03d}/35.10.01.2001/2026")
        payload = TokenPayload(
            letter_id=f"019a6b2e-7c1f-7abc-8def-{i:012x}",
            number=str(doc["number"]),
            village_code="35.10.01.2001",
            issued_on=str(doc["date"]),
            content_hash=content_hash(doc),
            device_id="019a6b2e-0000-7abc-8def-0123456789ab",
        )
        doc["qr_text"] = token_url("https://district.example", sign_compact(payload, private_key))
        return doc

    def one(i: int) -> None:
        (out / f"letter-{i}.pdf").write_bytes(render_letter(signed_letter(i)))

    def hundred(i: int) -> None:
        (out / f"batch-{i}.pdf").write_bytes(render_letters([signed_letter(i * 100 + k) for k in range(100)]))

    one(99_999)  # warm: font registration, imports, Babel locale data
    rows = [
        ("one letter with QR, signed, to disk", _median_ms(one, 30), 50.0,
         _median_ms(lambda i: _bare_pages(out / f"bare-{i}.pdf", 1), 30), "bare page"),
        ("100 letters into one PDF", _median_ms(hundred, 5), 2000.0,
         _median_ms(lambda i: _bare_pages(out / f"bare100-{i}.pdf", 100), 5), "100 bare pages"),
    ]
    print(f"{'what':40} {'median':>10} {'budget':>10} {'baseline':>10}  baseline is")
    failed = False
    for what, median, budget, baseline, base_what in rows:
        flag = "" if median < budget else "  OVER BUDGET"
        failed |= median >= budget
        print(f"{what:40} {median:8.1f}ms {budget:8.0f}ms {baseline:8.1f}ms  {base_what}{flag}")
    return 1 if failed else 0
