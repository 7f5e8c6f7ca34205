"""The bulk pull path (``sync_state.apply_pulled``): the same rules as one change at a time, in a handful
of statements per page. No server needed: pages are built here in the wire shape of a pulled change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, select

from kiosk.ids import new_id
from kiosk.models import LetterNumber, LetterRequest, SyncConflict, SyncRecord
from kiosk.services import sync_state as st
from tests.sync.conftest import Office, make_office


def _change(entity: str, entity_id: str, version: int, payload: dict[str, Any], op: str = "create",
            seq: int = 1) -> dict[str, Any]:
    return {"server_seq": seq, "village": "35.10.01.2001", "entity": entity, "entity_id": entity_id, "op": op,
            "version": version, "payload": payload, "origin_device": "other"}


def _office(tmp_path: Path) -> Office:
    return make_office(tmp_path / "o")


def test_page_applied_in_few_statements(tmp_path: Path) -> None:
    office = _office(tmp_path)
    try:
        page = [_change("resident", new_id(), 1, {"name": f"Warga {i}", "rt": "001", "sex": 1 + i % 2}, seq=i)
                for i in range(500)]
        statements: list[str] = []
        engine = office.store.engine

        def count(conn: Any, cursor: Any, stmt: str, *args: Any) -> None:
            statements.append(stmt)

        event.listen(engine, "before_cursor_execute", count)
        try:
            with office.store.write() as s:
                stats = st.apply_pulled(s, page)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert stats.applied == 500
        assert len(statements) < 20, statements
        r = office.resident(page[7]["entity_id"])
        assert r is not None and r.name == "Warga 7" and r.name_search == "warga 7" and r.version == 1
        with office.store.read() as s:
            rec = s.get(SyncRecord, ("resident", page[7]["entity_id"]))
            assert rec is not None and (rec.server_version, rec.applied_version) == (1, 1)
    finally:
        office.close()


def test_pending_local_change_is_never_overwritten(tmp_path: Path) -> None:
    office = _office(tmp_path)
    try:
        rid = office.add_resident("Lokal", rt="001")  # a pending create in the outbox
        other = new_id()
        page = [_change("resident", rid, 2, {"name": "Server", "rt": "009"}, op="update"),
                _change("resident", rid, 3, {"name": "Server 3", "rt": "009"}, op="update"),
                _change("resident", other, 1, {"name": "Lain"})]
        with office.store.write() as s:
            stats = st.apply_pulled(s, page)
        assert stats.applied == 1 and stats.deferred == 1
        assert office.resident(rid).name == "Lokal"  # type: ignore[union-attr]
        with office.store.read() as s:
            rec = s.get(SyncRecord, ("resident", rid))
            assert rec is not None and rec.deferred is not None and rec.deferred["version"] == 3
        # an older server state never replaces the newer one held back
        with office.store.write() as s:
            st.apply_pulled(s, [_change("resident", rid, 2, {"name": "Server", "rt": "009"}, op="update")])
        with office.store.read() as s:
            rec = s.get(SyncRecord, ("resident", rid))
            assert rec is not None and rec.deferred is not None and rec.deferred["version"] == 3
        # once the local change is acked the held-back state applies
        with office.store.write() as s:
            s.execute(st.OutboxChange.__table__.update().values(state="acked"))  # type: ignore[attr-defined]
            assert st.apply_deferred(s, "resident", rid)
        assert office.resident(rid).name == "Server 3"  # type: ignore[union-attr]
    finally:
        office.close()


def test_already_applied_versions_are_skipped(tmp_path: Path) -> None:
    office = _office(tmp_path)
    try:
        rid = new_id()
        with office.store.write() as s:
            st.apply_pulled(s, [_change("resident", rid, 2, {"name": "Dua"})])
        with office.store.write() as s:
            stats = st.apply_pulled(s, [_change("resident", rid, 1, {"name": "Satu"}, op="update")])
        assert stats.skipped == 1 and office.resident(rid).name == "Dua"  # type: ignore[union-attr]
        with office.store.write() as s:  # a full re-sync applies the server's state again
            st.apply_pulled(s, [_change("resident", rid, 2, {"name": "Dua lagi"}, op="update")], full_resync=True)
        assert office.resident(rid).name == "Dua lagi"  # type: ignore[union-attr]
    finally:
        office.close()


def test_letters_register_numbers_and_requests_keep_their_state_machine(tmp_path: Path) -> None:
    office = _office(tmp_path)
    try:
        rid, req, lid = new_id(), new_id(), new_id()
        page = [
            _change("resident", rid, 1, {"name": "Pemohon"}),
            _change("letter_request", req, 1, {"resident_id": rid, "letter_type": "SKD", "status": "ditolak"}),
            _change("letter", lid, 1, {"number": "470/007/2026", "letter_type": "SKD", "year": 2026,
                                       "sequence_key": "all", "seq_number": 7, "content_hash": "ab" * 32,
                                       "issued_at": "2026-06-01T09:00:00"}),
        ]
        with office.store.write() as s:
            stats = st.apply_pulled(s, page)
        assert stats.applied == 3
        with office.store.read() as s:
            num = s.execute(select(LetterNumber).where(LetterNumber.number == 7)).scalar_one()
            assert (num.state, num.letter_id) == ("used", lid)
        # a void arrives: the register follows; a terminal request does not move again
        with office.store.write() as s:
            stats = st.apply_pulled(s, [
                _change("letter", lid, 2, {"number": "470/007/2026", "letter_type": "SKD", "year": 2026,
                                           "sequence_key": "all", "seq_number": 7, "content_hash": "ab" * 32,
                                           "issued_at": "2026-06-01T09:00:00", "voided": True,
                                           "void_reason": "salah"}, op="transition"),
                _change("letter_request", req, 2, {"status": "diterbitkan"}, op="transition")])
        assert stats.applied == 1 and stats.failed == 1
        with office.store.read() as s:
            num = s.execute(select(LetterNumber).where(LetterNumber.number == 7)).scalar_one()
            assert num.state == "void"
            assert s.get(LetterRequest, req).status == "ditolak"  # type: ignore[union-attr]
            issues = list(s.scalars(select(SyncConflict).where(SyncConflict.kind == "apply_failed")))
            assert [i.entity_id for i in issues] == [req]
    finally:
        office.close()


def test_missing_parent_falls_back_to_one_by_one(tmp_path: Path) -> None:
    office = _office(tmp_path)
    try:
        fam, orphan, fine = new_id(), new_id(), new_id()
        page = [_change("resident", orphan, 1, {"name": "Anak", "family_id": fam}),
                _change("resident", fine, 1, {"name": "Baik"})]
        with office.store.write() as s:
            stats = st.apply_pulled(s, page)
        assert (stats.applied, stats.failed) == (1, 1)
        assert office.resident(orphan) is None and office.resident(fine) is not None
        # the parent arrives later: the retry applies the child
        with office.store.write() as s:
            st.apply_pulled(s, [_change("family", fam, 1, {"kk_number": "3510010101010001"})])
            assert st.retry_failed_applies(s) == 1
        assert office.resident(orphan) is not None
        with office.store.read() as s:
            assert s.execute(select(SyncConflict).where(SyncConflict.resolved_at.is_(None))).first() is None
    finally:
        office.close()
