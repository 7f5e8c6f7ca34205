"""Search as you type: name token prefixes (case/accent-insensitive), NIK/KK prefixes, filters, keyset pages."""

from __future__ import annotations

import datetime as dt

from kiosk.actor import Actor
from kiosk.services import Services
from kiosk.services.demo import create_demo_village
from kiosk.services.residents_search import ResidentQuery, fts_query
from tests.helpers import admin_actor


def test_fts_query_folds_and_quotes() -> None:
    assert fts_query("  Siti   MA'RUF ") == '"siti"* AND "maruf"*'
    assert fts_query("Désirée") == '"desiree"*'
    assert fts_query("'\"") is None


def test_search_rules(services: Services) -> None:
    actor: Actor = admin_actor(services)
    rs = services.residents
    a = rs.register(actor, {"name": "Ni Luh Putu Ayu", "sex": 2, "nik": "3510015205900001",
                            "birth_date": dt.date(1990, 5, 12), "dusun": "Krajan", "rt": "2", "rw": "1",
                            "kk_number": "3510010101100001", "family_relation": 1})
    b = rs.register(actor, {"name": "Désiré Ma'ruf", "sex": 1, "nik": "3510011205100001",
                            "birth_date": dt.date(2010, 5, 12), "dusun": "Roworejo", "rt": "1", "rw": "3"})
    ids = lambda q, **kw: [r.id for r in rs.search(actor, q, **kw).rows]  # noqa: E731
    assert ids("luh") == [a.id] and ids("PUTU ay") == [a.id] and ids("ayu ni") == [a.id]
    assert ids("desi") == [b.id] and ids("DÉSI") == [b.id] and ids("ma'r") == [b.id] and ids("maruf") == [b.id]
    assert ids("uh") == []  # prefixes of words, not infixes
    assert ids("3510015") == [a.id] and ids("3510 0112") == [b.id]
    assert ids("35100101011") == [a.id]  # No. KK prefix
    assert set(ids("3510")) == {a.id, b.id}
    assert ids("", dusun="Krajan") == [a.id]
    assert ids("", rt="1", rw="3") == [b.id]
    assert ids("", sex=1) == [b.id]
    today = dt.date(2026, 11, 27)
    assert ids(ResidentQuery(age_max=17, today=today)) == [b.id]
    assert ids(ResidentQuery(age_min=18, today=today)) == [a.id]
    assert ids(ResidentQuery(age_min=16, age_max=16, today=today)) == [b.id]
    rs.record_death(actor, b.id, date=dt.date(2025, 1, 1))
    assert ids("", status=1) == [a.id] and ids("", status=2) == [b.id]


def test_keyset_pages_cover_everything_once(services: Services) -> None:
    create_demo_village(services, residents=700)
    actor = admin_actor(services)
    for query in ["", "s", "3510", "35100"]:
        seen: list[str] = []
        after = None
        while True:
            page = services.residents.search(actor, query, after=after, limit=37)
            seen += [r.id for r in page.rows]
            if page.next_cursor is None:
                break
            after = page.next_cursor
        one_go = services.residents.search(actor, query, limit=100_000).rows
        assert seen == [r.id for r in one_go] and len(seen) == len(set(seen))
    assert len(services.residents.search(actor, "", limit=100_000).rows) == 700
