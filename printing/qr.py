"""QR codes drawn as vector rectangles on a reportlab canvas; segno only computes the module matrix.

reportlab's own QR widget costs 30-160 ms a code. segno with automatic mask selection costs ~13-20 ms
for a ~170-character payload (version 9-11), almost all of it in scoring the eight masks; with a fixed
mask it takes ~2.5 ms. Any of the eight masks gives a valid code that phones and zxing/zbar read; the
scoring only avoids rare unlucky patterns, so we fix one mask.
"""

from __future__ import annotations

from functools import lru_cache

import segno
from reportlab.lib.colors import black
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

# Mask 2 (vertical stripes every third column) is one of the cheap-to-scan masks; any mask is valid.
FIXED_MASK = 2
QUIET_ZONE = 4  # modules of white border the QR standard asks for


@lru_cache(maxsize=256)
def qr_matrix(text: str) -> tuple[tuple[bool, ...], ...]:
    """The module matrix (True = dark) of `text` at error level M, without the quiet zone."""
    code = segno.make(text, error="m", micro=False, mask=FIXED_MASK)
    return tuple(tuple(bool(v) for v in row) for row in code.matrix)


def qr_runs(matrix: tuple[tuple[bool, ...], ...]) -> list[tuple[int, int, int]]:
    """Horizontal runs of dark modules as (row, first column, length)."""
    runs: list[tuple[int, int, int]] = []
    for r, row in enumerate(matrix):
        start = -1
        for c, dark in enumerate(row):
            if dark and start < 0:
                start = c
            elif not dark and start >= 0:
                runs.append((r, start, c - start))
                start = -1
        if start >= 0:
            runs.append((r, start, len(row) - start))
    return runs


def draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float, quiet_zone: bool = True) -> None:
    """Draw the QR of `text` with its lower-left corner at (x, y), `size` points wide and high.

    With `quiet_zone` the size includes the 4-module white border (left unpainted)."""
    matrix = qr_matrix(text)
    n = len(matrix)
    border = QUIET_ZONE if quiet_zone else 0
    module = size / (n + 2 * border)
    # Draw in module units (origin at the top-left module, y downwards) so each run is written with
    # small integers: reportlab's float formatting of ~1000 rectangles would cost ~20 ms.
    ops = " ".join(f"{c} {r} {length} 1 re" for r, c, length in qr_runs(matrix))
    canvas.saveState()
    canvas.setFillColor(black)
    canvas.transform(module, 0, 0, -module, x + border * module, y + size - border * module)
    canvas.addLiteral(ops + " f")
    canvas.restoreState()


def qr_size_for(text: str, module: float, max_size: float) -> float:
    """The symbol size (without quiet zone) giving `module`-sized modules, at most `max_size`."""
    return min(len(qr_matrix(text)) * module, max_size)


class QRFlowable(Flowable):
    """A QR code as a platypus flowable: the symbol is `size` points square and the flowable adds the
    4-module quiet zone around it."""

    def __init__(self, text: str, size: float) -> None:
        super().__init__()
        self.text = text
        self.size = size
        self.border = size * QUIET_ZONE / len(qr_matrix(text))
        self.width = self.height = size + 2 * self.border

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        draw_qr(self.canv, self.text, self.border, self.border, self.size, quiet_zone=False)
