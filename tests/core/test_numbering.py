"""Official numbers under concurrency: two processes issuing into one data directory never collide."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kiosk.changes import verify_audit_chain
from kiosk.db import Store
from kiosk.models import Letter, LetterNumber, OutboxChange, Resident
from kiosk.services import Services
from kiosk.services.demo import create_demo_village
from tests.helpers import make_services, make_user

ROOT = Path(__file__).resolve().parents[2]
PER_PROCESS = 200

CHILD = r"""
import datetime as dt, json, sys, time
from pathlib import Path
import forms
from kiosk.actor import Actor
from kiosk.db import Store
from kiosk.services import Services

cfg = json.loads(sys.argv[1])
services = Services(Store.open(cfg["data_dir"], migrate=False))
letters = services.letters
actor = Actor(**cfg["actor"])
today = dt.date.today()
values = {code: forms.sample_values(letters.letter_type(code), today) for code in cfg["types"]}
Path(cfg["ready"]).touch()
while not Path(cfg["go"]).exists():
    time.sleep(0.002)
start = time.perf_counter()
got = []
for i in range(cfg["n"]):
    code = cfg["types"][i % len(cfg["types"])]
    info = letters.issue_direct(actor, resident_id=cfg["residents"][i % len(cfg["residents"])],
                                letter_type=code, values=values[code])
    got.append(info.sequence_number)
print(json.dumps({"numbers": got, "seconds": time.perf_counter() - start}))
"""


@pytest.mark.slow
def test_two_processes_issue_400_unique_consecutive_numbers(tmp_path: Path) -> None:
    data = tmp_path / "data"
    services = make_services(data)
    create_demo_village(services, residents=50)
    actor = make_user(services, "kades1", "supervisor")
    with services.store.read() as s:
        residents = list(s.execute(select(Resident.id)).scalars())
    services.store.close()

    go = tmp_path / "go"
    procs = []
    for k in range(2):
        cfg = {"data_dir": str(data), "n": PER_PROCESS, "types": ["domisili", "skck", "usaha"],
               "residents": residents[k::2], "ready": str(tmp_path / f"ready{k}"), "go": str(go),
               "actor": {"user_id": actor.user_id, "username": actor.username, "role": actor.role,
                         "full_name": actor.full_name, "device_id": actor.device_id}}
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        procs.append(subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(cfg)], cwd=ROOT, env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"ready{k}").exists() for k in range(2)):
        assert time.monotonic() < deadline, "children did not start"
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        time.sleep(0.01)
    started = time.perf_counter()
    go.touch()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    wall = time.perf_counter() - started

    got = [n for r in results for n in r["numbers"]]
    assert sorted(got) == list(range(1, 2 * PER_PROCESS + 1))  # unique and consecutive: 1..400
    for r in results:  # each process saw its numbers rise
        assert r["numbers"] == sorted(r["numbers"])
    interleaved = sum(1 for a, b in zip(results[0]["numbers"], results[0]["numbers"][1:], strict=False) if b != a + 1)
    print(f"\ntwo processes x {PER_PROCESS} letters: numbers 1..{len(got)} unique and consecutive; "
          f"wall {wall:.1f} s ({wall / len(got) * 1000:.1f} ms a letter); per process "
          f"{results[0]['seconds']:.1f} s / {results[1]['seconds']:.1f} s; process A's run was interrupted "
          f"{interleaved} times by B")

    services = Services(Store.open(data))
    try:
        with services.store.read() as s:
            assert s.execute(select(func.count()).select_from(Letter)).scalar() == 2 * PER_PROCESS
            nums = list(s.execute(select(LetterNumber.number).order_by(LetterNumber.number)).scalars())
            assert nums == list(range(1, 2 * PER_PROCESS + 1))
            assert len(set(s.execute(select(Letter.number)).scalars())) == 2 * PER_PROCESS
            assert s.execute(select(func.count()).select_from(OutboxChange)
                             .where(OutboxChange.entity == "letter")).scalar() == 2 * PER_PROCESS
            assert verify_audit_chain(s).ok  # both writers appended to one unbroken chain
        pdfs = [p for p in services.store.paths.archive.rglob("*.pdf")]
        assert len(pdfs) == 2 * PER_PROCESS
        assert not [p for p in services.store.paths.archive.rglob("*.tmp")]
    finally:
        services.store.close()
