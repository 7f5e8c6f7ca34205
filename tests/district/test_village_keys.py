"""Villages keyed apart (issue 19.1, 20.1), the letter number register without trusting the payload
(20.3) and the complaint state machine by role (20.4) — on SQLite and PostgreSQL.

The attacker is an enrolled office of another village that reuses ids it read from printed QR codes."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from kiosk import letter_token as lt
from kiosk.ids import new_id
from sync.district.models import ComplaintProjection, LetterProjection, RequestProjection
from tests.district.conftest import OTHER_VILLAGE, VILLAGE, Dev, District

CONTENT = hashlib.sha256(b"isi surat asli").hexdigest()


def _letter(village: str, n: int, content: str = CONTENT) -> dict[str, object]:
    return {"number": f"474.1/{n:03d}/{village}/2026", "letter_type": "SKTM", "issued_at": "2026-11-27",
            "content_hash": content, "year": 2026, "sequence_key": "all", "seq_number": n}


def _token(dev: Dev, letter_id: str, n: int) -> str:
    return lt.sign_token(lt.TokenPayload(letter_id=letter_id, number=f"474.1/{n:03d}/{dev.village}/2026",
                                         village_code=dev.village, issued_on="2026-11-27", content_hash=CONTENT,
                                         device_id=dev.device_id), dev.key)


def _page(district: District, token: str) -> str:
    r = district.client.get(f"/v/{token}")
    assert r.status_code == 200
    return r.text


def _cases(district: District, model: type, case_id: str) -> dict[str, tuple[str, str | None]]:
    with district.store.db.read() as s:
        return {r.village: (r.status, r.channel) for r in s.scalars(select(model).where(model.id == case_id))}


def test_an_id_taken_first_by_another_village_never_blocks_its_owner(district: District) -> None:
    owner = district.enroll(VILLAGE, name="kantor A")
    attacker = district.enroll(OTHER_VILLAGE, name="kantor B")
    letter_id, request_id, complaint_id = new_id(), new_id(), new_id()
    # The attacker pushes the owner's ids before the owner's office is online.
    first = attacker.push(
        attacker.change("letter", letter_id, "create", _letter(OTHER_VILLAGE, 1, "ee" * 32)),
        attacker.change("letter_request", request_id, "create", {"letter_type": "SKTM", "channel": "palsu"}),
        attacker.change("complaint", complaint_id, "create", {"channel": "palsu",
                                                              "received_at": "2026-11-27T08:00:00+00:00"}),
    )
    assert [r.status for r in first] == ["applied"] * 3  # its own village's records, nothing more
    # The owner's push of the same ids goes through (HTTP 200 per change, never a 500), every cycle.
    mine = owner.push(
        owner.change("letter", letter_id, "create", _letter(VILLAGE, 1)),
        owner.change("letter_request", request_id, "create", {"letter_type": "SKTM", "channel": "kantor"}),
        owner.change("complaint", complaint_id, "create", {"channel": "kantor",
                                                           "received_at": "2026-11-27T09:00:00+00:00"}),
    )
    assert [(r.status, r.reason) for r in mine] == [("applied", None)] * 3
    assert ">SAH<" in _page(district, _token(owner, letter_id, 1))
    # Each village keeps its own rows.
    assert _cases(district, RequestProjection, request_id) == {VILLAGE: ("diajukan", "kantor"),
                                                               OTHER_VILLAGE: ("diajukan", "palsu")}
    with district.store.db.read() as s:
        letters = {r.village: r.content_hash for r in s.scalars(
            select(LetterProjection).where(LetterProjection.letter_id == letter_id))}
    assert letters == {VILLAGE: CONTENT, OTHER_VILLAGE: "ee" * 32}
    # The owner's later changes of those ids succeed.
    later = owner.push(
        owner.change("complaint", complaint_id, "transition", {"to": "ditanggapi"}),
        owner.change("letter_request", request_id, "transition", {"to": "ditolak"}),
    )
    assert [r.status for r in later] == ["applied", "applied"]
    assert _cases(district, ComplaintProjection, complaint_id)[VILLAGE] == ("ditanggapi", "kantor")
    assert _cases(district, ComplaintProjection, complaint_id)[OTHER_VILLAGE] == ("baru", "palsu")


def test_another_village_cannot_overwrite_or_move_a_village_s_figures(district: District) -> None:
    owner = district.enroll(VILLAGE)
    attacker = district.enroll(OTHER_VILLAGE)
    letter_id, request_id, complaint_id = new_id(), new_id(), new_id()
    owner.push(
        owner.change("letter", letter_id, "create", _letter(VILLAGE, 2)),
        owner.change("letter_request", request_id, "create", {"letter_type": "SKTM", "channel": "kantor"}),
        owner.change("complaint", complaint_id, "create", {"channel": "kantor",
                                                           "received_at": "2026-11-27T09:00:00+00:00"}),
    )
    # Creating the same ids in its own village changes nothing of the owner's rows ...
    attacker.push(
        attacker.change("letter_request", request_id, "create", {"letter_type": "X", "channel": "palsu"}),
        attacker.change("complaint", complaint_id, "create", {"channel": "palsu",
                                                              "received_at": "2026-11-20T09:00:00+00:00"}),
    )
    # ... and changes of the owner's records are refused for the sender, with a reason, per change.
    refused = attacker.push(
        attacker.change("letter", letter_id, "transition", {"to": "void", "reason": "dibajak"}),
        attacker.change("resident", new_id(), "update", {"name": "X"}, base_version=1),
    )
    assert [(r.status, r.reason) for r in refused] == [("rejected", "not_found")] * 2
    assert _cases(district, RequestProjection, request_id)[VILLAGE] == ("diajukan", "kantor")
    assert _cases(district, ComplaintProjection, complaint_id)[VILLAGE] == ("baru", "kantor")
    with district.store.db.read() as s:
        mine = s.scalar(select(LetterProjection).where(LetterProjection.village == VILLAGE,
                                                       LetterProjection.letter_id == letter_id))
    assert mine is not None and not mine.voided
    assert ">SAH<" in _page(district, _token(owner, letter_id, 2))


def test_the_number_register_does_not_depend_on_the_payload_s_register_fields(district: District) -> None:
    office = district.enroll(VILLAGE)
    [ok] = office.push(office.change("letter", new_id(), "create", _letter(VILLAGE, 5)))
    assert ok.status == "applied"
    same_number = {k: v for k, v in _letter(VILLAGE, 5).items() if k not in ("year", "sequence_key", "seq_number")}
    # the register fields left out: refused, not accepted as a second letter 474.1/005
    [missing] = office.push(office.change("letter", new_id(), "create", same_number))
    assert (missing.status, missing.reason) == ("rejected", "number_required")
    # the register fields present but pointing elsewhere, with the same official number text: refused
    [other_seq] = office.push(office.change("letter", new_id(), "create", {**_letter(VILLAGE, 5), "seq_number": 6}))
    assert (other_seq.status, other_seq.reason) == ("conflict", "number_taken")
    [absurd] = office.push(office.change("letter", new_id(), "create", {**_letter(VILLAGE, 7), "seq_number": 2**63}))
    assert (absurd.status, absurd.reason) == ("rejected", "number_required")
    with district.store.db.read() as s:
        numbers = list(s.scalars(select(LetterProjection.number).where(LetterProjection.village == VILLAGE)))
    assert numbers == [f"474.1/005/{VILLAGE}/2026"]


def test_a_kiosk_cannot_answer_or_close_a_complaint(district: District) -> None:
    office = district.enroll(VILLAGE)
    kiosk = district.enroll(VILLAGE, role="kiosk")
    complaint_id = new_id()
    [made] = kiosk.push(kiosk.change("complaint", complaint_id, "create", {
        "channel": "kios", "received_at": "2026-11-27T08:00:00+00:00"}))
    assert made.status == "applied"
    refused = kiosk.push(
        kiosk.change("complaint", complaint_id, "transition", {"to": "ditanggapi"}),
        kiosk.change("complaint", complaint_id, "transition", {"to": "selesai"}),
    )
    assert [(r.status, r.reason) for r in refused] == [("rejected", "role")] * 2
    # a kiosk's create cannot carry the office's answer either (the monitoring counts it as answered)
    [pre_answered] = kiosk.push(kiosk.change("complaint", new_id(), "create", {
        "channel": "kios", "received_at": "2026-11-27T08:00:00+00:00",
        "first_response_at": "2026-11-27T08:01:00+00:00", "resolved_at": "2026-11-27T08:02:00+00:00"}))
    assert (pre_answered.status, pre_answered.reason) == ("rejected", "role")
    with district.store.db.read() as s:
        row = s.scalar(select(ComplaintProjection).where(ComplaintProjection.id == complaint_id))
    assert row is not None and (row.status, row.first_response_at) == ("baru", None)
    [answered] = office.push(office.change("complaint", complaint_id, "transition", {"to": "ditanggapi"}))
    assert answered.status == "applied"


def test_migration_keeps_existing_rows_and_fills_their_village(db_url: str) -> None:
    """0002 → 0003_village_keys on a database with rows: kept, village filled where it was empty, and the
    same id then fits in another village."""
    import datetime as dt

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from sync.district.db import MIGRATIONS_DIR, Database

    db = Database(db_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", db_url.replace("%", "%%"))
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002_monitoring")
        conn.commit()
    now = dt.datetime.now(dt.UTC)
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO villages (code, name) VALUES (:v, '')"), {"v": VILLAGE})
        conn.execute(text("INSERT INTO records (village, entity, entity_id, version, data, field_versions, deleted, "
                          "updated_at) VALUES (:v, 'complaint', 'c1', 1, '{}', '{}', false, :now)"),
                     {"v": VILLAGE, "now": now})
        conn.execute(text("INSERT INTO letters (letter_id, village, number, type_code, issued_at, content_hash, "
                          "voided, received_at) VALUES ('l1', :v, '474/1', 'SKTM', '2026-11-27', :h, false, :now)"),
                     {"v": VILLAGE, "h": CONTENT, "now": now})
        conn.execute(text("INSERT INTO complaint_projection (id, village, status, updated_at) "
                          "VALUES ('c1', '', 'baru', :now)"), {"now": now})
    db.upgrade()
    with db.engine.begin() as conn:
        assert conn.execute(text("SELECT village, status FROM complaint_projection")).all() == [(VILLAGE, "baru")]
        assert conn.execute(text("SELECT village, number FROM letters")).all() == [(VILLAGE, "474/1")]
        conn.execute(text("INSERT INTO complaint_projection (id, village, status, updated_at) "
                          "VALUES ('c1', :v, 'baru', :now)"), {"v": OTHER_VILLAGE, "now": now})
        assert conn.execute(text("SELECT count(*) FROM complaint_projection WHERE id = 'c1'")).scalar() == 2
    db.dispose()
