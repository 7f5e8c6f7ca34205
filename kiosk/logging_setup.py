"""Logging to a rotating file in the log directory, with a last-line guard that masks NIK-like numbers."""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

_SIXTEEN_DIGITS = re.compile(r"(?<!\d)(\d{4})\d{8}(\d{4})(?!\d)")


class RedactingFilter(logging.Filter):
    """Masks any 16-digit number (NIK, No. KK) that slipped into a message. Code must not log them;
    this is the second line of defence."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _SIXTEEN_DIGITS.sub(r"\1********\2", message)
        if redacted != message:
            record.msg = redacted
            record.args = ()
        return True


def setup_logging(log_dir: Path, *, level: int = logging.INFO, redact: bool = True) -> Path:
    """Send the program's log to ``log_dir/smart-kampung.log`` (5 files of 1 MB).

    ``redact=False`` is for the test that proves the code itself never logs a NIK."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "smart-kampung.log"
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_smart_kampung", False):
            root.removeHandler(h)
            h.close()
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if redact:
        handler.addFilter(RedactingFilter())
    handler._smart_kampung = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    return path
