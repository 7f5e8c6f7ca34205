"""One crafted change is answered on its own (issue 20.5): the district rejects it per change with a
reason and applies the rest of the batch, never failing the whole push with a 500 (SQLite and
PostgreSQL)."""

from __future__ import annotations

from kiosk.ids import new_id
from tests.district.conftest import District

# "invalid_change": refused per change for a value no rule foresaw; "number_required": the register
# entry's bounds once they are checked by rule
REFUSALS = {"invalid_change", "number_required"}
POISON_LETTER = {"number": "474.1/001/35.10.01.2001/2026", "letter_type": "SKTM", "issued_at": "2026-11-27",
                 "content_hash": "ab" * 32, "year": 10**20, "sequence_key": "all", "seq_number": 1}


def test_a_crafted_change_is_rejected_alone(district: District) -> None:
    dev = district.enroll()
    good = dev.change("resident", new_id(), "create", {"name": "Siti"})
    poison = dev.change("letter", new_id(), "create", POISON_LETTER)
    later = dev.change("complaint", new_id(), "create", {"text": "Lampu jalan mati", "status": "baru",
                                                         "received_at": "2026-11-27T09:00:00+07:00"})
    results = dev.push(good, poison, later)  # before: HTTP 500 for the whole batch, every time
    assert [r.status for r in results] == ["applied", "rejected", "applied"]
    assert results[1].reason in REFUSALS
    [again] = dev.push(poison)  # and again: the same per-change answer
    assert again.status == "rejected" and again.reason in REFUSALS
    pulled = dev.pull()
    assert {c.entity for c in pulled.changes} == {"resident", "complaint"}
    # the batch after it flows as usual
    [next_one] = dev.push(dev.change("resident", new_id(), "create", {"name": "Budi"}))
    assert next_one.status == "applied"
