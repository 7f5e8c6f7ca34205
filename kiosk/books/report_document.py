"""The monthly population report as a printable book document (``printing.books.render_book``).

Official wording (Indonesian) is fixed here, as on the paper forms; the figures come from
``kiosk.books.monthly``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.dates import format_date

from kiosk.books.monthly import GROUPS, SEXES

ROW_LABELS = (
    ("start", "Penduduk awal bulan ini"),
    ("births", "Kelahiran bulan ini"),
    ("deaths", "Kematian bulan ini"),
    ("moved_in", "Pendatang bulan ini"),
    ("moved_out", "Pindah/pergi bulan ini"),
    ("end", "Penduduk akhir bulan ini"),
)
MONTHLY_COLUMNS: list[Any] = [
    "NO",
    "PERINCIAN",
    ["WNI", ["L", "P"]],
    ["WNA", ["L", "P"]],
    ["JUMLAH", ["L", "P", "L+P"]],
    "KK",
]
MONTHLY_SHARES = [0.05, 0.31, 0.08, 0.08, 0.08, 0.08, 0.08, 0.08, 0.08, 0.08]


def month_title(month: str) -> str:
    year, mon = (int(x) for x in month.split("-"))
    return format_date(dt.date(year, mon, 1), "MMMM y", locale="id")


def kop_of(office: dict[str, Any], logo_path: str | None) -> dict[str, Any]:
    return {"lines": list(office.get("kop_lines") or []), "address": office.get("kop_address") or "",
            "contact": office.get("kop_contact") or "", "logo_path": logo_path}


def head_signatory(office: dict[str, Any]) -> dict[str, Any]:
    """The kepala desa signs the books (the head's post with the village name)."""
    title = f"{office.get('head_title') or office.get('jabatan_kepala') or 'Kepala Desa'} {office.get('desa', '')}"
    return {"prefix_lines": [], "title": title.strip(), "name": office.get("head_name") or "",
            "nip": office.get("head_nip") or None}


def monthly_rows(figures: dict[str, Any]) -> list[list[str]]:
    block = figures["village"]
    rows = []
    for i, (key, label) in enumerate(ROW_LABELS, start=1):
        cells = [str(i), label]
        for g in GROUPS:
            for s in SEXES:
                cells.append(str(block["persons"][g][s][key]))
        for s in (*SEXES, "all"):
            cells.append(str(block["total"][s][key]))
        fam = block["families"]
        cells.append(str(fam["start"]) if key == "start" else str(fam["end"]) if key == "end" else "")
        rows.append(cells)
    return rows


def monthly_document(figures: dict[str, Any], office: dict[str, Any], *, paper: str, logo_path: str | None,
                     signed_on: dt.date, closed: dict[str, Any] | None) -> dict[str, Any]:
    fam = figures["village"]["families"]
    notes = [
        f"Keluarga (KK): awal bulan {fam['start']}, bertambah {fam['new']}, berkurang {fam['gone']}, "
        f"akhir bulan {fam['end']}.",
        "Dihitung dari peristiwa kependudukan (lahir, mati, pindah datang, pindah keluar) yang tercatat; "
        "awal bulan + lahir + datang − mati − pindah = akhir bulan.",
    ]
    if closed:
        notes.append(f"Laporan ditutup {closed['at']} oleh {closed['by']} (revisi {closed['revision']}).")
    else:
        notes.append("SEMENTARA: laporan bulan ini belum ditutup.")
    return {
        "paper": paper,
        "code": "Laporan Bulanan",
        "title": "Laporan Bulanan Perkembangan Penduduk",
        "subtitle": f"{office.get('sebutan_desa') or 'Desa'} {office.get('desa', '')}, Kecamatan "
                    f"{office.get('kecamatan', '')} — Bulan {month_title(figures['month'])}",
        "kop": kop_of(office, logo_path),
        "columns": MONTHLY_COLUMNS,
        "shares": MONTHLY_SHARES,
        "align": "CL" + "C" * 8,
        "rows": monthly_rows(figures),
        "bold_rows": [0, 5],
        "notes": notes,
        "place": office.get("desa", ""),
        "date": signed_on.isoformat(),
        "signatory": head_signatory(office),
    }
