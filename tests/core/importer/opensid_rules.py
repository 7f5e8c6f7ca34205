"""OpenSID's own import rules, ported from its public importer to check that our export re-imports there.

Source: github.com/OpenSID/OpenSID at 4b3d56778f23b0e1230c1e667db554f012bbcdc6 (v2410),
``donjo-app/models/Impor_model.php``: ``$daftar_kolom``, the extra spellings of the constructor,
``get_kode``/``get_konversi_kode``, ``get_isi_baris``, ``data_import_valid``, the new-resident check of
``tulis_tweb_penduduk`` and ``impor_excel``'s header check; ``cekNama`` from ``helpers/opensid_helper.php``.
The code lists are OpenSID's seed tables, which ``resources/reference`` copies.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import openpyxl

from kiosk.refdata import code_list

DAFTAR_KOLOM = [
    "alamat", "dusun", "rw", "rt", "nama", "no_kk", "nik", "sex", "tempatlahir", "tanggallahir", "agama_id",
    "pendidikan_kk_id", "pendidikan_sedang_id", "pekerjaan_id", "status_kawin", "kk_level", "warganegara_id",
    "ayah_nik", "nama_ayah", "ibu_nik", "nama_ibu", "golongan_darah_id", "akta_lahir", "dokumen_pasport",
    "tanggal_akhir_paspor", "dokumen_kitas", "akta_perkawinan", "tanggalperkawinan", "akta_perceraian",
    "tanggalperceraian", "cacat_id", "cara_kb_id", "hamil", "ktp_el", "status_rekam", "alamat_sekarang",
    "status_dasar", "suku", "tag_id_card", "id_asuransi", "no_asuransi", "lat", "lng",
]  # fmt: skip
TAMBAHAN = {  # the constructor's extra spellings
    "sex": {"L": 1, "LK": 1, "P": 2, "Pr": 2},
    "pendidikan_kk_id": {"Tidak/Blm Sekolah": 1, "Tidak Tamat SD/Sederajat": 2,
                         "Akademi/Diploma III/Sarjana Muda": 7, "Strata-II": 9},
    "status_kawin": {"BK": 1, "K": 2, "CH": 3, "CM": 4},
    "status_dasar": {"PINDAH DALAM NEGERI": 3, "PINDAH LUAR NEGERI": 3},
    "golongan_darah_id": {"Tdk Th": 13},
}
TABLES = {"sex": "jenis_kelamin", "agama_id": "agama", "pendidikan_kk_id": "pendidikan_kk",
          "pendidikan_sedang_id": "pendidikan_sedang", "pekerjaan_id": "pekerjaan", "status_kawin": "status_perkawinan",
          "kk_level": "hubungan_keluarga", "warganegara_id": "warganegara", "golongan_darah_id": "golongan_darah",
          "cacat_id": "cacat", "cara_kb_id": "cara_kb", "hamil": "hamil", "ktp_el": "ktp_el",
          "status_rekam": "status_rekam_ktp", "status_dasar": "status_dasar"}
RANGES = {"sex": (1, 2), "agama_id": (1, 7), "pendidikan_kk_id": (1, 10), "pendidikan_sedang_id": (1, 18),
          "pekerjaan_id": (1, 89), "status_kawin": (1, 4), "kk_level": (1, 11), "warganegara_id": (1, 3),
          "golongan_darah_id": (1, 13), "cacat_id": (1, 7), "hamil": (1, 2), "ktp_el": (1, 2), "status_rekam": (1, 8)}


def _php_str(value: Any) -> str:
    """A cell as PHP's string conversion gives it (spout returns numbers and DateTime objects)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _kode(header: str, value: Any) -> Any:
    """get_konversi_kode: digits pass as they are; names (case- and space-insensitive) to the code."""
    text = _php_str(value).strip()
    if text.isdigit():
        return int(text)
    codes = {name.replace(" ", "").lower(): code for code, name in code_list(TABLES[header]).items()}
    codes.update({k.replace(" ", "").lower(): v for k, v in TAMBAHAN.get(header, {}).items()})
    key = re.sub(r"\s*/\s*", "/", text.replace(" ", "").lower())
    if key and key != "-" and key not in codes:
        return key  # "kode salah": data_import_valid then refuses it
    return codes.get(key)


def _cek_nama(name: str) -> bool:
    """True when the name has a character OpenSID refuses."""
    return re.search(r"[^a-zA-Z '.,\-]", name) is not None


def check_row(row: dict[str, Any]) -> str:
    """OpenSID's reason for refusing one row ('' when it imports it as a new resident)."""
    isi: dict[str, Any] = {}
    dusun = _php_str(row.get("dusun")).strip().lstrip("'").replace("_", " ").upper().replace("DUSUN ", "")
    isi["dusun"] = dusun
    isi["rw"] = _php_str(row.get("rw")).strip().lstrip("'")
    isi["rt"] = _php_str(row.get("rt")).strip().lstrip("'")
    isi["nama"] = re.sub(r"[^a-zA-Z0-9,.']", " ", _php_str(row.get("nama")).strip())
    isi["no_kk"] = re.sub(r"[^0-9]", "", _php_str(row.get("no_kk")).strip())
    isi["nik"] = re.sub(r"[^0-9]", "", _php_str(row.get("nik")).strip())
    for header in TABLES:
        if header in row:
            isi[header] = _kode(header, row.get(header))
    for header in ("ayah_nik", "ibu_nik", "nama_ayah", "nama_ibu", "tag_id_card", "lat", "lng"):
        text = _php_str(row.get(header)).strip()
        isi[header] = None if text in ("", "-") else text
    if isi["nik"] == "":
        return "NIK tidak boleh kosong"
    for header, (low, high) in RANGES.items():
        value = isi.get(header)
        if value not in (None, "") and not (isinstance(value, int) and low <= value <= high):
            return f"kode {header} {value} tidak dikenal"
    kb = isi.get("cara_kb_id")
    if kb not in (None, "") and not (isinstance(kb, int) and (1 <= kb <= 8 or kb == 99)):
        return f"kode cara_kb {kb} tidak dikenal"
    if isi.get("status_dasar") not in (None, "") and isi["status_dasar"] not in (1, 2, 3, 4, 6, 9):
        return f"kode status_dasar {isi['status_dasar']} tidak dikenal"
    if isi.get("tag_id_card") and not 10 <= len(isi["tag_id_card"]) <= 17:
        return "Panjang karakter tag id card minimal 10 karakter dan maksimal 17 karakter"
    for header in ("lat", "lng"):
        if isi.get(header) and not 2 <= len(isi[header]) <= 24:
            return f"Panjang karakter {header} minimal 2 karakter dan maksimal 24 karakter"
    if not isi["nik"].isdigit() or (len(isi["nik"]) != 16 and isi["nik"] != "0"):
        return "NIK salah"
    if not isi["no_kk"].isdigit() or len(isi["no_kk"]) != 16:
        return "Nomor KK salah"
    if isi["nama"] and _cek_nama(isi["nama"]):
        return "Nama hanya boleh berisi karakter alpha, spasi, titik, koma, tanda petik dan strip"
    for header, label in (("ayah_nik", "ayah"), ("ibu_nik", "ibu")):
        value = isi[header]
        if value and (not value.isdigit() or (len(value) != 16 and value != "0")):
            return f"NIK {label} salah"
    for header in ("nama_ayah", "nama_ibu"):
        if isi[header] and _cek_nama(isi[header]):
            return f"{header} hanya boleh berisi karakter alpha, spasi, titik, koma, tanda petik dan strip"
    # tulis_tweb_penduduk, new resident
    if not isi["nama"] or not isi["no_kk"] or isi.get("kk_level") in (None, "") or not isi["dusun"] \
            or isi["rt"] == "" or isi["rw"] == "":
        return "nama, nomor kk, shdk, dusun, rt, rw harus diisi untuk penduduk baru"
    return ""


def opensid_import(path: Path) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
    """(rows OpenSID accepts, (row number, reason) of those it refuses); raises for a header it refuses.

    Like ``impor_excel``: every sheet but "Kode Data", the first row holds the headers, column B
    ``###`` ends the data.
    """
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    accepted: list[dict[str, Any]] = []
    refused: list[tuple[int, str]] = []
    for ws in wb.worksheets:
        if ws.title == "Kode Data":
            continue
        rows = ws.iter_rows(values_only=True)
        headers = [h for h in next(rows)]
        for h in headers:
            if h not in DAFTAR_KOLOM:
                raise ValueError(f"Data penduduk gagal diimpor, nama kolom {h} tidak sesuai.")
        for number, cells in enumerate(rows, start=2):
            if len(cells) > 1 and cells[1] == "###":
                break
            row = dict(zip(headers, cells, strict=False))
            reason = check_row(row)
            if reason:
                refused.append((number, reason))
            else:
                accepted.append(row)
    wb.close()
    return accepted, refused
