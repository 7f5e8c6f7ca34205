"""Text folding for search: lower case, no accents, apostrophes dropped, other punctuation as spaces
(``H. Ma'ruf`` → ``h maruf``, so typing "maruf" or "ma'ruf" finds him)."""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = re.compile(r"['’`ʼ‘]")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold_name(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", _APOSTROPHES.sub("", text))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return _NON_WORD.sub(" ", stripped).strip()
