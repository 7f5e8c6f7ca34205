"""The office side of sync (DESIGN.md "Sync" 1-9): enrollment, push, pull, number leases, clock checks.

One ``SyncClient.run_cycle()``: (under a per-data-directory lock, so two workers never send at once)
in-flight rows go back to pending; restored-backup check; ping (proves the server, gives its time);
push batches (<= 500 changes / 1 MB, gzip) marking rows in flight first and recording every answer in
one local transaction; pull pages applying each page and its cursor in one local transaction (a cursor
too old for the district's compacted log reloads the village from /snapshot, resumably); keep the
letter-number leases stocked. Failures are typed: unreachable (backoff with full jitter and
Retry-After), 401 (needs re-enrolment, nothing discarded), 403 device_revoked (queue kept, exportable).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from kiosk import durable
from kiosk.actor import Actor
from kiosk.changes import ENTITY_ORDER, sqlite_datetime_text, write_audit
from kiosk.db import Store
from kiosk.errors import DomainError, StorageError
from kiosk.i18n import N_, _
from kiosk.models import Device, LetterNumberLease, OutboxChange, utcnow
from kiosk.permissions import require, require_user
from kiosk.services import leases
from kiosk.services import sync_state as st
from kiosk.storage_errors import classify
from sync import protocol as p
from sync.backoff import Backoff, full_jitter
from sync.transport import (
    DeviceRestored,
    DistrictHttp,
    HttpError,
    Revoked,
    TransportError,
    Unauthorized,
    Unreachable,
)

log = logging.getLogger(__name__)

WINDOW = 4000  # unacked rows looked at when planning one batch
ROW_RETRY_BASE = 1.0
SERVER_UNWELL = 3  # single changes (of different records) failing with 5xx in a row: the server is unwell
POISON_STRIKES = 3  # times the server failed on one change alone while taking others: held for staff
CLOCK_WARN_SECONDS = 300
SIDECAR = "sync-watermark.json"
# A full re-sync reloads these from the district's snapshot, parents before children.
SNAPSHOT_ORDER = ENTITY_ORDER  # parents first (the registry's order)
LOCK_FILE = "sync.lock"

class EnrollmentFailed(DomainError):
    code = "enrollment_failed"
    template = N_("The district refused the enrollment: {reason}.")


class DemoOfficeCannotEnroll(DomainError):
    """Issue 19.8, decided: a data directory that holds demo data never enrols. Demo residents are
    written without outbox rows (bulk, fictitious), so the district would refuse every later edit of
    them (``not_found``) and hold family changes back forever; and fictitious residents do not belong
    in a district's records. A real village is set up in a new data directory, then enrolled."""

    code = "demo_office"
    template = N_("This data folder holds the demo village (made up residents): it cannot be enrolled at the "
                  "district. Set up the real village office in a new data folder and enroll that one.")


class EnrollmentUnreachable(DomainError):
    """The district server did not answer (not: it refused)."""

    code = "enrollment_unreachable"
    template = N_("The district server at {url} could not be reached. Check the server address and the "
                  "internet connection, then try again. Nothing was changed.")


# The district's reasons for refusing an enrolment code, in words a clerk can act on.
ENROLLMENT_REASONS = {
    "enrollment_code_invalid": N_("the enrolment code is not known; check it, or ask the district for a new one"),
    "enrollment_code_used": N_("the enrolment code was already used; ask the district for a new one"),
    "enrollment_code_expired": N_("the enrolment code has expired; ask the district for a new one"),
    "unauthorized": N_("the enrolment code was not accepted; ask the district for a new one"),
}


def _refused(code: str | None, status: int | None) -> EnrollmentFailed:
    reason = ENROLLMENT_REASONS.get(code or "")
    if reason is None:
        reason = N_("the server answered with an error (code {status}); try again later or ask the district")
        return EnrollmentFailed(reason=_(reason).format(status=status or "?"))
    return EnrollmentFailed(reason=_(reason))


class NotEnrolled(DomainError):
    code = "not_enrolled"
    template = N_("This computer is not enrolled at a district server yet.")


@dataclass
class CycleReport:
    ok: bool = False
    outcome: str = "ok"  # ok | not_enrolled | offline | needs_reenroll | revoked | restored | busy | storage
    sent: int = 0
    acked: int = 0
    conflicts: int = 0
    rejected: int = 0
    pulled: int = 0
    applied: int = 0
    deferred: int = 0
    leases: int = 0
    unused_reported: int = 0
    clock_offset_seconds: float | None = None
    retry_in: float | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# --- the per-directory lock ----------------------------------------------------------------------------


class DirLock:
    """An exclusive advisory lock on a file (fcntl / msvcrt): one sync cycle per data directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: Any = None
        self._thread_lock = threading.Lock()

    def acquire(self, timeout: float = 0.0) -> bool:
        deadline = time.monotonic() + timeout
        got = self._thread_lock.acquire(True, timeout) if timeout > 0 else self._thread_lock.acquire(False)
        if not got:
            return False
        while True:
            fh = self.path.open("a+b")
            try:
                if sys.platform == "win32":
                    import msvcrt

                    msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
                else:
                    import fcntl

                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._fh = fh
                return True
            except OSError:
                fh.close()
                if time.monotonic() >= deadline:
                    self._thread_lock.release()
                    return False
                time.sleep(0.05)

    def release(self) -> None:
        if self._fh is not None:
            with suppress(OSError):
                if sys.platform == "win32":
                    import msvcrt

                    msvcrt.locking(self._fh.fileno(), msvcrt.LK_UNLCK, 1)
                else:
                    import fcntl

                    fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None
            self._thread_lock.release()


# --- helpers ---------------------------------------------------------------------------------------------


def _naive_utc(when: dt.datetime) -> dt.datetime:
    return when.astimezone(dt.UTC).replace(tzinfo=None) if when.tzinfo else when


def _device(session: Session) -> Device:
    d = session.execute(select(Device)).scalar_one_or_none()
    if d is None:
        raise NotEnrolled()
    return d


def outbox_high_water(session: Session) -> int:
    """The highest outbox sequence ever handed out here (sqlite_sequence survives deleted rows)."""
    row = session.execute(text("SELECT seq FROM sqlite_sequence WHERE name = 'outbox_change'")).first()
    top = session.execute(text("SELECT max(seq) FROM outbox_change")).scalar()
    return max(int(row[0]) if row else 0, int(top or 0))


@dataclass
class _Row:
    seq: int
    change_id: str
    entity: str
    entity_id: str
    op: str
    base_version: int | None
    payload: str  # stored JSON text, sent as is
    payload_hash: str
    attempts: int
    size: int


# --- the client ------------------------------------------------------------------------------------------


class SyncClient:
    """Synchronises one office store with its district server."""

    def __init__(self, store: Store, *, http_factory: Callable[[str, str | None], DistrictHttp] | None = None,
                 batch_changes: int = p.MAX_PUSH_CHANGES, batch_bytes: int = p.MAX_PUSH_BYTES,
                 pull_limit: int = p.DEFAULT_PULL_LIMIT, lease_size: int | None = None,
                 backoff: Backoff | None = None, row_retry_base: float = ROW_RETRY_BASE) -> None:
        self.store = store
        self.http_factory = http_factory or (lambda url, token: DistrictHttp(url, token))
        self.batch_changes = min(batch_changes, p.MAX_PUSH_CHANGES)
        self.batch_bytes = min(batch_bytes, p.MAX_PUSH_BYTES)
        self.pull_limit = pull_limit
        self.lease_size = lease_size
        self.backoff = backoff or Backoff()
        self.row_retry_base = row_retry_base
        self.retry_at = 0.0  # monotonic time before which pushes wait (after a failure)
        self.lock = DirLock(store.paths.root / LOCK_FILE)
        self._server_asked_wait = False

    # -- enrollment ---------------------------------------------------------------------------------

    def enroll(self, server_url: str, code: str, name: str | None = None, *, actor: Actor) -> p.EnrollResponse:
        """Register this device's public key at the district with a one-time code: an administrator
        signed in (never the program acting for itself), never an office holding demo data. Sends the
        local device id (signed into letters issued before enrolment) and the numbering high-water
        marks per year and sequence."""
        from kiosk.services.demo import holds_demo_data

        require_user(actor, "sync.enroll")
        with self.store.read() as s:
            if holds_demo_data(s):
                raise DemoOfficeCannotEnroll()
            d = _device(s)
            req = p.EnrollRequest(
                code=code.strip(), device_name=(name or d.name or "Kantor")[:200],
                public_key=base64.b64encode(d.public_key).decode("ascii"),
                last_outbox_seq=outbox_high_water(s),
                letter_numbers=[p.NumberHighWater(**m) for m in leases.high_water_marks(s)],
                local_device_id=d.id,
            )
            restored = d.restored_at is not None
        http = self.http_factory(server_url, None)
        try:
            resp = http.enroll(req)
        except Unauthorized as exc:
            raise _refused(exc.code or "unauthorized", exc.status) from exc
        except HttpError as exc:
            raise _refused(exc.code, exc.status) from exc
        except Unreachable as exc:
            raise EnrollmentUnreachable(url=server_url) from exc
        finally:
            http.close()
        with self.store.write() as s:
            d = _device(s)
            d.district_url = http.base
            d.server_device_id = resp.device_id
            d.token = resp.token
            d.role = resp.role
            d.enrolled_at = utcnow()
            d.needs_reenroll = False
            d.revoked = False
            d.last_server_time = _naive_utc(resp.server_time)
            if resp.role == "kiosk":
                _scrub_kiosk_niks(s, resp.nik_key)
            if restored:
                # numbers of the old leases may have been used by letters lost with the restore
                reported = list(st.get_state(s, st.K_UNUSED_REPORTED, []))
                for lease in s.execute(select(LetterNumberLease).where(LetterNumberLease.closed.is_(False))).scalars():
                    lease.closed = True
                    reported.append(lease.id)
                st.put_state(s, st.K_UNUSED_REPORTED, reported)
                d.restored_at = None
            st.put_state(s, st.K_OFFLINE_SINCE, None)
            st.put_state(s, st.K_LAST_ERROR, None)
            write_audit(s, actor, action="sync.enroll", entity="device", entity_id=d.id,
                        details={"server": http.base, "device_id": resp.device_id, "role": resp.role})
        if resp.role == "kiosk":
            _vacuum(self.store)  # the emptied NIKs must not linger in free pages of the file
        self._write_sidecar()
        self.backoff.reset()
        self.retry_at = 0.0
        log.info("enrolled at %s as device %s (%s)", http.base, resp.device_id, resp.role)
        return resp

    # -- the cycle ---------------------------------------------------------------------------------

    def run_cycle(self, *, force: bool = False, lock_timeout: float = 30.0, actor: Actor | None = None) -> CycleReport:
        """One full sync: push, pull, leases. Never raises for network trouble (see the report).
        ``actor`` None is the program itself (the scheduled sync); a user must hold ``sync.run``."""
        if actor is not None:
            require(actor, "sync.run")
        report = CycleReport()
        if not self.lock.acquire(lock_timeout):
            report.outcome, report.error = "busy", "another sync is running"
            return report
        try:
            self._recover_in_flight()
            with self.store.read() as s:
                d = s.execute(select(Device)).scalar_one_or_none()
                if d is None or not d.token or not d.district_url:
                    report.outcome = "not_enrolled"
                    return report
                if d.revoked:
                    report.outcome = "revoked"
                    return report
                if d.restored_at is not None:
                    report.outcome = "restored"
                    return report
                if d.needs_reenroll:
                    report.outcome = "needs_reenroll"
                    return report
                url, token, role = d.district_url, d.token, d.role
            if self._detect_restore():
                report.outcome = "restored"
                return report
            http = self.http_factory(url, token)
            if not force and time.monotonic() < self.retry_at and not self._connection_returned(http):
                http.close()
                report.outcome = "offline"
                report.retry_in = self.retry_at - time.monotonic()
                return report
            try:
                self._cycle(http, role, report)
                report.ok = True
                self._succeeded()
            except Unreachable as exc:
                self._offline(exc, report)
            except Unauthorized as exc:
                self._set_device(needs_reenroll=True)
                self._note_error(f"401 {exc.code or 'unauthorized'}")
                report.outcome, report.error = "needs_reenroll", "unauthorized"
            except Revoked:
                self._set_device(revoked=True)
                self._note_error("403 device_revoked")
                report.outcome, report.error = "revoked", "device_revoked"
            except DeviceRestored:
                # the district saw this device's local sequence go backwards (an old backup): like 401,
                # pause as "needs re-enrolment" and keep the whole queue
                # (the same verdict as the local check: numbers wait, the old leases close at re-enrolment)
                log.error("the district refuses this device: restored from an old backup, enroll it again")
                self._set_device(needs_reenroll=True, restored_at=utcnow())
                self._note_error("409 device_restored")
                report.outcome, report.error = "restored", "device_restored"
            except HttpError as exc:
                self._offline(Unreachable(str(exc), status=exc.status, code=exc.code), report)
            finally:
                http.close()
            return report
        except Exception as exc:
            storage = classify(exc)
            if storage is None:
                raise
            cause = exc.__cause__ if isinstance(exc, StorageError) else exc
            log.error("sync stopped by a local storage error: %s", cause or exc)
            report.outcome = "storage"
            report.error = storage.user_message() + (f" ({cause})" if cause is not None else "")
            self._note_storage_failure(report.error)
            return report
        finally:
            self.lock.release()

    def _note_storage_failure(self, message: str) -> None:
        """Best effort (the disk may be too full even for this): the status shows the failed cycle
        instead of the last success (``sync_state.K_LAST_FAILURE``)."""
        try:
            with self.store.write() as s:
                st.put_state(s, st.K_LAST_FAILURE, utcnow().isoformat())
                st.put_state(s, st.K_LAST_ERROR, message[:500])
        except (StorageError, OSError) as exc:
            log.warning("the failed sync could not be noted either: %s", exc)

    def _cycle(self, http: DistrictHttp, role: str, report: CycleReport) -> None:
        ping = http.ping()
        server_now = _naive_utc(ping.server_time)
        offset = (server_now - utcnow()).total_seconds()
        report.clock_offset_seconds = round(offset, 1)
        with self.store.write() as s:
            d = _device(s)
            if d.last_server_time is None or server_now > d.last_server_time:
                d.last_server_time = server_now
            st.put_state(s, st.K_CLOCK_OFFSET, round(offset, 1))
            st.put_state(s, st.K_OFFLINE_SINCE, None)
        if abs(offset) > CLOCK_WARN_SECONDS:
            report.warnings.append("clock_off")
        suspect = self.push_all(http, report)
        self.pull_all(http, report)
        if role == "office":
            today = office_date(ping.server_time)
            self.refresh_leases(http, report, today)
        if self._report_status(http) and suspect is not None:
            self._strike(*suspect)  # the server wrote that report, yet failed on this change alone

    def _report_status(self, http: DistrictHttp) -> bool:
        """Best effort: the district's overview shows what still waits here. Never fails a cycle."""
        with self.store.read() as s:
            pending, oldest = s.execute(
                select(func.count(), func.min(OutboxChange.created_at))
                .where(OutboxChange.state.in_(("pending", "in_flight")))
            ).one()
            needs_action = s.execute(
                select(func.count()).where(OutboxChange.state.in_(("rejected", "conflict")))
            ).scalar_one()
        try:
            http.report_status(pending=int(pending), needs_action=int(needs_action),
                               oldest_pending_at=oldest.isoformat() if oldest else None)
        except TransportError as exc:
            log.info("status report not delivered: %s", exc)
            return False
        return True

    def _connection_returned(self, http: DistrictHttp) -> bool:
        """While waiting after a network failure, a cheap ping tells when the district is back (not when
        the server itself asked us to wait: 5xx, 429 with Retry-After)."""
        if self._server_asked_wait:
            return False
        try:
            http.ping()
        except TransportError:
            return False
        return True

    def _succeeded(self) -> None:
        self.backoff.reset()
        self.retry_at = 0.0
        with self.store.write() as s:
            st.put_state(s, st.K_LAST_SUCCESS, utcnow().isoformat())
            st.put_state(s, st.K_OFFLINE_SINCE, None)
            st.put_state(s, st.K_LAST_ERROR, None)
            st.put_state(s, st.K_LAST_FAILURE, None)
        self._write_sidecar()

    def _offline(self, exc: Unreachable, report: CycleReport) -> None:
        delay = self.backoff.failed(exc.retry_after)
        self._server_asked_wait = exc.status is not None
        self.retry_at = time.monotonic() + delay
        report.outcome, report.error, report.retry_in = "offline", str(exc), delay
        with self.store.write() as s:
            if not st.get_state(s, st.K_OFFLINE_SINCE):
                st.put_state(s, st.K_OFFLINE_SINCE, utcnow().isoformat())
            st.put_state(s, st.K_LAST_ERROR, str(exc)[:500])
        log.info("district unreachable (%s); next try in %.0f s", exc, delay)

    def _note_error(self, message: str) -> None:
        with self.store.write() as s:
            st.put_state(s, st.K_LAST_ERROR, message)
            st.put_state(s, st.K_OFFLINE_SINCE, None)  # reachable: not "offline"

    def _set_device(self, **values: Any) -> None:
        with self.store.write() as s:
            d = _device(s)
            for k, v in values.items():
                setattr(d, k, v)

    def _recover_in_flight(self) -> int:
        """Rows left in flight by a process that died: back to pending (the server dedupes)."""
        with self.store.write() as s:
            result = s.execute(update(OutboxChange).where(OutboxChange.state == "in_flight")
                               .values(state="pending"))
            return int(getattr(result, "rowcount", 0) or 0)

    # -- restored backups ---------------------------------------------------------------------------

    def _sidecar_path(self) -> Path:
        return self.store.paths.root / SIDECAR

    def _write_sidecar(self) -> None:
        """What the district has seen from this device, kept beside (not inside) the database: a
        database restored from an old backup falls behind it."""
        with self.store.read() as s:
            d = s.execute(select(Device)).scalar_one_or_none()
            if d is None or not d.server_device_id:
                return
            acked = s.execute(text("SELECT max(seq) FROM outbox_change WHERE state != 'pending'")).scalar()
            numbers = {f"{m['year']}|{m['sequence_key']}": m["last_number"] for m in leases.high_water_marks(s)}
            data = {"server_device_id": d.server_device_id, "sent_seq": int(acked or 0), "numbers": numbers}
        durable.write_text(self._sidecar_path(), json.dumps(data))

    def _detect_restore(self) -> bool:
        path = self._sidecar_path()
        try:
            seen = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        with self.store.read() as s:
            d = _device(s)
            if seen.get("server_device_id") != d.server_device_id:
                return False
            seq = outbox_high_water(s)
            numbers = {f"{m['year']}|{m['sequence_key']}": m["last_number"] for m in leases.high_water_marks(s)}
        behind = seq < int(seen.get("sent_seq", 0)) or any(
            numbers.get(k, 0) < int(v) for k, v in dict(seen.get("numbers") or {}).items())
        if behind:
            log.error("the database is behind what the district saw from it: restored from a backup")
            self._set_device(restored_at=utcnow(), needs_reenroll=True)
            self._note_error("restored_backup")
        return behind

    # -- push ---------------------------------------------------------------------------------------

    def push_all(self, http: DistrictHttp, report: CycleReport) -> tuple[_Row, str] | None:
        """Push every due change. A batch the server fails on (5xx) is halved until the change it chokes
        on stands alone; that change waits (backoff) while the rest flows, and once the server has taken
        other changes after failing on it ``POISON_STRIKES`` times it is held for staff as "needs action"
        (issue 20.5; the cycle's status report, a write the server took, counts as such a proof too: the
        change is returned). Single changes of different records failing one after another mean the
        server itself is unwell: the cycle stops there (offline, backoff), holding nothing."""
        limit = self.batch_changes
        server_errors = 0  # single-change batches failed in a row
        suspect: tuple[_Row, str] | None = None  # the last change that failed alone, and how
        batch: list[_Row] | None = None
        while True:
            if batch is None:
                batch = self._plan_and_mark(limit)
            if not batch:
                return suspect
            body = self._encode(batch)
            try:
                answer = http.push_raw(body)
            except Unreachable as exc:
                if exc.status is not None and exc.status >= 500 and exc.status != 503:
                    self._unmark(batch, f"HTTP {exc.status}")
                    if len(batch) > 1:  # find the change the server chokes on; the rest flows
                        limit = max(1, len(batch) // 2)
                        batch = None
                        continue
                    server_errors += 1
                    if server_errors >= SERVER_UNWELL:
                        raise
                    suspect = (batch[0], f"http_{exc.status}")
                    self._delay_row(batch[0])
                    batch = None
                    continue
                self._unmark(batch, str(exc)[:200])
                raise
            except DeviceRestored:
                self._unmark(batch, "409 device_restored")
                raise
            except HttpError as exc:
                self._unmark(batch, f"HTTP {exc.status} {exc.code or ''}".strip())
                if len(batch) > 1:
                    limit = max(1, len(batch) // 2)
                    batch = None
                    continue
                if exc.status in (409, 413, 422, 400):  # this one change cannot be taken: stop the record
                    self._reject_rows(batch, exc.code or f"http_{exc.status}")
                    batch = None
                    continue
                raise
            except BaseException:
                self._unmark(batch, "interrupted")
                raise
            server_errors = 0
            if suspect is not None:  # the server works, yet failed on that change alone
                self._strike(*suspect)
                suspect = None
            limit = min(self.batch_changes, limit * 2)
            # the answer and the next batch's in-flight marks: one local transaction (one fsync)
            batch = self._record_answers(batch, answer, report, plan_next=limit)

    def _plan_and_mark(self, limit: int) -> list[_Row]:
        """Choose the next batch and mark it in flight, in one local transaction."""
        with self.store.write() as s:
            return self._plan_in(s, limit)

    def _plan_in(self, s: Session, limit: int) -> list[_Row]:
        """Choose the next batch (FIFO per record, isolation, parents first) and mark it in flight inside
        the caller's transaction: one read of the unacked window, a few statements in all."""
        now = utcnow()
        conn = s.connection()
        blocked = st.blocked_records(s)  # (an ORM query: flushes issues added in this transaction first)
        rows = conn.exec_driver_sql(
            "SELECT seq, change_id, entity, entity_id, op, base_version, payload, payload_hash, attempts,"
            " next_attempt_at FROM outbox_change WHERE state IN ('pending', 'in_flight') ORDER BY seq LIMIT ?",
            (min(WINDOW, max(2 * limit, 1000)),),
        ).all()
        unacked: set[tuple[str, str]] = set()  # records with an earlier change not (yet) acked
        chosen: list[_Row] = []
        local_only: list[int] = []
        size = 0
        for r in rows:
            seq, entity, entity_id, payload = r[0], r[2], r[3], r[6]
            key = (entity, entity_id)
            if entity not in p.KNOWN_ENTITIES:
                local_only.append(seq)
                continue
            length = len(payload)
            free = key not in unacked and key not in blocked
            if free and (unacked or blocked):
                free = not any(pk in unacked or pk in blocked for pk in _parents(payload) if pk != key)
            due = r[9] is None or _due(r[9], now)
            fits = not chosen or size + length + 300 <= self.batch_bytes
            if free and due and fits:
                chosen.append(_Row(seq, r[1], entity, entity_id, r[4], r[5], payload, r[7], r[8], length))
                size += length + 300
            unacked.add(key)
            if len(chosen) >= limit or size >= self.batch_bytes:
                break
        if local_only:  # old rows of a local-only entity (office_profile): never sent
            conn.exec_driver_sql(
                f"UPDATE outbox_change SET state = 'acked', acked_at = ?, last_error = 'local_only'"
                f" WHERE seq IN ({','.join('?' * len(local_only))})", (_db_time(now), *local_only))
        if not chosen:
            return chosen
        updates = [c for c in chosen if c.op != "create"]
        if updates:
            entities = sorted({c.entity for c in updates})
            ids = sorted({c.entity_id for c in updates})
            bases = {(e, i): v for e, i, v in conn.exec_driver_sql(
                f"SELECT entity, entity_id, server_version FROM sync_record WHERE entity IN"
                f" ({','.join('?' * len(entities))}) AND entity_id IN ({','.join('?' * len(ids))})",
                (*entities, *ids)).all()}
            for c in updates:
                known = bases.get((c.entity, c.entity_id))
                if known is not None:
                    c.base_version = known
        for i in range(0, len(chosen), 500):
            part = [c.seq for c in chosen[i:i + 500]]
            conn.exec_driver_sql(
                "UPDATE outbox_change SET state = 'in_flight', attempts = attempts + 1"
                f" WHERE state = 'pending' AND seq IN ({','.join('?' * len(part))})", tuple(part))
        return chosen

    def _encode(self, batch: list[_Row]) -> bytes:
        q = _json_string
        parts = [
            f'{{"change_id":{q(c.change_id)},"device_seq":{int(c.seq)},"entity":{q(c.entity)},'
            f'"entity_id":{q(c.entity_id)},"op":{q(c.op)},'
            f'"base_version":{"null" if c.base_version is None else int(c.base_version)},'
            f'"payload_hash":{q(c.payload_hash)},"payload":{c.payload}}}'
            for c in batch
        ]
        return ('{"changes":[' + ",".join(parts) + "]}").encode("utf-8")

    def _unmark(self, batch: list[_Row], error: str) -> None:
        with self.store.write() as s:
            seqs = [c.seq for c in batch]
            for i in range(0, len(seqs), 500):
                s.execute(update(OutboxChange).where(OutboxChange.seq.in_(seqs[i:i + 500]),
                                                     OutboxChange.state == "in_flight")
                          .values(state="pending", last_error=error))

    def _delay_row(self, row: _Row) -> None:
        wait = full_jitter(row.attempts, base=self.row_retry_base)
        with self.store.write() as s:
            s.execute(update(OutboxChange).where(OutboxChange.seq == row.seq).values(
                next_attempt_at=utcnow() + dt.timedelta(seconds=wait)))

    def _strike(self, row: _Row, reason: str) -> None:
        """One more proof that the server fails on this change alone; at ``POISON_STRIKES`` it is held
        for staff (rejected, an issue) instead of being sent again and again."""
        with self.store.write() as s:
            strikes = dict(st.get_state(s, st.K_STRIKES, {}))
            strikes[row.change_id] = int(strikes.get(row.change_id, 0)) + 1
            held = strikes[row.change_id] >= POISON_STRIKES
            if held:
                del strikes[row.change_id]
            st.put_state(s, st.K_STRIKES, strikes or None)
        if held:
            log.error("the district keeps failing on change %s (%s %s) alone: held for staff", row.change_id,
                      row.entity, row.op)
            self._reject_rows([row], reason)

    def _reject_rows(self, batch: list[_Row], reason: str) -> None:
        with self.store.write() as s:
            for c in batch:
                s.execute(update(OutboxChange).where(OutboxChange.seq == c.seq).values(
                    state="rejected", last_error=reason))
                st.add_issue(s, kind="rejected", entity=c.entity, entity_id=c.entity_id, change_id=c.change_id,
                             reason=reason)

    def _record_answers(self, batch: list[_Row], answer: p.PushResponse, report: CycleReport,
                        plan_next: int = 0) -> list[_Row]:
        """Mark every answered row in one local transaction; unanswered rows go back to pending. With
        ``plan_next`` the next batch is chosen and marked in flight in the same transaction."""
        by_id = {r.change_id: r for r in answer.results}
        now = utcnow()
        stamp = _db_time(now)
        report.sent += len(batch)
        acked: list[tuple[Any, ...]] = []
        versions: list[tuple[Any, ...]] = []
        unanswered: list[int] = []
        refused: list[tuple[Any, ...]] = []
        with self.store.write() as s:
            conn = s.connection()
            for c in batch:
                res = by_id.get(c.change_id)
                if res is None:
                    unanswered.append(c.seq)
                    continue
                if res.status in ("applied", "duplicate"):
                    acked.append((stamp, res.server_seq, res.reason, c.seq))
                    if res.version is not None:
                        versions.append((c.entity, c.entity_id, res.version))
                    report.acked += 1
                    continue
                state = "conflict" if res.status == "conflict" else "rejected"
                refused.append((state, res.reason, c.seq))
                fields: dict[str, Any] = {}
                if res.conflict is not None:
                    fields = {k: {"local": v.device, "server": v.server} for k, v in res.conflict.fields.items()}
                st.add_issue(s, kind=state, entity=c.entity, entity_id=c.entity_id, change_id=c.change_id,
                             reason=res.reason, fields=fields,
                             server_version=res.conflict.server_version if res.conflict else res.version)
                if state == "conflict":
                    report.conflicts += 1
                else:
                    report.rejected += 1
            if acked:
                conn.exec_driver_sql("UPDATE outbox_change SET state = 'acked', acked_at = ?, server_seq = ?,"
                                     " last_error = ? WHERE seq = ?", acked)
            if unanswered:
                conn.exec_driver_sql(
                    "UPDATE outbox_change SET state = 'pending', last_error = 'no answer'"
                    f" WHERE seq IN ({','.join('?' * len(unanswered))})", tuple(unanswered))
            if refused:
                conn.exec_driver_sql("UPDATE outbox_change SET state = ?, last_error = ? WHERE seq = ?", refused)
            if versions:
                conn.exec_driver_sql(
                    "INSERT INTO sync_record (entity, entity_id, server_version, applied_version) VALUES (?, ?, ?, 0)"
                    " ON CONFLICT (entity, entity_id) DO UPDATE SET server_version ="
                    " max(server_version, excluded.server_version)", versions)
                entities = sorted({v[0] for v in versions})
                ids = sorted({v[1] for v in versions})
                for e, i in conn.exec_driver_sql(
                        "SELECT entity, entity_id FROM sync_record WHERE deferred IS NOT NULL AND entity IN"
                        f" ({','.join('?' * len(entities))}) AND entity_id IN ({','.join('?' * len(ids))})",
                        (*entities, *ids)).all():
                    st.apply_deferred(s, e, i)
            return self._plan_in(s, plan_next) if plan_next > 0 else []

    # -- pull ---------------------------------------------------------------------------------------

    def pull_all(self, http: DistrictHttp, report: CycleReport) -> None:
        with self.store.read() as s:
            cursor = int(st.get_state(s, st.K_CURSOR, 0))
            progress = st.get_state(s, st.K_SNAPSHOT)
            me = _device(s).server_device_id
        reloads = 0
        if progress:  # a re-sync from the snapshot was interrupted: go on where it stopped
            cursor = self.reload_snapshot(http, report, progress)
            reloads += 1
        while True:
            page = http.pull(cursor, self.pull_limit)
            if page.reset_required:
                if reloads >= 2:
                    report.warnings.append("reset_loop")
                    log.error("the district still asks for a full re-sync after reloading the village")
                    return
                log.warning("cursor %s too old for the district: reloading the village from its snapshot", cursor)
                cursor = self.reload_snapshot(http, report, None)
                reloads += 1
                continue
            changes = [c.model_dump() for c in page.changes]
            with self.store.write() as s:
                stats = st.apply_pulled(s, _not_own_creates(s, changes, me))
                st.put_state(s, st.K_CURSOR, page.next_cursor)
            report.pulled += len(changes)
            report.applied += stats.applied
            report.deferred += stats.deferred
            cursor = page.next_cursor
            if not page.has_more:
                break
        with self.store.write() as s:
            st.retry_failed_applies(s)

    def reload_snapshot(self, http: DistrictHttp, report: CycleReport, progress: dict[str, Any] | None) -> int:
        """Full re-sync (the cursor is older than the district's compacted change log): page through the
        village's current records, parents first, each page applied (never over a record with local
        changes) together with the progress in one local transaction, so an interruption resumes at the
        next page. The cursor becomes the first page's ``server_seq``: whatever changed while paging is
        either in a later page or comes again through the pull. Returns that cursor."""
        progress = dict(progress or {"entity": 0, "after_id": None, "server_seq": None})
        if progress.get("server_seq") is None:
            with self.store.write() as s:
                st.put_state(s, st.K_SNAPSHOT, progress)
        while int(progress["entity"]) < len(SNAPSHOT_ORDER):
            entity = SNAPSHOT_ORDER[int(progress["entity"])]
            page = http.snapshot(entity=entity, after_id=progress.get("after_id"), limit=self.pull_limit)
            if progress.get("server_seq") is None:
                progress["server_seq"] = page.server_seq
            changes = [{"entity": r.entity, "entity_id": r.entity_id, "version": r.version, "payload": r.payload,
                        "op": "delete" if r.deleted else "update"} for r in page.records if r.entity == entity]
            if page.has_more and page.next_after_id:
                progress["after_id"] = page.next_after_id
            else:
                progress["entity"], progress["after_id"] = int(progress["entity"]) + 1, None
            done = int(progress["entity"]) >= len(SNAPSHOT_ORDER)
            with self.store.write() as s:
                stats = st.apply_pulled(s, changes, full_resync=True)
                if done:
                    st.put_state(s, st.K_CURSOR, int(progress["server_seq"]))
                    st.put_state(s, st.K_SNAPSHOT, None)
                    st.put_state(s, st.K_FULL_RESYNC, False)
                else:
                    st.put_state(s, st.K_SNAPSHOT, progress)
            report.pulled += len(changes)
            report.applied += stats.applied
            report.deferred += stats.deferred
        log.info("village reloaded from the district's snapshot; pulling after %s", progress["server_seq"])
        return int(progress["server_seq"])

    # -- leases -------------------------------------------------------------------------------------

    def refresh_leases(self, http: DistrictHttp, report: CycleReport, today: dt.date) -> None:
        with self.store.write() as s:
            size = int(self.lease_size or st.get_state(s, st.K_LEASE_SIZE, leases.DEFAULT_LEASE_SIZE))
            leases.close_expired(s, today)
            wanted = leases.needs(s, today, size)
        for need in wanted:
            try:
                got = http.lease(need.year, need.sequence_key, need.size)
            except HttpError as exc:
                if exc.status == 403:  # not an office device at the district
                    return
                raise
            with self.store.write() as s:
                leases.store_lease(s, lease_id=got.lease_id, year=got.year, sequence_key=got.sequence_key,
                                   start=got.start, end=got.end)
            report.leases += 1
        with self.store.read() as s:
            reported = list(st.get_state(s, st.K_UNUSED_REPORTED, []))
            todo = leases.unused_to_report(s, reported)
        for lease_id, numbers in todo.items():
            try:
                for i in range(0, max(1, len(numbers)), p.MAX_LEASE_SIZE):
                    http.report_unused(lease_id, numbers[i:i + p.MAX_LEASE_SIZE])
                report.unused_reported += len(numbers)
            except HttpError as exc:  # e.g. a lease of this device's previous enrollment
                log.warning("unused numbers of lease %s not reported: %s", lease_id, exc)
            reported.append(lease_id)
            with self.store.write() as s:
                st.put_state(s, st.K_UNUSED_REPORTED, reported)

    # -- revoked devices ----------------------------------------------------------------------------

    def export_queue(self, path: Path, *, actor: Actor) -> int:
        """Write every change the district has not acknowledged as JSON (a revoked device's queue): the
        residents' data in plain text, so only an administrator who signed in, audited."""
        require_user(actor, "sync.export_queue")
        with self.store.write() as s:
            write_audit(s, actor, action="sync.export_queue", entity="device", entity_id=_device(s).id,
                        details={"file": str(path)})
        with self.store.read() as s:
            d = _device(s)
            rows = s.execute(select(OutboxChange).where(OutboxChange.state.notin_(("acked", "superseded")))
                             .order_by(OutboxChange.seq)).scalars().all()
            changes = [{"change_id": r.change_id, "device_seq": r.seq, "entity": r.entity,
                        "entity_id": r.entity_id, "op": r.op, "base_version": r.base_version,
                        "payload": r.payload, "payload_hash": r.payload_hash, "state": r.state,
                        "last_error": r.last_error, "created_at": r.created_at.isoformat()} for r in rows]
            data = {
                "protocol_version": p.PROTOCOL_VERSION, "exported_at": utcnow().isoformat(),
                "device": {"id": d.id, "server_device_id": d.server_device_id, "name": d.name,
                           "public_key": base64.b64encode(d.public_key).decode("ascii")},
                "changes": changes,
            }
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, path)
        return len(changes)


def _not_own_creates(session: Session, changes: list[dict[str, Any]], me: str | None) -> list[dict[str, Any]]:
    """The pulled changes without this device's own creates, known by origin device and by the server
    sequence its acknowledged outbox row holds: the device has that state already (it sent it).
    Its own updates are kept: the server may have merged another device's fields into them."""
    own = [int(c["server_seq"]) for c in changes if c.get("origin_device") == me and c["op"] == "create"]
    if not own or me is None:
        return changes
    mine: set[int | None] = set()
    for i in range(0, len(own), 500):
        mine.update(session.execute(select(OutboxChange.server_seq).where(
            OutboxChange.state == "acked", OutboxChange.server_seq.in_(own[i:i + 500]))).scalars())
    return [c for c in changes if not (c["op"] == "create" and int(c["server_seq"]) in mine
                                       and c.get("origin_device") == me)]


_PARENT_KEYS = tuple((f'"{name}"', name, entity) for name, entity in st.PARENT_FIELDS.items())
_json_string: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]


def _scrub_kiosk_niks(session: Session, key: str | None) -> None:
    """A kiosk keeps no NIK (issue 19.2): the village's NIK-hash key is stored, residents already on this
    device keep only the keyed hash of their NIK (``extra.nik_key``), and every NIK column is emptied.
    Later pulls bring residents in that shape from the district."""
    from kiosk.models import Resident
    from kiosk.security import lookup_key

    st.put_state(session, st.K_KIOSK_NIK_KEY, key)
    for resident in session.execute(select(Resident)).scalars():
        nik = resident.nik
        resident.extra = {"nik_key": lookup_key(nik, key)} if nik and key else {}
        resident.nik = resident.kk_number = resident.father_nik = resident.mother_nik = None


def _vacuum(store: Store) -> None:
    try:
        with store.engine.connect() as conn:
            conn.exec_driver_sql("VACUUM")
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    except Exception:  # a full disk or a busy file: the rows are scrubbed anyway, the file is compacted later
        log.warning("could not compact the kiosk database after removing NIKs", exc_info=True)


def _parents(payload: str) -> list[tuple[str, str]]:
    """The records a change's payload (stored JSON text) names as parents (parsed only when one is named)."""
    if not any(quoted in payload for quoted, _, _ in _PARENT_KEYS):
        return []
    data = json.loads(payload)
    if not isinstance(data, dict):
        return []
    return [(entity, str(data[name])) for _, name, entity in _PARENT_KEYS if data.get(name)]


def _db_time(when: dt.datetime) -> str:
    """A naive-UTC time as SQLAlchemy's SQLite DateTime stores it (for raw statements): asked of
    SQLAlchemy itself (``kiosk.changes.sqlite_datetime_text``), not copied by hand."""
    return sqlite_datetime_text(when)


def office_date(server_time: dt.datetime) -> dt.date:
    """Today at the office, by the district's clock (the device's own may be wrong)."""
    return server_time.astimezone().date()


def _due(value: Any, now: dt.datetime) -> bool:
    when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    # a clock that jumped back makes a far-future retry time meaningless: the longest wait is 30 min
    return when <= now or when > now + dt.timedelta(minutes=31)


@contextmanager
def client_for(data_dir: str | Path | None = None) -> Iterator[SyncClient]:
    store = Store.open(data_dir)
    try:
        yield SyncClient(store)
    finally:
        store.close()


__all__ = ["CycleReport", "EnrollmentFailed", "NotEnrolled", "SyncClient", "TransportError"]
