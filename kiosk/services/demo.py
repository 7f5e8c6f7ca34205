"""Desa contoh: a realistic, deterministic demo village (families, valid NIKs and KKs, Javanese and
Osing names) for trying the program, training staff and benchmarks."""

from __future__ import annotations

import datetime as dt
import logging
import random
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from kiosk.actor import Actor
from kiosk.changes import write_audit
from kiosk.ids import new_id
from kiosk.models import AuditEntry, Family, PopulationEvent, Resident, utcnow
from kiosk.services import Services
from kiosk.text import fold_name

log = logging.getLogger(__name__)

DEMO_PASSWORD = "demo-kampung"
DEMO_VILLAGE = "35.10.01.2001"  # Sarongan, Pesanggaran, Banyuwangi
MAX_RESIDENTS = 100_000
# The audit action that marks a data directory as holding demo data (hash-chained: it cannot be dropped).
DEMO_AUDIT_ACTION = "demo.create"
DEMO_TODAY = dt.date(2026, 11, 27)

MALE = ["Slamet", "Sugeng", "Bambang", "Joko", "Agus", "Budi", "Hadi", "Wahyu", "Eko", "Dwi", "Sutrisno",
        "Suparman", "Karyono", "Suryadi", "Mulyadi", "Rahmat", "Abd. Rahman", "H. Ma'ruf", "Sunarto",
        "Nur Hasan", "Imam", "Yusuf", "Fajar", "Andi", "Rizky", "Dimas", "Aris", "Heru", "Teguh", "Purnomo",
        "Sukardi", "Satimin", "Painan", "Sanusi", "Misdi", "Sahlan", "Arifin", "Bagus", "Gandrung"]
FEMALE = ["Siti", "Sri", "Sumarni", "Wartini", "Suyati", "Endang", "Dewi", "Rina", "Ani", "Lestari",
          "Wulan", "Ayu", "Nur Aini", "Fitri", "Kartini", "Sulastri", "Tumini", "Painem", "Juwariyah",
          "Musriah", "Rohmah", "Hj. Zubaidah", "Ni Luh Putu", "Indah", "Puji", "Yuliana", "Marsini",
          "Satiyah", "Sumiati", "Nanik"]
SURNAMES = ["", "", "", "Santoso", "Wibowo", "Prasetyo", "Hidayat", "Susanto", "Setiawan", "Rahayu",
            "Wati", "Ningsih", "Lestari", "Handayani", "Kurniawan", "Saputra", "Firmansyah", "Utomo"]
STREETS = ["Jl. Raya Sarongan", "Jl. Kenanga", "Jl. Melati", "Jl. Pantai Rajegwesi", "Gg. Mawar", "Jl. Masjid",
           "Jl. Sukamade", "Gg. Anggrek"]
DUSUN = ["Krajan", "Sumberejo", "Sarongan Kidul", "Roworejo", "Kandangan"]
PLACES = ["Banyuwangi", "Banyuwangi", "Banyuwangi", "Jember", "Genteng", "Rogojampi", "Situbondo", "Malang"]
# occupation codes from pekerjaan.csv: petani, buruh tani, wiraswasta, pedagang, nelayan, karyawan swasta...
WORK_ADULT = [9, 9, 9, 10, 15, 15, 6, 4, 7, 22, 3, 88]


def _nik(rng: random.Random, region: str, birth: dt.date, female: bool, serials: dict[str, int]) -> str:
    day = birth.day + (40 if female else 0)
    stem = f"{region}{day:02d}{birth.month:02d}{birth.year % 100:02d}"
    serials[stem] = serials.get(stem, 0) + 1
    return f"{stem}{serials[stem]:04d}"


def _name(rng: random.Random, female: bool) -> str:
    first = rng.choice(FEMALE if female else MALE)
    last = rng.choice(SURNAMES)
    return f"{first} {last}".strip() if last and rng.random() < 0.6 else first


def _birth(rng: random.Random, age_min: int, age_max: int, today: dt.date) -> dt.date:
    year = today.year - rng.randint(age_min, age_max)
    born = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
    return born if born <= today else born.replace(year=born.year - 1)  # never born in the future


def generate_village(n_residents: int, seed: int, today: dt.date | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Families and residents as plain rows (deterministic for a seed)."""
    rng = random.Random(seed)
    today = today or DEMO_TODAY  # fixed: the same seed gives the same village on any day
    region = DEMO_VILLAGE.replace(".", "")[:6]
    serials: dict[str, int] = {}
    kk_serials: dict[str, int] = {}
    families: list[dict[str, Any]] = []
    residents: list[dict[str, Any]] = []
    now = utcnow()
    while len(residents) < n_residents:
        dusun = rng.choice(DUSUN)
        rw = f"{DUSUN.index(dusun) + 1:03d}"
        rt = f"{rng.randint(1, 6):03d}"
        issued = _birth(rng, 0, 20, today)
        kk_stem = f"{region}{issued.day:02d}{issued.month:02d}{issued.year % 100:02d}"
        kk_serials[kk_stem] = kk_serials.get(kk_stem, 0) + 1
        kk = f"{kk_stem}{kk_serials[kk_stem]:04d}"
        family_id = new_id()
        # The street part only: letters add RT/RW and dusun themselves.
        address = f"{rng.choice(STREETS)} No. {rng.randint(1, 120)}" if rng.random() < 0.7 else ""
        members: list[dict[str, Any]] = []
        head_female = rng.random() < 0.12
        head_birth = _birth(rng, 24, 85, today)
        religion = 1 if rng.random() < 0.93 else rng.choice([2, 3, 4])

        fam = {"kk": kk, "family_id": family_id, "religion": religion, "address": address, "rt": rt, "rw": rw,
               "dusun": dusun}

        def person(name: str, birth: dt.date, female: bool, relation: int, marital: int,
                   f: dict[str, Any] = fam, **kw: Any) -> dict[str, Any]:
            nik = _nik(rng, region, birth, female, serials)
            age = (today - birth).days // 365
            occupation = rng.choice(WORK_ADULT) if age >= 18 else (3 if age >= 6 else 1)
            return {
                "id": new_id(), "nik": nik, "kk_number": f["kk"], "family_id": f["family_id"], "name": name,
                "name_search": fold_name(name), "birth_place": rng.choice(PLACES), "birth_date": birth,
                "sex": 2 if female else 1, "religion": f["religion"], "marital_status": marital,
                "family_relation": relation,
                "education": rng.choice([3, 4, 5, 6, 7, 9]) if age >= 18 else (1 if age < 7 else 3),
                "education_current": 1, "occupation": occupation,
                "blood_type": rng.choice([1, 2, 3, 4, 13]), "citizenship": 1,
                "father_nik": None, "father_name": kw.get("father", ""), "mother_nik": None,
                "mother_name": kw.get("mother", ""), "address": f["address"], "rt": f["rt"], "rw": f["rw"],
                "dusun": f["dusun"], "phone": f"08{rng.randint(1100000000, 9999999999)}" if age >= 17 and rng.random() < 0.4 else "",
                "status": 1, "extra": {}, "nik_warnings": [], "pin_hash": None, "version": 1,
                "created_at": now, "updated_at": now,
            }

        head = person(_name(rng, head_female), head_birth, head_female, 1, 2 if rng.random() < 0.85 else 4)
        members.append(head)
        spouse_name = ""
        if head["marital_status"] == 2 and not head_female:
            spouse_birth = _birth(rng, max(18, (today - head_birth).days // 365 - 10), (today - head_birth).days // 365, today)
            spouse = person(_name(rng, True), spouse_birth, True, 3, 2)
            spouse_name = spouse["name"]
            members.append(spouse)
        head_age = (today - head_birth).days // 365
        if head_age < 70:
            for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 3, 4])):
                age_max = max(0, head_age - 19)
                child_birth = _birth(rng, 0, min(age_max, 30), today)
                female = rng.random() < 0.5
                child_age = (today - child_birth).days // 365
                members.append(person(_name(rng, female), child_birth, female, 4,
                                      1 if child_age < 22 or rng.random() < 0.6 else 2,
                                      father=head["name"] if not head_female else "",
                                      mother=spouse_name or (head["name"] if head_female else "")))
        families.append({"id": family_id, "kk_number": kk, "head_resident_id": head["id"], "address": address,
                         "rt": rt, "rw": rw, "dusun": dusun, "active": True, "version": 1,
                         "created_at": now, "updated_at": now})
        residents.extend(members)
    return families, residents[:n_residents]


def create_demo_village(services: Services, *, residents: int = 2000, seed: int = 2016) -> dict[str, Any]:
    """Set up (if needed) the demo office with one user per role and fill it with residents."""
    from kiosk.services.office import office_info_from_code

    residents = max(0, min(residents, MAX_RESIDENTS))
    if not services.office.is_configured():
        info = office_info_from_code(DEMO_VILLAGE)
        info.address = "Jl. Raya Sarongan No. 1, Pesanggaran"
        info.postcode = "68488"
        info.phone = "0333-000000"
        info.email = "desa.sarongan@example.id"
        info.head_name = "Slamet Riyadi"
        info.secretary_name = "Budi Santoso"
        info.service_hours = "Senin–Jumat 08.00–15.00 WIB; layanan malam Selasa & Kamis 18.00–21.00 WIB"
        # a made-up emblem (not an official one) so the demo's kop looks like a village's
        logo = Path(__file__).resolve().parents[2] / "resources" / "logo" / "demo_desa.png"
        info.logo = logo.read_bytes() if logo.is_file() else None
        services.office.setup(info, device_name="Kantor Desa (demo)")
    if services.users.count() == 0:
        services.users.create_first_admin(username="admin", full_name="Admin Desa", password=DEMO_PASSWORD)
        admin = services.users.authenticate("admin", DEMO_PASSWORD)
        services.users.create_user(admin, username="operator", full_name="Siti Operator", role="operator",
                                   password=DEMO_PASSWORD)
        services.users.create_user(admin, username="kades", full_name="Slamet Riyadi", role="supervisor",
                                   password=DEMO_PASSWORD)
    families, people = generate_village(residents, seed)
    now = utcnow()
    with services.store.write() as s:
        if people and s.query(Resident.id).first() is not None:
            families, people = [], []  # already filled: never doubles
        if families:
            s.execute(insert(Family), families)
        if people:
            s.execute(insert(Resident), people)
            # Babies of the last year get their birth event, so the monthly report adds up from the events.
            recent = DEMO_TODAY - dt.timedelta(days=365)
            births = [{"id": new_id(), "resident_id": p["id"], "kind": "birth", "event_date": p["birth_date"],
                       "details": {"family_id": p["family_id"], "demo": True}, "recorded_at": now,
                       "recorded_by": None} for p in people if p["birth_date"] >= recent]
            if births:
                s.execute(insert(PopulationEvent), births)
        write_audit(s, Actor.system("demo"), action=DEMO_AUDIT_ACTION, entity="office", entity_id=DEMO_VILLAGE,
                    details={"residents": len(people), "families": len(families), "seed": seed})
    log.info("demo village filled: %d residents", len(people))
    _demo_budget(services)
    profile = services.office.profile()
    return {"village_code": profile.village_code, "village_name": profile.village_name,
            "residents": len(people), "families": len(families)}


def holds_demo_data(session: Session) -> bool:
    """Whether demo data was ever put into this data directory (``demo-data``, ``--demo``).

    The decision for sync (issue 19.8): demo residents never enter the outbox, so an office holding
    them cannot enrol at a district (``sync.client.DemoOfficeCannotEnroll``); a real village is set up
    in a new data directory."""
    return session.execute(select(AuditEntry.id).where(AuditEntry.action == DEMO_AUDIT_ACTION).limit(1)).first() \
        is not None


def _demo_budget(services: Services) -> None:
    """This year's APBDes of the demo village (the worked example of APBDES.md, set, with realization up to
    today) through the same Siskeudes import a village would use; never twice."""
    import tempfile
    from pathlib import Path

    from kiosk.budget import sample
    from kiosk.budget.siskeudes import village_kd_desa

    today = dt.date.today()
    actor = Actor.system("demo")
    if services.apbdes.years():
        return
    tables = sample.contoh_tables(kd_desa=village_kd_desa(services.office.profile().village_code), tahun=today.year,
                                  entries=120, perubahan=False, until=today)
    with tempfile.TemporaryDirectory() as tmp:
        services.apbdes.import_file(actor, sample.write_zip(Path(tmp) / "siskeudes.zip", tables))
    info = services.apbdes.find(actor, today.year)
    for status in ("disepakati_bpd", "dievaluasi", "ditetapkan"):
        services.apbdes.transition(actor, info.id, status, note="demo")


def is_demo_office(services: Services) -> bool:
    """Whether this data directory holds the demo village (the sign-in dialog then shows its users)."""
    with services.store.read() as s:
        return holds_demo_data(s)
