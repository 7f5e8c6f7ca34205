"""Siskeudes-layout sample files built from the documented columns (APBDES.md §3): for tests, the
benchmark and the demo village. ``contoh_tables`` is "Desa Contoh" TA 2025 of APBDES.md, balanced, with
optional padding to thousands of lines and realization entries."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

COLUMNS: dict[str, list[str]] = {
    "Ref_Version": ["Versi"],
    "Ref_Bidang": ["Kd_Bid", "Nama_Bidang"],
    "Ref_Rek4": ["Jenis", "Obyek", "Nama_Obyek", "Peraturan"],
    "Ta_Desa": ["Tahun", "Kd_Desa", "Nm_Kades", "Jbt_Kades", "Nm_Sekdes", "NIP_Sekdes", "Jbt_Sekdes", "Nm_Kaur_Keu",
                "Jbt_Kaur_Keu", "Nm_Bendahara", "Jbt_Bendahara", "No_Perdes", "Tgl_Perdes", "No_Perdes_PB",
                "Tgl_Perdes_PB", "No_Perdes_PJ", "Tgl_Perdes_PJ", "Alamat", "Ibukota", "Status", "NPWP"],
    "Ta_Bidang": ["Tahun", "Kd_Desa", "Kd_Bid", "Nama_Bidang"],
    "Ta_Kegiatan": ["Tahun", "Kd_Desa", "Kd_Bid", "Kd_Keg", "ID_Keg", "Nama_Kegiatan", "Pagu", "Pagu_PAK", "Nm_PPTKD",
                    "NIP_PPTKD", "Jbt_PPTKD", "Lokasi", "Waktu", "Keluaran", "Sumberdana", "Kd_Sub", "Nilai",
                    "NilaiPAK", "Satuan"],
    "Ta_RAB": ["Tahun", "Kd_Desa", "Kd_Keg", "Kd_Rincian", "Anggaran", "AnggaranPAK", "AnggaranStlhPAK",
               "Kd_SubRinci"],
    "Ta_RABRinci": ["Tahun", "Kd_Desa", "Kd_Keg", "Kd_Rincian", "Kd_SubRinci", "No_Urut", "SumberDana", "Uraian",
                    "Satuan", "JmlSatuan", "HrgSatuan", "Anggaran", "JmlSatuanPAK", "HrgSatuanPAK", "AnggaranPAK",
                    "AnggaranStlhPAK", "Kode_SBU"],
    "Ta_TBP": ["Tahun", "No_Bukti", "Tgl_Bukti", "Kd_Desa", "Uraian", "Nm_Penyetor", "Jumlah", "Status", "KdBayar",
               "Ref_Bayar"],
    "Ta_TBPRinci": ["Tahun", "No_Bukti", "Kd_Desa", "Kd_Keg", "Kd_Rincian", "RincianSD", "SumberDana", "nilai",
                    "Kd_SubRinci"],
    "Ta_SPP": ["Tahun", "No_SPP", "Tgl_SPP", "Jn_SPP", "Kd_Desa", "Keterangan", "Jumlah", "Potongan", "Status",
               "Nm_Penerima", "Rek_Bank", "Tgl_Bayar", "Validasi"],
    "Ta_SPPRinci": ["Tahun", "Kd_Desa", "No_SPP", "Kd_Keg", "Kd_Rincian", "Sumberdana", "Nilai", "Kd_SubRinci"],
}

# Desa Contoh TA 2025 (APBDES.md §1): (Kd_Rincian, ID_Keg or None, sumber, induk, setelah PAK, uraian)
CONTOH: list[tuple[str, str | None, str, int, int, str]] = [
    ("4.1.2.01.", None, "PAD", 25_000_000, 25_000_000, "Hasil Pengelolaan Tanah Kas Desa"),
    ("4.2.1.01.", None, "DDS", 900_000_000, 900_000_000, "Dana Desa"),
    ("4.2.2.01.", None, "PBH", 30_000_000, 30_000_000, "Bagi Hasil Pajak Kabupaten"),
    ("4.2.3.01.", None, "ADD", 400_000_000, 400_000_000, "Alokasi Dana Desa"),
    ("5.1.1.01.", "01.01.01.", "ADD", 300_000_000, 300_000_000, "Penghasilan tetap Kepala Desa"),
    ("5.1.2.01.", "01.01.02.", "ADD", 180_000_000, 180_000_000, "Penghasilan tetap Perangkat Desa"),
    ("5.2.1.01.", "01.01.04.", "PAD", 25_000_000, 25_000_000, "ATK kantor desa"),
    ("5.2.5.01.", "01.01.04.", "DDS", 15_000_000, 15_000_000, "Listrik kantor desa"),
    ("5.3.5.01.", "02.03.15.", "DDS", 200_000_000, 190_000_000, "Upah tenaga kerja jalan Dusun Krajan"),
    ("5.3.5.02.", "02.03.15.", "DDS", 300_000_000, 310_000_000, "Bahan jalan rabat beton Dusun Krajan"),
    ("5.2.2.06.", "02.02.02.", "DDS", 60_000_000, 60_000_000, "Insentif kader posyandu"),
    ("5.2.7.01.", "03.02.03.", "ADD", 60_000_000, 60_000_000, "Festival kesenian desa"),
    ("5.2.7.01.", "04.02.03.", "DDS", 180_000_000, 180_000_000, "Lumbung pangan desa"),
    ("5.2.2.04.", "04.03.01.", "PAD", 15_000_000, 15_000_000, "Pelatihan aparatur"),
    ("5.4.1.01.", "05.03.01.", "DDS", 135_000_000, 135_000_000, "BLT Dana Desa 25 KPM x 12 bulan"),
    ("6.1.1.01.", None, "SILPA", 150_000_000, 150_000_000, "SiLPA tahun sebelumnya"),
    ("6.2.2.01.", None, "PAD", 35_000_000, 35_000_000, "Penyertaan modal BUMDes"),
]
LOKASI = {"02.03.15.": "Dusun Krajan RT 01", "04.02.03.": "Balai Desa", "05.03.01.": "Seluruh dusun"}


def _amount(value: int) -> str:
    return f"{value}.00"


def contoh_tables(*, kd_desa: str = "01.2001.", tahun: int = 2025, extra_lines: int = 0, entries: int = 40,
                  perubahan: bool = True, other_village: str | None = None,
                  until: dt.date | None = None) -> dict[str, list[dict[str, str]]]:
    """Tables of a balanced village-year. ``extra_lines`` adds belanja lines (balanced by pendapatan
    lines); ``entries`` realization rows (a third income, the rest spending within budget)."""
    lines: list[list[Any]] = [list(x) for x in CONTOH]
    last_month = until.month if until is not None and until.year == tahun else 12

    def day_of(month: int, day: int) -> int:
        if until is not None and until.year == tahun and month == until.month:
            return min(day, until.day)
        return day
    for i in range(extra_lines):
        amount = 1_000_000 + (i % 50) * 10_000
        lines.append(["5.2.1.99.", "01.01.04.", "ADD", amount, amount, f"Belanja perlengkapan {i + 1}"])
        lines.append(["4.1.4.99.", None, "PAD", amount, amount, f"Lain-lain PADes {i + 1}"])
    if not perubahan:
        for ln in lines:
            ln[4] = ln[3]
    t: dict[str, list[dict[str, str]]] = {k: [] for k in COLUMNS}
    t["Ref_Version"].append({"Versi": "2.0.2.4"})
    villages = [kd_desa] + ([other_village] if other_village else [])
    for kd in villages:
        t["Ta_Desa"].append({c: "" for c in COLUMNS["Ta_Desa"]} | {
            "Tahun": str(tahun), "Kd_Desa": kd, "Nm_Kades": "Slamet Riyadi", "No_Perdes": f"3 Tahun {tahun - 1}",
            "Tgl_Perdes": f"12/20/{tahun - 1} 00:00:00", "No_Perdes_PB": f"2 Tahun {tahun}" if perubahan else "",
            "Tgl_Perdes_PB": f"08/15/{tahun} 00:00:00" if perubahan else ""})
        kegiatan: dict[str, dict[str, str]] = {}
        rab: dict[tuple[str, str], list[int]] = {}
        for no, (acc, keg, sd, induk, pak, uraian) in enumerate(lines, start=1):
            kd_keg = kd + (keg or "00.00.00.")
            if keg and keg not in kegiatan:
                kegiatan[keg] = {c: "" for c in COLUMNS["Ta_Kegiatan"]} | {
                    "Tahun": str(tahun), "Kd_Desa": kd, "Kd_Bid": kd + keg[:2], "Kd_Keg": kd_keg, "ID_Keg": keg,
                    "Nama_Kegiatan": "", "Lokasi": LOKASI.get(keg, "Desa"), "Keluaran": "1 paket",
                    "Sumberdana": sd}
            t["Ta_RABRinci"].append({c: "" for c in COLUMNS["Ta_RABRinci"]} | {
                "Tahun": str(tahun), "Kd_Desa": kd, "Kd_Keg": kd_keg, "Kd_Rincian": acc, "Kd_SubRinci": "1",
                "No_Urut": str(no), "SumberDana": sd, "Uraian": uraian, "Satuan": "paket", "JmlSatuan": "1",
                "HrgSatuan": _amount(induk), "Anggaran": _amount(induk), "AnggaranPAK": _amount(pak - induk),
                "AnggaranStlhPAK": _amount(pak)})
            key = (kd_keg, acc)
            sums = rab.setdefault(key, [0, 0])
            sums[0] += induk
            sums[1] += pak
        for (kd_keg, acc), (induk, pak) in rab.items():
            t["Ta_RAB"].append({"Tahun": str(tahun), "Kd_Desa": kd, "Kd_Keg": kd_keg, "Kd_Rincian": acc,
                                "Anggaran": _amount(induk), "AnggaranPAK": _amount(pak - induk),
                                "AnggaranStlhPAK": _amount(pak), "Kd_SubRinci": "1"})
        t["Ta_Kegiatan"] += list(kegiatan.values())
        # realization: income received, spending paid (LS), well within each line's budget
        income = [ln for ln in lines if ln[0].startswith("4")]
        spend = [ln for ln in lines if ln[0].startswith("5")]
        n_income = max(1, entries // 3) if entries else 0
        for i in range(n_income):
            acc, _keg, sd, induk, _pak, _u = income[i % len(income)]
            number = f"{i + 1:05d}/TBP/{kd[:-1]}/{tahun}"
            value = max(1, induk // (4 * (n_income // len(income) + 1)))
            month = 1 + i % last_month
            t["Ta_TBP"].append({c: "" for c in COLUMNS["Ta_TBP"]} | {
                "Tahun": str(tahun), "No_Bukti": number, "Tgl_Bukti": f"{month:02d}/{day_of(month, 15):02d}/{tahun} 00:00:00", "Kd_Desa": kd,
                "Uraian": "Penerimaan", "Nm_Penyetor": "Bendahara", "Jumlah": _amount(value)})
            t["Ta_TBPRinci"].append({"Tahun": str(tahun), "No_Bukti": number, "Kd_Desa": kd, "Kd_Keg": kd + "00.00.00.",
                                     "Kd_Rincian": acc, "RincianSD": sd, "SumberDana": sd, "nilai": _amount(value),
                                     "Kd_SubRinci": "1"})
        n_spend = max(0, entries - n_income)
        for i in range(n_spend):
            acc, keg, sd, _induk, pak, _u = spend[i % len(spend)]
            number = f"{i + 1:05d}/SPP/{kd[:-1]}/{tahun}"
            value = max(1, pak // (2 * (n_spend // len(spend) + 1)))
            month = 1 + i % last_month
            t["Ta_SPP"].append({c: "" for c in COLUMNS["Ta_SPP"]} | {
                "Tahun": str(tahun), "No_SPP": number, "Tgl_SPP": f"{month:02d}/{day_of(month, 1 + i % 28):02d}/{tahun}", "Jn_SPP": "LS",
                "Kd_Desa": kd, "Keterangan": "Pembayaran", "Jumlah": _amount(value), "Nm_Penerima": "CV Maju Jaya",
                "Rek_Bank": "0123456789"})
            t["Ta_SPPRinci"].append({"Tahun": str(tahun), "Kd_Desa": kd, "No_SPP": number, "Kd_Keg": kd + str(keg),
                                     "Kd_Rincian": acc, "Sumberdana": sd, "Nilai": _amount(value), "Kd_SubRinci": "1"})
    return t


def csv_bytes(columns: list[str], rows: list[dict[str, str]], *, delimiter: str = ",") -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([r.get(c, "") for c in columns])
    return buf.getvalue().encode("utf-8")


def write_zip(path: Path | str, tables: dict[str, list[dict[str, str]]], *,
              columns: dict[str, list[str]] | None = None, raw: dict[str, bytes] | None = None) -> Path:
    """Write the tables as a Siskeudes zip (one ``<Table>.csv`` each). ``raw`` adds members as given."""
    cols = {**COLUMNS, **(columns or {})}
    path = Path(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, rows in tables.items():
            if rows or name in ("Ref_Version", "Ta_RAB"):
                zf.writestr(f"{name}.csv", csv_bytes(cols.get(name) or list(rows[0]), rows))
        for name, data in (raw or {}).items():
            zf.writestr(name, data)
    return path


def total(tables: dict[str, list[dict[str, str]]], table: str, column: str, prefix: str = "") -> Decimal:
    """A column's sum in the sample (for tests that compare the import with the file)."""
    return sum((Decimal(r[column]) for r in tables[table]
                if not prefix or r.get("Kd_Rincian", "").startswith(prefix)), Decimal(0))


__all__ = ["Any", "contoh_tables", "write_zip"]
