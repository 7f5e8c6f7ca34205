"""Siskeudes zip import: built from the documented layout (APBDES.md §3; OpenSID ships no sample zip).

Dry run first, an exact report whose totals equal the file's own, every bad input named by table, row
and column in Indonesian, nothing half-imported, re-import replacing in one transaction."""

from __future__ import annotations

import copy
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from kiosk.actor import Actor
from kiosk.budget import sample
from kiosk.budget.importing import ImportRefused
from kiosk.budget.models import Apbdes, ApbdesLine, RealisasiEntry
from kiosk.models import AuditEntry, OutboxChange
from kiosk.services import Services
from tests.helpers import make_user


def _counts(services: Services) -> tuple[int, int, int, int]:
    with services.store.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(t))  # type: ignore[return-value]
                     for t in (Apbdes, ApbdesLine, RealisasiEntry, OutboxChange))


def _zip(tmp_path: Path, tables: dict[str, Any], name: str = "siskeudes.zip", **kw: Any) -> Path:
    return sample.write_zip(tmp_path / name, tables, **kw)


def test_dry_run_reports_exactly_and_writes_nothing(services: Services, admin: Actor, tmp_path: Path) -> None:
    tables = sample.contoh_tables()
    before = _counts(services)
    report = services.apbdes.import_file(admin, _zip(tmp_path, tables), dry_run=True)
    assert report.ok and not report.imported and _counts(services) == before
    assert report.tahun == 2025 and report.siskeudes_version == "2.0.2.4"
    induk, pak = report.versions
    assert (induk.versi, induk.lines, pak.versi) == (0, 17, 1)
    # the report's totals equal the file's own (Ta_RAB), per kelompok and per bidang
    assert induk.matches_file and pak.matches_file
    assert induk.per_kelompok["4.2"] == sample.total(tables, "Ta_RAB", "Anggaran", "4.2")
    assert induk.per_kelompok["5.3"] == Decimal("500000000")
    assert induk.per_bidang == {"01": Decimal("520000000"), "02": Decimal("560000000"), "03": Decimal("60000000"),
                                "04": Decimal("195000000"), "05": Decimal("135000000")}
    assert induk.totals.silpa == 0
    spent = sample.total(tables, "Ta_SPPRinci", "Nilai")
    assert report.realization.belanja == spent and report.entries == 40
    text = report.text()
    assert "Uji coba" in text and "Jumlah sama dengan jumlah dalam berkas" in text


def test_import_then_reimport_replaces_in_one_transaction(services: Services, admin: Actor, tmp_path: Path) -> None:
    tables = sample.contoh_tables()
    report = services.apbdes.import_file(admin, _zip(tmp_path, tables))
    assert report.imported
    view = services.apbdes.view(admin, 2025)
    assert view.apbdes.versi == 1 and view.apbdes.perdes_no == "2 Tahun 2025"
    assert view.realization.belanja == sample.total(tables, "Ta_SPPRinci", "Nilai")
    induk = services.apbdes.find(admin, 2025, 0)
    assert induk.perdes_no == "3 Tahun 2024" and induk.perdes_date is not None
    assert induk.perdes_date.isoformat() == "2024-12-20"
    line = next(ln for ln in services.apbdes.lines(admin, induk.id) if ln.kode_kegiatan == "02.03.15")
    assert line.lokasi == "Dusun Krajan RT 01"
    with services.store.read() as s:
        n_out = s.scalar(select(func.count()).select_from(OutboxChange).where(OutboxChange.entity == "apbdes_realisasi"))
        assert n_out == 40
    # the same file again changes nothing
    again = services.apbdes.import_file(admin, _zip(tmp_path, tables))
    assert [v.action for v in again.versions] == ["unchanged", "unchanged"] and again.entries_added == 0
    # a corrected file: one budget line and one payment changed, one payment gone
    t2 = copy.deepcopy(tables)
    for r in t2["Ta_RABRinci"] + t2["Ta_RAB"]:
        if r["Kd_Rincian"] == "5.2.1.01." and r["Kd_Keg"].endswith("01.01.04."):
            r["Anggaran"] = r["AnggaranStlhPAK"] = "20000000.00"
        if r["Kd_Rincian"] == "4.1.2.01.":
            r["Anggaran"] = r["AnggaranStlhPAK"] = "20000000.00"
    t2["Ta_SPPRinci"][0]["Nilai"] = "1.00"
    dropped = t2["Ta_SPPRinci"].pop(1)
    third = services.apbdes.import_file(admin, _zip(tmp_path, t2, "fix.zip"))
    assert [v.action for v in third.versions] == ["replace", "replace"]
    assert third.entries_added == 2
    view = services.apbdes.view(admin, 2025)
    assert view.budget.pendapatan == Decimal("1350000000")
    assert view.realization.belanja == sample.total(t2, "Ta_SPPRinci", "Nilai")
    with services.store.read() as s:
        # append-only: the originals are still there, the corrections point at them
        corr = s.scalars(select(RealisasiEntry).where(RealisasiEntry.jenis == "KOREKSI")).all()
        assert len(corr) == 2 and all(c.corrects_id for c in corr)
        assert any(c.jumlah == -Decimal(dropped["Nilai"]) for c in corr)
        assert s.scalar(select(func.count()).select_from(ApbdesLine)) == 34
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.action.like("apbdes.import%"))).all()
        assert "apbdes.import_replace" in actions
        # every ledger entry has its own audit entry, and the chain still verifies
        audited = set(s.scalars(select(AuditEntry.entity_id).where(AuditEntry.entity == "apbdes_realisasi")))
        assert set(s.scalars(select(RealisasiEntry.id))) <= audited
        from kiosk.changes import verify_audit_chain

        assert verify_audit_chain(s).ok


def test_a_set_version_is_not_replaced_by_different_lines(services: Services, admin: Actor, tmp_path: Path) -> None:
    tables = sample.contoh_tables(perubahan=False)
    services.apbdes.import_file(admin, _zip(tmp_path, tables))
    a = services.apbdes.find(admin, 2025, 0)
    for status in ("disepakati_bpd", "dievaluasi", "ditetapkan"):
        services.apbdes.transition(admin, a.id, status)
    t2 = copy.deepcopy(tables)
    t2["Ta_RABRinci"][0]["Anggaran"] = t2["Ta_RAB"][0]["Anggaran"] = "26000000.00"
    t2["Ta_RABRinci"][0]["AnggaranStlhPAK"] = t2["Ta_RAB"][0]["AnggaranStlhPAK"] = "26000000.00"
    before = _counts(services)
    with pytest.raises(ImportRefused) as e:
        services.apbdes.import_file(admin, _zip(tmp_path, t2, "b.zip"))
    assert "Ditetapkan" in e.value.user_message() and "APBDes Perubahan" in e.value.user_message()
    assert _counts(services) == before


def _refused(services: Services, admin: Actor, path: Path) -> list[dict[str, Any]]:
    before = _counts(services)
    with pytest.raises(ImportRefused) as e:
        services.apbdes.import_file(admin, path)
    assert _counts(services) == before, "nothing may be half-imported"
    dry = services.apbdes.import_file(admin, path, dry_run=True)
    assert not dry.ok
    return [n.to_json() for n in e.value.report.rejects]


def test_not_siskeudes_and_missing_required_tables(services: Services, admin: Actor, tmp_path: Path) -> None:
    p = tmp_path / "foto.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("foto.csv", "a,b\n1,2\n")
    rejects = _refused(services, admin, p)
    assert "Ref_Version.csv" in rejects[0]["message"] and "Ta_RAB.csv" in rejects[0]["message"]
    assert "tidak berisi data Siskeudes" in rejects[0]["message"]
    not_zip = tmp_path / "x.zip"
    not_zip.write_text("hello", encoding="utf-8")
    assert "bukan berkas zip" in _refused(services, admin, not_zip)[0]["message"]


def test_half_written_zip(services: Services, admin: Actor, tmp_path: Path) -> None:
    good = _zip(tmp_path, sample.contoh_tables(entries=400))
    data = good.read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: len(data) * 2 // 3])
    rejects = _refused(services, admin, cut)
    assert "rusak" in rejects[0]["message"] or "terpotong" in rejects[0]["message"]
    # a CSV cut off in the middle of a row inside an intact zip
    tables = sample.contoh_tables()
    body = sample.csv_bytes(sample.COLUMNS["Ta_RABRinci"], tables["Ta_RABRinci"])
    broken = body[: body.rfind(b"\r\n", 0, len(body) - 2) + 30]
    p = _zip(tmp_path, {k: v for k, v in tables.items() if k != "Ta_RABRinci"}, "broken.zip",
             raw={"Ta_RABRinci.csv": broken})
    rejects = _refused(services, admin, p)
    assert any(r["table"] == "Ta_RABRinci" and r["row"] == 17 and "terpotong" in r["message"] for r in rejects)


def test_another_villages_kd_desa_and_a_zip_of_two_villages(services: Services, admin: Actor, tmp_path: Path) -> None:
    rejects = _refused(services, admin, _zip(tmp_path, sample.contoh_tables(kd_desa="07.2004.")))
    assert rejects[0]["table"] == "Ta_RAB" and "07.2004." in rejects[0]["message"] and "desa lain" in rejects[0]["message"]
    both = sample.contoh_tables(other_village="07.2004.")
    report = services.apbdes.import_file(admin, _zip(tmp_path, both, "two.zip"))
    assert report.imported and report.versions[0].lines == 17  # only our village's rows
    assert report.realization.belanja * 2 == sample.total(both, "Ta_SPPRinci", "Nilai")


def test_renamed_columns_are_recognised_and_missing_ones_named(services: Services, admin: Actor,
                                                                tmp_path: Path) -> None:
    tables = sample.contoh_tables()
    renamed = {"Ta_RABRinci": [c.replace("AnggaranStlhPAK", "Anggaran_Setelah_PAK").replace("HrgSatuan", "Harga_Satuan")
                               for c in sample.COLUMNS["Ta_RABRinci"]]}
    for r in tables["Ta_RABRinci"]:
        r["Anggaran_Setelah_PAK"] = r.pop("AnggaranStlhPAK")
        r["Harga_Satuan"] = r.pop("HrgSatuan")
    report = services.apbdes.import_file(admin, _zip(tmp_path, tables, columns=renamed), dry_run=True)
    assert report.ok and len(report.versions) == 2
    tables = sample.contoh_tables()
    cols = {"Ta_RAB": [c for c in sample.COLUMNS["Ta_RAB"] if c != "Kd_Rincian"]}
    rejects = _refused(services, admin, _zip(tmp_path, tables, "r.zip", columns=cols))
    assert rejects[0]["table"] == "Ta_RAB" and rejects[0]["column"] == "Kd_Rincian"


def test_indonesian_amounts_negative_and_absurd(services: Services, admin: Actor, tmp_path: Path) -> None:
    tables = sample.contoh_tables(perubahan=False)
    for t in ("Ta_RABRinci", "Ta_RAB"):
        tables[t][1]["Anggaran"] = "900.000.000,00"
        tables[t][1]["AnggaranStlhPAK"] = "Rp 900.000.000"
    report = services.apbdes.import_file(admin, _zip(tmp_path, tables), dry_run=True)
    assert report.ok and report.versions[0].totals.pendapatan == Decimal("1355000000")
    bad = sample.contoh_tables(perubahan=False)
    bad["Ta_RABRinci"][2]["Anggaran"] = "-30000000.00"
    bad["Ta_RABRinci"][5]["Anggaran"] = "9000000000000000"
    rejects = _refused(services, admin, _zip(tmp_path, bad, "bad.zip"))
    where = {(r["table"], r["row"], r["column"]) for r in rejects}
    assert ("Ta_RABRinci", 3, "Anggaran") in where and ("Ta_RABRinci", 6, "Anggaran") in where
    msgs = " ".join(r["message"] for r in rejects)
    assert "negatif" in msgs and "masuk akal" in msgs
    assert "Ta_RAB)" not in msgs  # a rejected row does not also show up as a totals mismatch


def test_unknown_accounts_and_kegiatan_under_the_wrong_bidang(services: Services, admin: Actor,
                                                              tmp_path: Path) -> None:
    tables = sample.contoh_tables(perubahan=False)
    tables["Ta_RABRinci"][0]["Kd_Rincian"] = "4.8.8.01."
    keg = next(k for k in tables["Ta_Kegiatan"] if k["ID_Keg"] == "04.02.03.")
    keg["Kd_Bid"] = "01.2001.02"
    rejects = _refused(services, admin, _zip(tmp_path, tables))
    acc = next(r for r in rejects if r["column"] == "Kd_Rincian")
    assert acc["table"] == "Ta_RABRinci" and acc["row"] == 1 and "4.8.8.01" in acc["message"]
    wrong = next(r for r in rejects if r["column"] == "Kd_Bid")
    assert wrong["table"] == "Ta_Kegiatan" and "04.02.03" in wrong["message"] and "bidang 02" in wrong["message"]


def test_lines_that_do_not_add_up_to_the_files_totals(services: Services, admin: Actor, tmp_path: Path) -> None:
    tables = sample.contoh_tables(perubahan=False)
    tables["Ta_RAB"][1]["Anggaran"] = tables["Ta_RAB"][1]["AnggaranStlhPAK"] = "899000000.00"
    rejects = _refused(services, admin, _zip(tmp_path, tables))
    assert any("4.2" in r["message"] and "Ta_RAB" in r["message"] for r in rejects)


def test_realization_beyond_budget_is_a_warning(services: Services, admin: Actor, tmp_path: Path) -> None:
    tables = sample.contoh_tables(perubahan=False)
    row = next(r for r in tables["Ta_SPPRinci"] if r["Kd_Rincian"] == "5.4.1.01.")
    row["Nilai"] = "200000000.00"
    report = services.apbdes.import_file(admin, _zip(tmp_path, tables))
    assert report.imported
    assert any("5.4.1.01" in w.message() and "melebihi" in w.message() for w in report.warnings)


def test_dates_outside_the_year_and_operator_permission(services: Services, admin: Actor, tmp_path: Path) -> None:
    tables = sample.contoh_tables(perubahan=False)
    tables["Ta_SPP"][0]["Tgl_SPP"] = "01/05/2024"
    rejects = _refused(services, admin, _zip(tmp_path, tables))
    assert any(r["column"] == "Ta_SPP.Tgl_SPP" and "di luar tahun anggaran" in r["message"] for r in rejects)
    op = make_user(services, "ops", "operator")
    ok = services.apbdes.import_file(op, _zip(tmp_path, sample.contoh_tables(), "ok.zip"), dry_run=True)
    assert ok.ok
    from kiosk.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.apbdes.import_file(Actor.kiosk("r"), _zip(tmp_path, sample.contoh_tables(), "k.zip"))


def test_payee_names_and_bank_accounts_are_never_stored(services: Services, admin: Actor, tmp_path: Path) -> None:
    services.apbdes.import_file(admin, _zip(tmp_path, sample.contoh_tables()))
    raw = services.store.paths.database.read_bytes()
    assert b"CV Maju Jaya" not in raw and b"0123456789" not in raw


def test_the_fast_entry_payload_is_the_canonical_json() -> None:
    import datetime as dt

    from kiosk.budget.importing import realisasi_json
    from kiosk.budget.models import RealisasiEntry
    from kiosk.budget.service import realisasi_payload
    from kiosk.canonical import canonical_json

    for keg, corrects, village, sumber in ((None, None, "35.10.01.2001", "DDS"), ("05.03.01", "x-1", None, 'A"é')):
        e = RealisasiEntry(tahun=2025, tanggal=dt.date(2025, 3, 1), kode_rekening="5.4.1.01", kode_kegiatan=keg,
                           sumber_dana=sumber, jumlah=Decimal("-1250.50"), jenis="KOREKSI", corrects_id=corrects)
        body = realisasi_payload(e) | ({"village": village} if village else {})
        assert realisasi_json(2025, e.tanggal, e.kode_rekening, keg, sumber, Decimal("-1250.50"), "KOREKSI",
                              corrects, village) == canonical_json(body).decode("utf-8")
