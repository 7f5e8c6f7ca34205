"""The office logo as letters print it: a PNG or JPEG checked and scaled to a sensible size (Pillow,
which reportlab already needs). SVG is refused: rendering it would need a library we do not ship."""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

MAX_LOGO_BYTES = 5 * 1024 * 1024
MAX_LOGO_PIXELS = 600  # ~25 mm at 600 dpi: sharp in the kop, small in the database and the backups
MIN_LOGO_PIXELS = 48


class LogoError(ValueError):
    """A logo file that cannot be used; ``reason`` is one of too_big, svg, unreadable, format, too_small."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def prepare_logo(data: bytes) -> bytes:
    """The logo to store: PNG or JPEG, at most MAX_LOGO_PIXELS on its longer side (scaled down and
    written as PNG when larger; kept byte for byte when it is already a small PNG)."""
    if len(data) > MAX_LOGO_BYTES:
        raise LogoError("too_big")
    head = data[:1024].lstrip()
    if head.startswith(b"<?xml") or b"<svg" in head.lower():
        raise LogoError("svg")
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError):
        raise LogoError("unreadable") from None
    if image.format not in ("PNG", "JPEG"):
        raise LogoError("format")
    if max(image.size) < MIN_LOGO_PIXELS:
        raise LogoError("too_small")
    if image.format == "PNG" and max(image.size) <= MAX_LOGO_PIXELS:
        return data
    image.thumbnail((MAX_LOGO_PIXELS, MAX_LOGO_PIXELS), Image.Resampling.LANCZOS)
    scaled: Image.Image = image if image.mode in ("RGB", "RGBA", "L", "LA") else image.convert("RGBA")
    out = io.BytesIO()
    scaled.save(out, format="PNG", optimize=True)
    return out.getvalue()
