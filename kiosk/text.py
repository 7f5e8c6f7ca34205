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


# Abbreviations that stay in capitals when a code list's CAPITALISED name is shown (issue 18).
_ACRONYMS = frozenset({
    "WNI", "WNA", "SD", "SLTP", "SLTA", "TK", "SLB", "TNI", "POLRI", "PNS", "RI", "BUMN", "BUMD", "YME",
    "KTP", "EL", "KIA", "KB", "IUD", "BPJS", "RS", "RB", "HIV", "AIDS", "TBC", "DPR", "DPRD", "DPD", "BPD",
    "I", "II", "III", "IV", "V", "A", "B", "C", "D", "S", "AB", "O", "KK", "RT", "RW", "PT", "CV", "ABRI",
})
_SMALL = frozenset({"dan", "atau", "di", "ke", "dari", "yang", "untuk"})
_TOKEN = re.compile(r"[A-Za-z]+|[^A-Za-z]+")


def display_name(name: str) -> str:
    """A code list's name as staff read it: "LAKI-LAKI" → "Laki-laki", "SLTP/SEDERAJAT" →
    "SLTP/Sederajat", "TENTARA NASIONAL INDONESIA (TNI)" → "Tentara Nasional Indonesia (TNI)".
    Names already written in mixed case are kept as they are."""
    if not name or name != name.upper():
        return name
    out: list[str] = []
    previous = ""
    first = True
    for token in _TOKEN.findall(name):
        if not token[0].isalpha():
            out.append(token)
            previous = token
            continue
        if token in _ACRONYMS:
            out.append(token)
        elif previous.endswith("-") and out and out[-2:-1] and out[-2][:1].isalpha() and out[-2] not in _ACRONYMS:
            out.append(token.lower())  # reduplication: Laki-laki, Paru-paru
        elif not first and token.lower() in _SMALL:
            out.append(token.lower())
        else:
            out.append(token[0] + token[1:].lower())
        first = False
        previous = token
    return "".join(out)
