"""Sample letter documents (the shape `forms` produces) for previews, tests and benchmarks."""

from __future__ import annotations

import copy
from typing import Any

_BASE: dict[str, Any] = {
    "paper": "F4",
    "margins_mm": {"top": 20, "right": 20, "bottom": 20, "left": 25},
    "kop": {
        "lines": ["PEMERINTAH KABUPATEN BANYUWANGI", "KECAMATAN PESANGGARAN", "DESA SARONGAN"],
        "address": "Jl. Raya Sarongan No. 1, Pesanggaran, Banyuwangi 68488",
        "contact": "Telp. 0333-123456 · desa.sarongan@example.id",
        "logo_path": None,
    },
    "title": "Surat Keterangan Domisili",
    "number": "474.1/012/35.10.01.2001/2026",
    "opening": (
        "Yang bertanda tangan di bawah ini, Kepala Desa Sarongan, Kecamatan Pesanggaran, "
        "Kabupaten Banyuwangi, menerangkan dengan sebenarnya bahwa:"
    ),
    "identity": [
        ["Nama", "SITI AMINAH"],
        ["NIK", "3510014107900001"],
        ["No. KK", "3510010101900002"],
        ["Tempat/Tgl. Lahir", "Banyuwangi, 01 Juli 1990"],
        ["Jenis Kelamin", "Perempuan"],
        ["Agama", "Islam"],
        ["Status Perkawinan", "Kawin"],
        ["Pekerjaan", "Wiraswasta"],
        ["Kewarganegaraan", "WNI"],
        ["Alamat", "Dusun Krajan RT 002 / RW 001, Desa Sarongan, Kecamatan Pesanggaran"],
    ],
    "blocks": [
        {
            "kind": "paragraph",
            "text": (
                "Berdasarkan surat pengantar Ketua RT 002 / RW 001 Nomor 12/RT.002/XI/2026, orang tersebut "
                "di atas benar-benar penduduk Desa Sarongan dan berdomisili di alamat tersebut sejak tahun "
                "2015 sampai dengan sekarang."
            ),
        },
        {"kind": "paragraph", "text": "Surat keterangan ini diberikan untuk keperluan pendaftaran sekolah anak."},
    ],
    "closing": "Demikian surat keterangan ini dibuat untuk dipergunakan sebagaimana mestinya.",
    "place": "Sarongan",
    "date": "2026-11-27",
    "signatory": {
        "prefix_lines": ["a.n. KEPALA DESA SARONGAN"],
        "title": "Sekretaris Desa",
        "name": "Budi Santoso",
        "nip": "19800101 200501 1 001",
    },
    "qr_text": None,
    "qr_caption": "Pindai untuk memeriksa keaslian surat ini",
    "void": False,
}


def sample_letter(**overrides: Any) -> dict[str, Any]:
    """A complete keterangan domisili letter; keyword arguments replace top-level keys."""
    doc = copy.deepcopy(_BASE)
    doc.update(overrides)
    return doc


def sample_heirs_letter(heirs: int = 30, **overrides: Any) -> dict[str, Any]:
    """A surat keterangan ahli waris with `heirs` rows in its table (flows to a second page at 30)."""
    relations = ["Istri", "Anak", "Anak", "Cucu", "Saudara Kandung"]
    rows = [
        [str(i + 1), f"AHLI WARIS NOMOR {i + 1:02d} BIN ALMARHUM", f"35100141079{i:05d}", relations[i % 5]]
        for i in range(heirs)
    ]
    doc = sample_letter(
        title="Surat Keterangan Ahli Waris",
        number="474.3/031/35.10.01.2001/2026",
        blocks=[
            {
                "kind": "paragraph",
                "text": (
                    "Adalah benar telah meninggal dunia pada tanggal 3 Oktober 2026 di Desa Sarongan, dan "
                    "meninggalkan ahli waris yang sah sebagai berikut:"
                ),
            },
            {"kind": "table", "columns": ["No", "Nama", "NIK", "Hubungan"], "rows": rows},
            {
                "kind": "paragraph",
                "text": "Keterangan ini dibuat berdasarkan pernyataan para ahli waris dan saksi-saksi.",
            },
        ],
    )
    doc.update(overrides)
    return doc
