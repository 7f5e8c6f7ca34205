"""The longest realistic values for every field of a letter type (long names and addresses, ten heirs):
what a layout must survive."""

from __future__ import annotations

import datetime as dt
from typing import Any

import forms
from forms.samples import sample_values

LONG_NAME = "Ni Luh Putu Ayu Kadek Sri Wahyuningsih Purnamasari"
LONG_ADDRESS = ("Jalan Raya Pesanggaran Gang Kenanga III Nomor 117B, Dusun Sumberagung Kulon, "
                "dekat Masjid Baitur Rahman")
_PURPOSE = ("pengurusan administrasi kependudukan dan pencairan bantuan sosial di kantor kecamatan serta "
            "keperluan lain yang berkaitan dengan kantor pelayanan umum daerah kabupaten")
_WORDS = _PURPOSE.split(" ")


def _text(limit: int) -> str:
    out = ""
    for w in _WORDS * 4:
        if len(out) + len(w) + 1 > limit:
            break
        out = f"{out} {w}".strip()
    return out


def long_value(fd: forms.FieldDef, sample: Any) -> Any:
    if fd.kind in ("text", "longtext"):
        if fd.pattern:
            return sample
        limit = int(fd.max) if fd.max is not None else 150
        if "nama" in fd.name:
            return LONG_NAME[:limit]
        if "alamat" in fd.name or "tempat" in fd.name or "tujuan" in fd.name:
            return LONG_ADDRESS[:limit]
        if fd.name == "keperluan" or fd.kind == "longtext":
            return _text(min(limit, 150 if fd.kind == "text" else 400))
        return _text(min(limit, 70))  # a long answer to a short question (a boundary, an item, a reason)
    if fd.kind == "people":
        n = min(10, int(fd.max) if fd.max is not None else 10)
        row = sample[0] if sample else {}
        return [{c.name: long_value(c, row.get(c.name)) for c in fd.columns} for _ in range(n)]
    if fd.kind == "number" and fd.max is not None and "penghasilan" in fd.name:
        return 12_500_000
    return sample


def long_values(lt: forms.LetterType, today: dt.date) -> dict[str, Any]:
    base = sample_values(lt, today)
    return {fd.name: long_value(fd, base.get(fd.name)) for fd in lt.fields}
