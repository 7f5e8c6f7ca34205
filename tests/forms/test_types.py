"""Every shipped letter type loads, and renders to the agreed plain-data shape with nothing left unfilled."""

from __future__ import annotations

import json
from datetime import date, time

import pytest

from forms import (
    load_catalog,
    render_letter,
    sample_letter,
    sample_office,
    sample_resident,
    sample_values,
    validate_values,
)

TODAY = date(2026, 11, 27)
CATALOG = load_catalog([])
EXPECTED = {
    "domisili", "sktm", "usaha", "domisili_usaha", "skck", "kelahiran", "kematian", "lahir_mati", "pindah",
    "belum_menikah", "nikah", "penghasilan_ortu", "beda_identitas", "ahli_waris", "keramaian",
    "kehilangan", "tanah", "bepergian", "ktp_proses", "biodata", "pengantar",
}


def _strings(content: object) -> list[str]:
    if isinstance(content, str):
        return [content]
    if isinstance(content, dict):
        return [s for v in content.values() for s in _strings(v)]
    if isinstance(content, list):
        return [s for v in content for s in _strings(v)]
    raise AssertionError(f"not plain data: {content!r}")


def _check_shape(content: dict[str, object]) -> None:
    assert set(content) == {"title", "opening", "identity", "blocks", "closing"}
    assert isinstance(content["identity"], list)
    for row in content["identity"]:
        assert isinstance(row, list) and len(row) == 2
    assert isinstance(content["blocks"], list)
    for block in content["blocks"]:
        assert isinstance(block, dict)
        if block["kind"] == "paragraph":
            assert set(block) == {"kind", "text"}
        elif block["kind"] == "fields":
            assert set(block) == {"kind", "rows"} and all(len(r) == 2 for r in block["rows"])
        else:
            assert block["kind"] == "table" and set(block) == {"kind", "columns", "rows"}
            assert all(len(r) == len(block["columns"]) for r in block["rows"])
    json.dumps(content)  # JSON-able


def test_all_shipped_types_load() -> None:
    assert CATALOG.broken == []
    assert set(CATALOG.types) >= EXPECTED
    assert len(CATALOG) >= 21
    for lt in CATALOG:
        assert lt.builtin and lt.source_path is not None
        assert lt.title == lt.title.upper()
        assert lt.requirements


@pytest.mark.parametrize("code", sorted(CATALOG.types))
def test_shipped_type_renders_completely(code: str) -> None:
    lt = CATALOG.types[code]
    values = sample_values(lt, TODAY)
    cleaned, errors = validate_values(lt, values, TODAY)
    assert errors == {}
    content = render_letter(lt, sample_resident(), sample_office(), cleaned, sample_letter(lt, TODAY))
    _check_shape(content)
    for s in _strings(content):
        assert "{" not in s and "}" not in s, s
    assert content["blocks"], code
    if lt.identity == "standard":
        assert [r[0] for r in content["identity"]] == [
            "Nama", "NIK", "No. KK", "Tempat/Tgl. Lahir", "Jenis Kelamin", "Agama", "Status Perkawinan",
            "Pekerjaan", "Kewarganegaraan", "Alamat"]


def test_domisili_wording() -> None:
    lt = CATALOG.types["domisili"]
    assert lt.kiosk and not lt.needs_approval and lt.validity == "6M" and lt.classification == "470"
    cleaned, errors = validate_values(lt, {"sejak": "01-02-2015", "keperluan": "melamar pekerjaan"}, TODAY)
    assert errors == {}
    content = render_letter(lt, sample_resident(), sample_office(), cleaned, sample_letter(lt, TODAY))
    assert content["opening"] == (
        "Yang bertanda tangan di bawah ini, Kepala Desa Kemiren, Kecamatan Glagah, Kabupaten Banyuwangi, "
        "menerangkan dengan sebenarnya bahwa:")
    assert content["closing"] == "Demikian surat keterangan ini dibuat untuk dipergunakan sebagaimana mestinya."
    texts = [b["text"] for b in content["blocks"]]
    assert "sejak 1 Februari 2015" in texts[0]
    assert texts[1] == "Surat keterangan ini diberikan untuk keperluan melamar pekerjaan."
    assert texts[2].endswith("26 Mei 2027.")
    identity = dict(content["identity"])
    assert identity["Tempat/Tgl. Lahir"] == "Banyuwangi, 5 Juli 1990"
    assert identity["Alamat"] == "Jl. Kopi Lanang No. 12, RT 002/RW 001, Dusun Krajan, Desa Kemiren"


def test_kelurahan_uses_lurah() -> None:
    lt = CATALOG.types["domisili"]
    office = sample_office() | {"sebutan_desa": "Kelurahan", "jabatan_kepala": "", "desa": "Penganjuran"}
    content = render_letter(lt, sample_resident(), office, {}, {})
    assert content["opening"].startswith("Yang bertanda tangan di bawah ini, Lurah Penganjuran, ")
    assert "-" in content["blocks"][1]["text"]  # missing values print as "-"


def test_kelahiran_realistic() -> None:
    lt = CATALOG.types["kelahiran"]
    assert not lt.kiosk and lt.needs_approval and lt.classification == "474.1"
    values = {
        "nama_anak": "Muhammad Rizky Pratama", "jenis_kelamin_anak": "laki-laki", "tanggal_lahir_anak": "20/11/2026",
        "jam_lahir": "08.30", "tempat_lahir_anak": "Banyuwangi", "tempat_dilahirkan": "RS/RB",
        "anak_ke": "2", "penolong_kelahiran": "bidan/perawat", "berat_bayi": "3.200", "panjang_bayi": "49",
        "nama_ayah": "Ahmad Fauzi", "nik_ayah": "3510011203880001", "nama_ibu": "Siti Aminah",
        "saksi": [
            {"nama": "Slamet", "nik": "3510010505700002", "umur": "56", "alamat": "Dusun Krajan"},
            {"nama": "Ni Luh Putu Ayu", "nik": "3510014808850004", "umur": "41", "alamat": "Dusun Sukosari"},
            {"nama": "", "nik": "", "umur": "", "alamat": ""},
        ],
    }
    cleaned, errors = validate_values(lt, values, TODAY)
    assert errors == {}
    assert cleaned["jenis_kelamin_anak"] == "1" and cleaned["jam_lahir"] == time(8, 30)
    assert cleaned["berat_bayi"] == 3200 and cleaned["jenis_kelahiran"] == "1"  # default
    assert cleaned["keperluan"] == "pengurusan akta kelahiran"
    content = render_letter(lt, sample_resident(), sample_office(), cleaned, sample_letter(lt, TODAY))
    anak = dict(content["blocks"][1]["rows"])
    assert anak["Nama"] == "MUHAMMAD RIZKY PRATAMA"
    assert anak["Hari/Tanggal Lahir"] == "Jumat, 20 November 2026"  # the day name, from Babel
    assert anak["Pukul"] == "08.30 WIB"  # sample office in Jawa Timur (35)
    assert anak["Jenis Kelamin"] == "LAKI-LAKI"
    assert anak["Berat / Panjang Bayi"] == "3.200 gram / 49 cm"
    assert dict(content["blocks"][3]["rows"])["NIK Ibu"] == "-"
    saksi = content["blocks"][5]
    assert saksi["columns"] == ["No.", "Nama", "NIK", "Umur", "Alamat"]
    assert saksi["rows"][1] == ["2", "Ni Luh Putu Ayu", "3510014808850004", "41", "Dusun Sukosari"]


def test_ahli_waris_table_and_kematian_resident_field() -> None:
    lt = CATALOG.types["ahli_waris"]
    values = {
        "nama_pewaris": "H. Ma'ruf", "alamat_pewaris": "Dusun Krajan RT 002 RW 001",
        "tempat_meninggal": "Banyuwangi", "tanggal_meninggal": "2026-10-02", "keperluan": "pencairan tabungan",
        "ahli_waris": [{"nama": "Sunarsih", "hubungan": "Istri"}, {"nama": "Siti Aminah", "hubungan": "anak"}],
    }
    cleaned, errors = validate_values(lt, values, TODAY)
    assert errors == {}
    content = render_letter(lt, sample_resident(), sample_office(), cleaned, sample_letter(lt, TODAY))
    table = next(b for b in content["blocks"] if b["kind"] == "table")
    assert table["columns"] == ["No.", "Nama", "NIK", "Tanggal Lahir", "Hubungan dengan Pewaris"]
    assert table["rows"] == [["1", "Sunarsih", "-", "-", "Istri"], ["2", "Siti Aminah", "-", "-", "Anak Kandung"]]
    assert "almarhum/almarhumah H. MA'RUF, NIK -," in content["blocks"][0]["text"]
    assert "pada tanggal 2 Oktober 2026." in content["blocks"][0]["text"]

    kematian = CATALOG.types["kematian"]
    pelapor = sample_resident() | {"nama": "Budi", "nik": "3510010101800009"}
    cleaned, errors = validate_values(
        kematian, {"tanggal_kematian": "26-11-2026", "tempat_kematian": "di rumah", "sebab_kematian": "1",
                   "penerang": "dokter", "pelapor": "3510010101800009", "hubungan_pelapor": "Anak"},
        TODAY, resident_lookup=lambda nik: pelapor if nik == pelapor["nik"] else None)
    assert errors == {}
    content = render_letter(kematian, sample_resident(), sample_office(), cleaned, sample_letter(kematian, TODAY))
    rows = dict(content["blocks"][3]["rows"])
    assert rows["Nama"] == "BUDI" and rows["NIK"] == "3510010101800009"
    assert rows["Alamat"].startswith("Jl. Kopi Lanang")
