"""A small village with births, deaths and moves across month ends (October–December 2026).

Who lives there (end of day):
  A  Agus     L WNI  head of KK1, dies 2026-11-01
  B  Siti     P WNI  KK1
  C  John     L WNA  own KK (KK2), moves out 2026-12-01
  D  Dewi     P WNI  KK3, moves out 2026-10-15, comes back 2026-11-20
  E  Bayi     P WNI  born 2026-10-31 into KK1
  F  Fitri    P WNI  new in the village 2026-11-30 (new KK4)

October:  start 4 (A B C D) + 1 birth (E) − 1 moved out (D) = end 4 (A B C E); families 3 → 3 (KK3 gone, none new)
November: start 4 + 2 moved in (D back, F new) − 1 death (A) = end 5 (B C E D F); families 3 → 5
December: start 5 − 1 moved out (C) = end 4
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from kiosk.actor import Actor
from kiosk.services import Services

KK1 = "3510010101100001"
KK2 = "3510010202100002"
KK3 = "3510010303100003"
KK4 = "3510010404100004"


def nik(day: int, month: int, year: int, serial: int = 1, female: bool = False) -> str:
    return f"351001{day + (40 if female else 0):02d}{month:02d}{year % 100:02d}{serial:04d}"


@dataclass
class Village:
    a: str
    b: str
    c: str
    d: str
    e: str
    f: str


def person(name: str, sex: int, born: dt.date, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"name": name, "sex": sex, "birth_date": born,
                            "nik": nik(born.day, born.month, born.year, female=sex == 2),
                            "dusun": "Krajan", "rt": "001", "rw": "001", "citizenship": 1}
    base.update(kw)
    return base


def build(services: Services, actor: Actor) -> Village:
    rs = services.residents
    a = rs.register(actor, person("Agus", 1, dt.date(1980, 5, 12), kk_number=KK1, family_relation=1))
    b = rs.register(actor, person("Siti", 2, dt.date(1985, 3, 10), family_id=a.family_id, family_relation=3))
    c = rs.register(actor, person("John", 1, dt.date(1970, 1, 2), kk_number=KK2, family_relation=1,
                                  citizenship=2, dusun="Sumberejo", nik=None))
    d = rs.register(actor, person("Dewi", 2, dt.date(1990, 7, 7), kk_number=KK3, family_relation=1,
                                  dusun="Sumberejo", rt="002"))
    e = rs.record_birth(actor, {"name": "Bayi", "sex": 2, "birth_date": dt.date(2026, 10, 31), "nik": None},
                        father_id=a.id, mother_id=b.id).resident
    rs.record_move_out(actor, d.id, date=dt.date(2026, 10, 15), destination="Surabaya")
    rs.record_death(actor, a.id, date=dt.date(2026, 11, 1), place="Rumah")
    rs.record_move_in(actor, date=dt.date(2026, 11, 20), origin="Surabaya", resident_id=d.id)
    f = rs.record_move_in(actor, date=dt.date(2026, 11, 30), origin="Jember",
                          data=person("Fitri", 2, dt.date(1995, 2, 3), kk_number=KK4, family_relation=1)).resident
    rs.record_move_out(actor, c.id, date=dt.date(2026, 12, 1), destination="Bali")
    return Village(a.id, b.id, c.id, d.id, e.id, f.id)
