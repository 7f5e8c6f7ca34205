"""Sample data for previews: a realistic resident, office and letter, and filler values for any type.

Settings uses these for the live preview while an admin edits a duplicated type; tests use them too.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from forms.model import FieldDef, LetterType


def sample_resident() -> dict[str, Any]:
    """A resident of the demo village (made-up numbers that pass the NIK format)."""
    return {
        "nama": "SITI AMINAH", "nik": "3510014507900003", "no_kk": "3510010101150007",
        "tempat_lahir": "Banyuwangi", "tanggal_lahir": date(1990, 7, 5), "jenis_kelamin": "PEREMPUAN",
        "agama": "ISLAM", "status_perkawinan": "KAWIN", "hubungan_keluarga": "ISTRI",
        "pekerjaan": "WIRASWASTA", "pendidikan": "SLTA / SEDERAJAT", "kewarganegaraan": "WNI",
        "golongan_darah": "O", "alamat": "Jl. Kopi Lanang No. 12", "rt": "002", "rw": "001",
        "dusun": "Krajan", "nama_ayah": "H. MA'RUF", "nama_ibu": "SUNARSIH", "telepon": "081234567890",
    }


def sample_office() -> dict[str, Any]:
    """The demo village office."""
    return {
        "desa": "Kemiren", "kecamatan": "Glagah", "kabupaten": "Kabupaten Banyuwangi",
        "provinsi": "Jawa Timur", "kode_desa": "35.10.01.2001",
        "alamat_kantor": "Jl. Barong No. 1, Kemiren, Glagah, Banyuwangi 68432",
        "kepala_desa": "MOH. ARIFIN", "jabatan_kepala": "Kepala Desa", "sebutan_desa": "Desa",
    }


def sample_letter(letter_type: LetterType, today: date) -> dict[str, Any]:
    """Number and dates of a sample letter of this type issued today."""
    return {"nomor": f"{letter_type.classification}/012/35.10.01.2001/{today.year}", "tanggal": today,
            "valid_until": letter_type.valid_until(today)}


def _sample(fd: FieldDef, today: date) -> Any:
    if fd.default is not None and fd.kind not in ("date", "time", "number"):
        return fd.default
    if fd.kind == "date":
        return date(today.year - 1, 3, 14)
    if fd.kind == "time":
        return time(8, 30)
    if fd.kind == "number":
        return int(fd.min) if fd.min is not None and fd.min > 0 else 1
    if fd.kind == "choice":
        return fd.choices[0][0] if fd.choices else None
    if fd.kind == "resident":
        return sample_resident()
    if fd.kind == "people":
        n = max(int(fd.min or 0), 2)
        if fd.max is not None:
            n = min(n, int(fd.max))
        return [{c.name: _sample(c, today) for c in fd.columns} for _ in range(n)]
    if fd.pattern:
        for candidate in _PATTERN_SAMPLES:
            if re.fullmatch(fd.pattern, candidate):
                return candidate
    return f"Contoh {fd.label.lower()}"


# values tried, in order, for a text field with a pattern (NIK, NOP PBB, phone, postcode)
_PATTERN_SAMPLES = ("3510010101900001", "35.10.01.2002", "35.10.010.001.001-0001.0", "081234567890", "68432")


def sample_values(letter_type: LetterType, today: date) -> dict[str, Any]:
    """Cleaned-looking values for every field of a type (for a preview, not for a real letter)."""
    return {fd.name: _sample(fd, today) for fd in letter_type.fields}
