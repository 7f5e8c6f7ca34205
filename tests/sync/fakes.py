"""In-process sync fakes: the district app behind a FastAPI ``TestClient`` as the client's transport (the
``http_factory`` seam of ``SyncClient``), one-shot faults on that transport (lost answers, duplicated
requests, a process killed mid-sync), and office/kiosk devices in their own data directories."""

from __future__ import annotations

import gzip
import shutil
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import requests
from sqlalchemy import select, update

from kiosk.actor import Actor
from kiosk.db import Store
from kiosk.models import Device, OutboxChange
from kiosk.services import Services
from kiosk.services.office import new_signing_key
from sync import protocol as p
from sync.client import SyncClient
from sync.district.app import create_app
from sync.district.store import DistrictStore
from sync.transport import DistrictHttp, Unreachable
from tests.helpers import ENROLLING_ADMIN

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

BASE_URL = "http://testserver"
VILLAGE = "35.10.01.2001"


class Killed(BaseException):  # noqa: N818 - not an error: the process is gone
    """The client process died here (kill -9): nothing after this point runs, nothing is cleaned up."""


# Faults, one-shot, on the next request to their endpoint:
#   crash_before  the process dies before the push is sent (rows stay in flight on disk)
#   crash_after   the server applied the push, then the process died before hearing the answer
#   crash_pull    the process died while a pull answer was on its way
#   lose          the server applied the push, the answer was lost (a read timeout)
#   dup           the same push body was sent twice (a retrying proxy); the client hears the second answer
PUSH_FAULTS = ("crash_before", "crash_after", "lose", "dup")
PULL_FAULTS = ("crash_pull",)


@dataclass
class Faults:
    armed: str | None = None
    fired: list[str] = field(default_factory=list)
    kill: Callable[[], None] = lambda: None  # makes the device's store unusable (set by the device)
    on_request: Callable[[str], None] | None = None  # called with the path before each request is sent

    def take(self, path: str) -> str | None:
        fault = self.armed
        if fault is None:
            return None
        if (path == "/push" and fault in PUSH_FAULTS) or (path == "/pull" and fault in PULL_FAULTS):
            self.armed = None
            self.fired.append(fault)
            return fault
        return None


class AppHttp(DistrictHttp):
    """``DistrictHttp`` whose requests go to an in-process ASGI app through a ``TestClient``, with the same
    status handling as the real transport (``_check``) and optional faults."""

    def __init__(self, tc: TestClient, base_url: str, token: str | None, faults: Faults | None = None) -> None:
        super().__init__(base_url, token, session=requests.Session())
        self.tc = tc
        self.faults = faults or Faults()

    def request(self, method: str, path: str, *, body: bytes | None = None, params: dict[str, Any] | None = None,
                compress: bool = True) -> Any:
        extra: dict[str, str] = {}
        if body is not None:
            extra["Content-Type"] = "application/json"
            if compress:
                body = gzip.compress(body, compresslevel=1)
                extra["Content-Encoding"] = "gzip"
        headers = self._headers(extra)

        def send() -> Any:
            try:
                return self.tc.request(method, p.API_PREFIX + path, content=body, params=params, headers=headers)
            except httpx.HTTPError as exc:
                raise Unreachable(f"{type(exc).__name__}: {exc}") from exc

        if self.faults.on_request is not None:
            self.faults.on_request(path)
        fault = self.faults.take(path)
        if fault == "crash_before":
            self.faults.kill()
            raise Killed("killed before sending")
        resp = send()
        if fault in ("crash_after", "crash_pull"):
            self.faults.kill()
            raise Killed("killed before the answer arrived")
        if fault == "lose":
            raise Unreachable("ReadTimeout: the answer was lost (injected)")
        if fault == "dup":
            resp = send()
        return self._check(resp)


class District:
    """The district app on a SQLite file, served in-process."""

    def __init__(self, db_path: Path) -> None:
        self.db_url = f"sqlite:///{db_path}"
        self.app = create_app(self.db_url)
        self.store: DistrictStore = self.app.state.store
        self.tc = TestClient(self.app)
        self.tc.__enter__()

    def code(self, role: str = "office", village: str = VILLAGE) -> str:
        return self.store.create_enrollment_code(village, role, 24).code

    def close(self) -> None:
        self.tc.__exit__(None, None, None)
        self.app.state.db.dispose()


def make_template(root: Path, *, village: str = VILLAGE, role: str = "office") -> Path:
    """One set-up office data directory (profile, admin user), to be copied for each device (setting up
    an office costs most of a second: migrations and an Argon2 hash)."""
    import dataclasses

    from tests.helpers import ADMIN_PASSWORD, sample_office

    services = Services(Store.open(root))
    services.office.setup(dataclasses.replace(sample_office(), village_code=village), role=role)
    services.users.create_first_admin(username="admin", full_name="Admin Desa", password=ADMIN_PASSWORD)
    services.store.close()
    return root


class Dev:
    """One installation (its own data directory) whose sync client talks to ``district`` in-process."""

    def __init__(self, name: str, data_dir: Path, district: District, *, migrate: bool = True) -> None:
        self.name = name
        self.data_dir = data_dir
        self.district = district
        self.faults = Faults()
        self.migrate = migrate
        self.actor = Actor.system("test")
        self.crashes = 0
        self._open()

    @classmethod
    def from_template(cls, name: str, template: Path, data_dir: Path, district: District) -> Dev:
        shutil.copytree(template, data_dir)
        dev = cls(name, data_dir, district, migrate=False)
        private, public = new_signing_key()  # every installation has a key of its own
        with dev.store.write() as s:
            s.execute(update(Device).values(signing_key=private, public_key=public))
        return dev

    def _open(self) -> None:
        self.store = Store.open(self.data_dir, migrate=self.migrate)
        self.services = Services(self.store)
        self.client = SyncClient(self.store, http_factory=self._http)
        self.faults.kill = self._kill

    def _http(self, url: str, token: str | None) -> DistrictHttp:
        return AppHttp(self.district.tc, url, token, self.faults)

    def _kill(self) -> None:
        """From here on the process does nothing: every use of its database raises ``Killed``."""

        @contextmanager
        def dead() -> Iterator[Any]:
            raise Killed("the process is gone")
            yield  # pragma: no cover

        self.store.write = dead  # type: ignore[method-assign]
        self.store.read = dead  # type: ignore[method-assign]

    def restart(self) -> None:
        """After a kill: open the data directory again, as a new process would."""
        self.store.engine.dispose()
        self.crashes += 1
        self._open()

    def enroll(self, role: str = "office") -> p.EnrollResponse:
        return self.client.enroll(BASE_URL, self.district.code(role), name=self.name, actor=ENROLLING_ADMIN)

    def sync(self, fault: str | None = None) -> Any:
        """One sync cycle (None when the process was killed: it is restarted from disk). ``fault`` is armed
        for this device's next request to its endpoint: a cycle with nothing to push leaves it armed."""
        if fault is not None:
            self.faults.armed = fault
        try:
            return self.client.run_cycle(force=True, lock_timeout=5)
        except Killed:
            self.restart()
            return None

    def server_device_id(self) -> str:
        with self.store.read() as s:
            d = s.execute(select(Device)).scalar_one()
            assert d.server_device_id
            return d.server_device_id

    def device_role(self) -> str:
        with self.store.read() as s:
            return str(s.execute(select(Device.role)).scalar_one())

    def outbox(self) -> list[OutboxChange]:
        with self.store.read() as s:
            return list(s.scalars(select(OutboxChange).order_by(OutboxChange.seq)))

    def close(self) -> None:
        self.store.close()


__all__ = ["BASE_URL", "PULL_FAULTS", "PUSH_FAULTS", "VILLAGE", "AppHttp", "Dev", "District", "Faults", "Killed",
           "make_template"]
