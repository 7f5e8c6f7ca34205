"""The APBDes in the core: reference, lines, the checked states, balance, the append-only ledger,
permissions, and audit + outbox in the same transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from kiosk.actor import Actor
from kiosk.budget.models import Apbdes, RealisasiEntry
from kiosk.budget.reference import reference_for
from kiosk.budget.service import BudgetNotBalanced, BudgetStateError, LineInput
from kiosk.errors import PermissionDenied, ValidationError
from kiosk.models import AuditEntry, OutboxChange
from kiosk.services import Services
from tests.helpers import make_user

L = LineInput
CONTOH = [
    L("4.1.2.01", "25.000.000", sumber_dana="PAD"), L("4.2.1.01", "900000000", sumber_dana="DDS"),
    L("4.2.2.01", "30000000", sumber_dana="PBH"), L("4.2.3.01", "400000000", sumber_dana="ADD"),
    L("5.1.1.01", "520000000", kode_kegiatan="01.01.01", sumber_dana="ADD"),
    L("5.3.5.02", "560000000", kode_kegiatan="02.03.15", sumber_dana="DDS"),
    L("5.2.7.01", "60000000", kode_kegiatan="03.02.03", sumber_dana="ADD"),
    L("5.2.7.01", "180000000", kode_kegiatan="04.02.03", sumber_dana="DDS"),
    L("5.2.1.07", "15000000", kode_kegiatan="04.02.01", sumber_dana="DDS"),
    L("5.4.1.01", "135000000", kode_kegiatan="05.03.01", sumber_dana="DDS"),
    L("6.1.1.01", "150000000"), L("6.2.2.01", "35000000"),
]


def _set(services: Services, admin: Actor, apbdes_id: str) -> None:
    for status in ("disepakati_bpd", "dievaluasi", "ditetapkan"):
        services.apbdes.transition(admin, apbdes_id, status)


def test_reference_has_the_account_tree_to_objek_with_its_source() -> None:
    ref = reference_for(2025)
    assert ref.accounts["4.2.1"].name == "Dana Desa"
    assert ref.accounts["4.2.1.01"].parent == "4.2.1"
    assert ref.accounts["6.2.2"].name == "Penyertaan Modal Desa"
    assert ref.kegiatan["04.02.03"].tags == ("pangan",)
    assert ref.sub_bidang["02.03"].startswith("Sub Bidang Pekerjaan Umum")
    assert {"DDS", "ADD", "PAD"} <= set(ref.sumber_dana)
    assert "OpenSID" in ref.source["kegiatan"]
    assert not any("\\" in k.name for k in ref.kegiatan.values())
    with pytest.raises(ValidationError):
        reference_for(2010)


def test_the_worked_example_balances_and_its_tree_adds_up(services: Services, admin: Actor) -> None:
    info = services.apbdes.create(admin, 2025, perdes_no="3/2024", perdes_date=dt.date(2024, 12, 20),
                                  lines=CONTOH)
    view = services.apbdes.view(admin, 2025)
    assert view.budget.pendapatan == Decimal("1355000000")
    assert view.budget.belanja == Decimal("1470000000")
    assert view.budget.surplus == Decimal("-115000000")
    assert view.budget.pembiayaan_netto == Decimal("115000000")
    assert view.budget.silpa == 0
    belanja = next(n for n in view.tree if n.code == "5")
    assert [c.code for c in belanja.children] == ["01", "02", "03", "04", "05"]
    assert {c.code: c.budget for c in belanja.children}["04"] == Decimal("195000000")
    assert sum(c.budget for c in belanja.children) == belanja.budget
    assert info.status == "draft"


def test_states_are_checked_and_record_who_and_when(services: Services, admin: Actor) -> None:
    info = services.apbdes.create(admin, 2025, perdes_no="3/2024", perdes_date=dt.date(2024, 12, 20),
                                  lines=CONTOH)
    with pytest.raises(BudgetStateError):
        services.apbdes.transition(admin, info.id, "ditetapkan")  # skipping BPD and evaluation
    _set(services, admin, info.id)
    got = services.apbdes.get(admin, info.id)
    assert got.status == "ditetapkan" and got.set_at is not None
    assert [h["status"] for h in got.history] == ["draft", "disepakati_bpd", "dievaluasi", "ditetapkan"]
    assert all(h["by"] == "admin" and h["at"] for h in got.history)
    with pytest.raises(BudgetStateError):  # a set budget is not edited in place
        services.apbdes.add_line(admin, info.id, L("4.1.2.01", "1000", sumber_dana="PAD"))


def test_unbalanced_budget_cannot_be_set_and_says_by_how_much(services: Services, admin: Actor) -> None:
    lines = [*CONTOH, L("5.2.1.01", "1.250.000", kode_kegiatan="01.01.04", sumber_dana="PAD")]
    info = services.apbdes.create(admin, 2025, perdes_no="3/2024", perdes_date=dt.date(2024, 12, 20), lines=lines)
    services.apbdes.transition(admin, info.id, "disepakati_bpd")
    services.apbdes.transition(admin, info.id, "dievaluasi")
    with pytest.raises(BudgetNotBalanced) as e:
        services.apbdes.transition(admin, info.id, "ditetapkan")
    msg = e.value.user_message()
    assert "-1.250.000" in msg and "tidak seimbang" in msg
    assert services.apbdes.get(admin, info.id).status == "dievaluasi"


def test_setting_needs_the_perdes(services: Services, admin: Actor) -> None:
    info = services.apbdes.create(admin, 2025, lines=CONTOH)
    services.apbdes.transition(admin, info.id, "disepakati_bpd")
    services.apbdes.transition(admin, info.id, "dievaluasi")
    with pytest.raises(ValidationError):
        services.apbdes.transition(admin, info.id, "ditetapkan")


def test_lines_are_checked_against_the_reference(services: Services, admin: Actor) -> None:
    info = services.apbdes.create(admin, 2025)
    bad = [
        (L("4.9.9.01", "1000"), "kode_rekening"),
        (L("5.2.1.01", "1000", sumber_dana="DDS"), "kode_kegiatan"),  # belanja without kegiatan
        (L("4.2.1.01", "1000", kode_kegiatan="01.01.01"), "kode_kegiatan"),  # income under a kegiatan
        (L("5.2.1.01", "-5000", kode_kegiatan="01.01.04", sumber_dana="DDS"), "anggaran"),
        (L("5.2.1.01", "1000", kode_kegiatan="09.01.01", sumber_dana="DDS"), "kode_kegiatan"),
        (L("5.2.1.01", "1000", kode_kegiatan="01.01.04", sumber_dana="XYZ"), "sumber_dana"),
    ]
    for data, field in bad:
        with pytest.raises(ValidationError) as e:
            services.apbdes.add_line(admin, info.id, data)
        assert field in e.value.fields, (data, e.value.fields)
    ln = services.apbdes.add_line(admin, info.id, L("5.2.1.01", None, kode_kegiatan="01.01.04", sumber_dana="DDS",
                                                    volume="2,5", harga_satuan="Rp 10.000", satuan="rim"))
    assert ln.anggaran == Decimal("25000.00") and ln.volume == Decimal("2.5")


def test_operator_edits_but_only_a_supervisor_approves(services: Services, admin: Actor) -> None:
    op = make_user(services, "ops", "operator")
    info = services.apbdes.create(op, 2025, lines=CONTOH)
    with pytest.raises(PermissionDenied):
        services.apbdes.transition(op, info.id, "disepakati_bpd")
    kades = make_user(services, "kades", "supervisor")
    assert services.apbdes.transition(kades, info.id, "disepakati_bpd").status == "disepakati_bpd"
    with pytest.raises(PermissionDenied):
        services.apbdes.view(Actor.kiosk("x"), 2025)


def test_every_change_writes_audit_and_outbox_together(services: Services, admin: Actor) -> None:
    info = services.apbdes.create(admin, 2025, lines=CONTOH)
    services.apbdes.add_line(admin, info.id, L("4.1.3.01", "5.000.000", sumber_dana="SWD"))
    with services.store.read() as s:
        out = s.scalars(select(OutboxChange).where(OutboxChange.entity_id == info.id)
                        .order_by(OutboxChange.seq)).all()
        audit = s.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == info.id)).all()
    assert [o.op for o in out] == ["create", "update"]
    assert len(out[1].payload["lines"]) == len(CONTOH) + 1
    assert out[1].payload["totals"]["pendapatan"] == "1360000000.00"
    assert out[1].payload["village"] == "35.10.01.2001"
    assert audit == ["apbdes.create", "apbdes.update"]
    # a failing change leaves neither
    with pytest.raises(ValidationError):
        services.apbdes.add_line(admin, info.id, L("4.9.9.01", "1"))
    with services.store.read() as s:
        assert s.scalar(select(func.count()).select_from(OutboxChange)
                        .where(OutboxChange.entity_id == info.id)) == 2


def test_realization_is_append_only_with_corrections(services: Services, admin: Actor) -> None:
    services.apbdes.create(admin, 2025, lines=CONTOH)
    r = services.apbdes.record_realization(admin, tanggal=dt.date(2025, 3, 1), kode_rekening="5.4.1.01",
                                           kode_kegiatan="05.03.01", jumlah="140.000.000", sumber_dana="DDS",
                                           jenis="SPP", bukti_no="001/SPP/2025")
    # beyond the budget: a warning, not a refusal
    assert r.warnings and "135.000.000" in r.warnings[0].message()
    c = services.apbdes.correct_realization(admin, r.entry.id, jumlah="45.000.000", reason="salah ketik")
    assert c.entry.jumlah == Decimal("-95000000") and c.entry.corrects_id == r.entry.id
    assert not c.warnings
    view = services.apbdes.view(admin, 2025)
    assert view.realization.belanja == Decimal("45000000")
    with services.store.read() as s:
        assert s.scalar(select(func.count()).select_from(RealisasiEntry)) == 2
    # the database itself refuses to change or delete a ledger entry
    with pytest.raises(Exception, match="append-only"), services.store.write() as s:
        s.execute(text("UPDATE apbdes_realisasi SET jumlah = 0"))
    with pytest.raises(Exception, match="append-only"), services.store.write() as s:
        s.execute(text("DELETE FROM apbdes_realisasi"))
    with pytest.raises(ValidationError):
        services.apbdes.record_realization(admin, tanggal=dt.date(2025, 3, 1), kode_rekening="5.4.1.01",
                                           kode_kegiatan="05.03.01", jumlah="0", sumber_dana="DDS")


def test_perubahan_is_a_new_version_beside_the_induk(services: Services, admin: Actor) -> None:
    info = services.apbdes.create(admin, 2025, perdes_no="3/2024", perdes_date=dt.date(2024, 12, 20), lines=CONTOH)
    with pytest.raises(BudgetStateError):
        services.apbdes.create_perubahan(admin, 2025)  # the induk is not set yet
    _set(services, admin, info.id)
    p = services.apbdes.create_perubahan(admin, 2025)
    assert p.versi == 1 and p.status == "draft"
    lines = services.apbdes.lines(admin, p.id)
    blt = next(ln for ln in lines if ln.kode_kegiatan == "05.03.01")
    services.apbdes.update_line(admin, blt.id, L("5.4.1.01", "100.000.000", kode_kegiatan="05.03.01",
                                                 sumber_dana="DDS"))
    induk = services.apbdes.view(admin, 2025, 0)
    perubahan = services.apbdes.view(admin, 2025)
    assert induk.budget.belanja - perubahan.budget.belanja == Decimal("35000000")
    with services.store.read() as s:
        assert s.scalar(select(func.count()).select_from(Apbdes)) == 2
