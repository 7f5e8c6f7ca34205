"""Penduduk and keluarga: registering and editing residents, families (KK), population events, kiosk PIN.

Every change runs in one ``Store.write()`` transaction with its audit entry and outbox row
(``kiosk.changes.record_change``). NIK checks come from ``kiosk.nik``: errors raise
``ValidationError`` with per-field messages; warnings raise ``NikWarnings`` unless the caller passes
``accept_warnings=True`` (staff chose "simpan tetap"), in which case they are stored on the resident
and named in the audit entry. Search lives in ``residents_search``, import/export in
``residents_import``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk import nik as nikmod
from kiosk.actor import Actor
from kiosk.changes import record_change
from kiosk.db import Store, get_or_raise
from kiosk.errors import ConflictError, DomainError, ValidationError
from kiosk.i18n import N_, _
from kiosk.models import AuditEntry, Family, PopulationEvent, Resident, utcnow
from kiosk.permissions import require
from kiosk.refdata import code_list
from kiosk.text import fold_name

if TYPE_CHECKING:
    from kiosk.services.residents_import import ImportReport, ProgressCallback
    from kiosk.services.residents_search import ResidentQuery, SearchPage

log = logging.getLogger(__name__)

# status_dasar codes
STATUS_ALIVE = 1
STATUS_DEAD = 2
STATUS_MOVED = 3
STATUS_MISSING = 4
STATUS_GONE = 6
# hubungan_keluarga (SHDK) codes
RELATION_HEAD = 1
RELATION_CHILD = 4
RELATION_OTHER = 11

EVENT_BIRTH = "birth"
EVENT_DEATH = "death"
EVENT_MOVE_IN = "move_in"
EVENT_MOVE_OUT = "move_out"
EVENT_STATUS = "status_change"

# Resident fields a caller may set, with the code list of coded ones.
CODED_FIELDS: dict[str, str] = {
    "sex": "jenis_kelamin",
    "religion": "agama",
    "marital_status": "status_perkawinan",
    "family_relation": "hubungan_keluarga",
    "education": "pendidikan_kk",
    "education_current": "pendidikan_sedang",
    "occupation": "pekerjaan",
    "blood_type": "golongan_darah",
    "citizenship": "warganegara",
    "status": "status_dasar",
}
TEXT_FIELDS = ("name", "birth_place", "father_name", "mother_name", "address", "dusun", "phone")
EDITABLE_FIELDS = frozenset(
    {"nik", "kk_number", "birth_date", "rt", "rw", "father_nik", "mother_nik", "extra", "family_id"}
    | set(TEXT_FIELDS)
    | set(CODED_FIELDS)
)
# Fields sent to the district on create (everything but local secrets and bookkeeping).
_SYNC_EXCLUDE = frozenset({"pin_hash", "created_at", "updated_at", "name_search"})

MSG_REQUIRED = N_("This field is required.")
MSG_BAD_CODE = N_("Choose one of the listed values.")
MSG_FUTURE = N_("The date cannot be in the future.")
MSG_RT_RW = N_("Write RT/RW as a number of up to 3 digits.")
MSG_PIN = N_("The PIN must be exactly 6 digits.")
WEAK_PIN_MESSAGES = {m: m for m in (  # kiosk.security.weak_pin_reason's reasons, marked for translation
    N_("The PIN must not be one digit repeated (like 111111)."),
    N_("The PIN must not be a run of digits (like 123456)."),
    N_("The PIN must not be a repeated pattern (like 121212)."),
    N_("The PIN must not be the birth date: choose digits others cannot guess."),
)}
MSG_NOT_MEMBER = N_("This resident is not a member of the family.")
MSG_HAS_HEAD = N_("The family already has a head; use “change head”.")
MSG_NOT_ACTIVE = N_("This resident is not active (died or moved away).")


class NikWarnings(DomainError):
    """The NIK or No. KK has warnings; staff must confirm ("Simpan tetap?") to save anyway."""

    code = "nik_warnings"
    template = N_("Check the identity numbers: {messages} Save anyway?")

    def __init__(self, warnings: list[nikmod.NumberIssue], field_of: dict[str, str]) -> None:
        self.warnings = list(warnings)
        self.field_of = dict(field_of)  # warning code -> field ("nik" / "kk_number")
        super().__init__(messages=" ".join(w.template for w in warnings))

    def user_message(self) -> str:
        return _(self.template).format(messages=" ".join(w.message() for w in self.warnings))

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.user_message(),
                "warnings": [{"code": w.code, "message": w.message()} for w in self.warnings]}


# --- plain data the screens and the command line get ------------------------------------------


@dataclass(frozen=True)
class ResidentRecord:
    """One resident as plain data (never the ORM row)."""

    id: str
    nik: str | None
    kk_number: str | None
    family_id: str | None
    name: str
    birth_place: str
    birth_date: dt.date | None
    sex: int | None
    religion: int | None
    marital_status: int | None
    family_relation: int | None
    education: int | None
    education_current: int | None
    occupation: int | None
    blood_type: int | None
    citizenship: int | None
    father_nik: str | None
    father_name: str
    mother_nik: str | None
    mother_name: str
    address: str
    rt: str
    rw: str
    dusun: str
    phone: str
    status: int
    extra: dict[str, Any]
    nik_warnings: list[Any]
    has_pin: bool
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    def age(self, today: dt.date | None = None) -> int | None:
        if self.birth_date is None:
            return None
        today = today or dt.date.today()
        b = self.birth_date
        return today.year - b.year - ((today.month, today.day) < (b.month, b.day))

    def values(self) -> dict[str, Any]:
        """The editable fields as a dict (what a form starts from)."""
        return {k: getattr(self, k) for k in EDITABLE_FIELDS}


def _record(r: Resident) -> ResidentRecord:
    data = {f.name: getattr(r, f.name) for f in fields(ResidentRecord) if f.name != "has_pin"}
    data["extra"] = dict(r.extra or {})
    data["nik_warnings"] = list(r.nik_warnings or [])
    return ResidentRecord(has_pin=r.pin_hash is not None, **data)


@dataclass(frozen=True)
class FamilyInfo:
    """Keluarga: one KK with its members (plain data)."""

    id: str
    kk_number: str | None
    head_resident_id: str | None
    address: str
    rt: str
    rw: str
    dusun: str
    active: bool
    version: int
    members: tuple[ResidentRecord, ...] = ()

    @property
    def head(self) -> ResidentRecord | None:
        return next((m for m in self.members if m.id == self.head_resident_id), None)

    @property
    def needs_head(self) -> bool:
        return self.active and self.head_resident_id is None


@dataclass(frozen=True)
class EventInfo:
    id: str
    resident_id: str
    kind: str
    event_date: dt.date
    details: dict[str, Any]
    recorded_at: dt.datetime
    recorded_by: str | None


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a record's edit history, from the audit trail: who, when, what, which fields."""

    at: dt.datetime
    username: str
    action: str
    fields: tuple[str, ...]
    details: dict[str, Any]


@dataclass(frozen=True)
class EventResult:
    """What an event did: the event, the resident it concerns and whether a family now needs a head."""

    event: EventInfo
    resident: ResidentRecord
    family_needs_head: str | None = None  # the family id whose head died or moved away


@dataclass(frozen=True)
class MoveResult:
    resident: ResidentRecord
    family: FamilyInfo
    old_family_needs_head: str | None = None


@dataclass
class _Checked:
    values: dict[str, Any]
    warnings: list[nikmod.NumberIssue] = field(default_factory=list)
    warning_fields: dict[str, str] = field(default_factory=dict)


# --- validation -----------------------------------------------------------------------------


def _norm_rt_rw(value: Any, key: str, errors: dict[str, str]) -> str:
    if value is None:
        return ""
    text = str(value).strip()
    if text in ("", "-"):
        return ""
    if not text.isdigit() or len(text) > 3:
        errors[key] = MSG_RT_RW
        return text
    return text.zfill(3)


def _norm_code(value: Any, key: str, errors: dict[str, str]) -> int | None:
    if value is None or value == "":
        return None
    code = code_list(CODED_FIELDS[key]).lookup(value)
    if code is None:
        errors[key] = MSG_BAD_CODE
    return code


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    shape = _DATE_SHAPES.fullmatch(text)
    if shape is None:
        raise ValueError(MSG_DATE_FORMAT)
    if shape.group("y1"):
        year, month, day = shape.group("y1", "m1", "d1")
    else:
        day, month, year = shape.group("d2", "m2", "y2")
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(MSG_DATE_IMPOSSIBLE) from None  # 31-02-2010: the shape is right, the day is not


_DATE_SHAPES = re.compile(r"(?P<y1>\d{4})-(?P<m1>\d{1,2})-(?P<d1>\d{1,2})|(?P<d2>\d{1,2})[-/.](?P<m2>\d{1,2})[-/.](?P<y2>\d{4})")
MSG_DATE_FORMAT = N_("Write the date as DD-MM-YYYY, for example 17-08-1990.")
MSG_DATE_IMPOSSIBLE = N_("There is no such date: check the day and the month.")


def normalise_fields(data: Mapping[str, Any], *, today: dt.date | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """Clean the given fields (codes looked up, RT/RW padded, numbers normalised); collect field errors.

    Only keys present in ``data`` are returned. Unknown keys are an error (a programming mistake).
    """
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"unknown resident fields: {sorted(unknown)}")
    today = today or dt.date.today()
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, value in data.items():
        if key in TEXT_FIELDS:
            out[key] = " ".join(str(value or "").split()) if key != "address" else str(value or "").strip()
            if key == "dusun" and out[key] and (out[key].islower() or out[key].isupper()):
                out[key] = out[key].title()  # "KRAJAN", "krajan" -> "Krajan": one spelling per dusun
        elif key in CODED_FIELDS:
            out[key] = _norm_code(value, key, errors)
        elif key in ("rt", "rw"):
            out[key] = _norm_rt_rw(value, key, errors)
        elif key in ("nik", "kk_number", "father_nik", "mother_nik"):
            out[key] = nikmod.normalize_nik(value)
        elif key == "birth_date":
            try:
                when = _date(value)
            except ValueError as e:
                errors[key] = str(e) if str(e) in (MSG_DATE_FORMAT, MSG_DATE_IMPOSSIBLE) else N_("Not a valid date.")
                continue
            if when is not None and when > today:
                errors[key] = MSG_FUTURE
            out[key] = when
        elif key == "extra":
            out[key] = dict(value or {})
        else:
            out[key] = value
    if "name" in out and not out["name"]:
        errors["name"] = MSG_REQUIRED
    if "sex" in data and out.get("sex") is None and "sex" not in errors:
        errors["sex"] = MSG_REQUIRED
    if "status" in out and out["status"] is None and "status" not in errors:
        out["status"] = STATUS_ALIVE
    for key in ("father_nik", "mother_nik"):
        if out.get(key) and not nikmod.check_nik(out[key]).ok:
            errors[key] = N_("This is not a valid NIK.")
    return out, errors


def _holder_lookup(session: Session, own_id: str | None) -> Any:
    def lookup(nik: str) -> str | None:
        stmt = select(Resident.id).where(Resident.nik == nik, Resident.status == STATUS_ALIVE)
        if own_id is not None:
            stmt = stmt.where(Resident.id != own_id)
        return session.execute(stmt.limit(1)).scalar()

    return lookup


def check_numbers(
    session: Session, merged: Mapping[str, Any], own_id: str | None, errors: dict[str, str],
    *, check_nik: bool = True, check_kk: bool = True,
) -> _Checked:
    """NIK and No. KK rules over the merged record; errors go into ``errors``."""
    checked = _Checked(dict(merged))
    nik = merged.get("nik")
    if check_nik and nik is not None:
        if nikmod.is_temporary_nik(nik):
            errors["nik"] = N_("A temporary NIK (starting with 0) is not stored; choose “NIK belum ada”.")
        else:
            result = nikmod.check_nik(nik, birth_date=merged.get("birth_date"), sex=merged.get("sex"),
                                      holder_lookup=_holder_lookup(session, own_id))
            if result.errors:
                errors["nik"] = result.errors[0].template
                checked.values["_nik_error_data"] = result.errors[0].data
            for w in result.warnings:
                checked.warnings.append(w)
                checked.warning_fields[w.code] = "nik"
    kk = merged.get("kk_number")
    if check_kk and kk is not None:
        result = nikmod.check_kk(kk)
        if result.errors:
            errors["kk_number"] = result.errors[0].template
            checked.values["_kk_error_data"] = result.errors[0].data
        for w in result.warnings:
            checked.warnings.append(w)
            checked.warning_fields[w.code] = "kk_number"
    return checked


class _FieldErrors(ValidationError):
    """A ValidationError whose per-field templates may carry data (``{value}`` etc.)."""

    def __init__(self, fields: dict[str, str], data: dict[str, dict[str, Any]]) -> None:
        super().__init__(fields=fields)
        self.field_data = data

    def field_messages(self) -> dict[str, str]:
        out = {}
        for k, v in self.fields.items():
            text = _(v)
            try:
                out[k] = text.format(**self.field_data.get(k, {}))
            except (KeyError, IndexError, ValueError):
                out[k] = text
        return out


def _raise_if(errors: dict[str, str], checked: _Checked | None = None) -> None:
    if not errors:
        return
    data: dict[str, dict[str, Any]] = {}
    if checked is not None:
        if "_nik_error_data" in checked.values:
            data["nik"] = checked.values["_nik_error_data"]
        if "_kk_error_data" in checked.values:
            data["kk_number"] = checked.values["_kk_error_data"]
    raise _FieldErrors(errors, data)


def _warning_records(checked: _Checked) -> list[dict[str, Any]]:
    return [{"code": w.code, "field": checked.warning_fields.get(w.code, "nik")} for w in checked.warnings]


def _sync_payload(r: Resident) -> dict[str, Any]:
    cols = [c.key for c in Resident.__table__.columns if c.key not in _SYNC_EXCLUDE]
    return {k: getattr(r, k) for k in cols}


def _family_info(session: Session, fam: Family, *, with_members: bool = True) -> FamilyInfo:
    members: tuple[ResidentRecord, ...] = ()
    if with_members:
        rows = session.execute(
            select(Resident).where(Resident.family_id == fam.id).order_by(
                Resident.family_relation, Resident.birth_date)
        ).scalars()
        members = tuple(_record(r) for r in rows)
    return FamilyInfo(fam.id, fam.kk_number, fam.head_resident_id, fam.address, fam.rt, fam.rw, fam.dusun,
                      fam.active, fam.version, members)


def _event_info(e: PopulationEvent) -> EventInfo:
    return EventInfo(e.id, e.resident_id, e.kind, e.event_date, dict(e.details or {}), e.recorded_at,
                     e.recorded_by)


# --- the service -------------------------------------------------------------------------------


class ResidentService:
    """Penduduk, keluarga and peristiwa over one store. ``clock`` gives the device's local time (tests
    replace it, as for letters, backups and complaints)."""

    def __init__(self, store: Store, clock: Callable[[], dt.datetime] | None = None) -> None:
        self.store = store
        self.clock: Callable[[], dt.datetime] = clock or _local_now

    def today(self) -> dt.date:
        return self.clock().date()

    # ---- reading ----

    def get(self, actor: Actor, resident_id: str) -> ResidentRecord:
        require(actor, "resident.view")
        with self.store.read() as s:
            return _record(self._resident(s, resident_id))

    def by_nik(self, actor: Actor, nik: str) -> ResidentRecord | None:
        """The active resident holding ``nik`` (else the most recent one), or ``None``."""
        require(actor, "resident.view")
        number = nikmod.normalize_nik(nik)
        if number is None:
            return None
        with self.store.read() as s:
            rows = list(s.execute(select(Resident).where(Resident.nik == number)).scalars())
            if not rows:
                return None
            rows.sort(key=lambda r: (r.status == STATUS_ALIVE, r.updated_at), reverse=True)
            return _record(rows[0])

    def family(self, actor: Actor, family_id: str) -> FamilyInfo:
        require(actor, "resident.view")
        with self.store.read() as s:
            return _family_info(s, self._family(s, family_id))

    def family_by_kk(self, actor: Actor, kk_number: str) -> FamilyInfo | None:
        require(actor, "resident.view")
        with self.store.read() as s:
            fam = self._family_by_kk(s, nikmod.normalize_kk(kk_number))
            return _family_info(s, fam) if fam else None

    def events(self, actor: Actor, resident_id: str) -> list[EventInfo]:
        require(actor, "resident.view")
        with self.store.read() as s:
            rows = s.execute(select(PopulationEvent).where(PopulationEvent.resident_id == resident_id)
                             .order_by(PopulationEvent.event_date, PopulationEvent.recorded_at)).scalars()
            return [_event_info(e) for e in rows]

    def history(self, actor: Actor, resident_id: str) -> list[HistoryEntry]:
        """Edit history of a resident from the audit trail (oldest first)."""
        require(actor, "resident.view")
        with self.store.read() as s:
            rows = s.execute(select(AuditEntry).where(
                AuditEntry.entity.in_(("resident", "resident_pin")), AuditEntry.entity_id == resident_id)
                .order_by(AuditEntry.seq)).scalars()
            return [HistoryEntry(e.at, e.username, e.action, tuple((e.details or {}).get("fields", ())),
                                 dict(e.details or {})) for e in rows]

    def address_choices(self, actor: Actor) -> dict[str, list[str]]:
        """The dusun, RT and RW already in the register (the form offers them, so a typo does not split
        the statistics into "Krajan" and "Kerajan")."""
        require(actor, "resident.view")
        out: dict[str, list[str]] = {}
        with self.store.read() as s:
            for key in ("dusun", "rt", "rw"):
                column = getattr(Resident, key)
                values = s.execute(select(column).where(column.is_not(None), column != "").distinct()).scalars()
                out[key] = sorted({str(v) for v in values}, key=str.casefold)
        return out

    def search(self, actor: Actor, query: ResidentQuery | str = "", **kw: Any) -> SearchPage:
        """Search as you type; see ``kiosk.services.residents_search``."""
        from kiosk.services.residents_search import search

        require(actor, "resident.view")
        return search(self.store, query, **kw)

    def count(self, actor: Actor) -> int:
        from sqlalchemy import func

        require(actor, "resident.view")
        with self.store.read() as s:
            return int(s.execute(select(func.count()).select_from(Resident)).scalar() or 0)

    # ---- registering and editing ----

    def register(
        self, actor: Actor, data: Mapping[str, Any], *, accept_warnings: bool = False,
        today: dt.date | None = None,
    ) -> ResidentRecord:
        """Register a new resident (penduduk baru). ``nik`` None means "NIK belum ada".

        A ``kk_number`` without ``family_id`` links the resident to that KK's family, creating the
        family (with this resident's address) when the KK is new.
        """
        require(actor, "resident.edit")
        with self.store.write() as s:
            r = self._register(s, actor, data, accept_warnings=accept_warnings, today=today or self.today())
            return _record(r)

    def _register(
        self, s: Session, actor: Actor, data: Mapping[str, Any], *, accept_warnings: bool,
        today: dt.date | None = None, action: str | None = None, audit_extra: dict[str, Any] | None = None,
    ) -> Resident:
        values, errors = normalise_fields(data, today=today)
        if "name" not in values:
            errors["name"] = MSG_REQUIRED
        if "sex" not in values and "sex" not in errors:
            errors["sex"] = MSG_REQUIRED
        checked = check_numbers(s, values, None, errors)
        _raise_if(errors, checked)
        if checked.warnings and not accept_warnings:
            raise NikWarnings(checked.warnings, checked.warning_fields)
        family = None
        if values.get("family_id"):
            family = self._family(s, values["family_id"])
            values.setdefault("kk_number", family.kk_number)
        elif values.get("kk_number"):
            family = self._family_by_kk(s, values["kk_number"])
        r = Resident(**{k: v for k, v in values.items() if k in EDITABLE_FIELDS})
        r.id = _new_id()
        r.name_search = fold_name(r.name)
        r.status = values.get("status") or STATUS_ALIVE
        r.extra = dict(values.get("extra") or {})
        r.nik_warnings = _warning_records(checked)
        r.version = 1
        r.created_at = r.updated_at = utcnow()
        for key in TEXT_FIELDS:
            if getattr(r, key) is None:
                setattr(r, key, "")
        for key in ("rt", "rw"):
            if getattr(r, key) is None:
                setattr(r, key, "")
        s.add(r)
        if family is None and r.kk_number:
            family = self._new_family(s, actor, kk_number=r.kk_number, address=r.address, rt=r.rt, rw=r.rw,
                                      dusun=r.dusun)
        if family is not None:
            r.family_id = family.id
            r.kk_number = family.kk_number
        s.flush()
        details = {"fields": sorted(k for k in values if not k.startswith("_")),
                   "accepted_warnings": [w.code for w in checked.warnings]}
        details.update(audit_extra or {})
        record_change(s, actor, entity="resident", entity_id=r.id, op="create", payload=_sync_payload(r),
                      action=action or "resident.create", audit_details=details)
        if family is not None and r.family_relation == RELATION_HEAD and family.head_resident_id is None:
            self._set_family(s, actor, family, head_resident_id=r.id)
        return r

    def edit(
        self, actor: Actor, resident_id: str, changes: Mapping[str, Any], *, base_version: int | None = None,
        accept_warnings: bool = False, today: dt.date | None = None,
    ) -> ResidentRecord:
        """Change some fields. Only fields that really change are written; the version goes up by one.

        ``base_version`` (the version the form was loaded with) guards against overwriting someone
        else's edit. Family membership changes go through the family methods, not here.
        """
        require(actor, "resident.edit")
        with self.store.write() as s:
            r = self._resident(s, resident_id)
            if base_version is not None and base_version != r.version:
                raise ConflictError()
            return _record(self._edit(s, actor, r, changes, accept_warnings=accept_warnings,
                                      today=today or self.today()))

    def _edit(
        self, s: Session, actor: Actor, r: Resident, changes: Mapping[str, Any], *, accept_warnings: bool,
        today: dt.date | None = None, action: str = "resident.update",
    ) -> Resident:
        values, errors = normalise_fields({k: v for k, v in changes.items() if k != "family_id"}, today=today)
        changed = {k: v for k, v in values.items() if getattr(r, k) != v}
        if "kk_number" in changed and r.family_id is not None:
            errors["kk_number"] = N_("Change the family with “move to another KK”.")
        merged = {k: getattr(r, k) for k in ("nik", "kk_number", "birth_date", "sex")} | changed
        nik_touched = bool({"nik", "birth_date", "sex"} & set(changed))
        checked = check_numbers(s, merged, r.id, errors, check_nik=nik_touched,
                                check_kk="kk_number" in changed)
        _raise_if(errors, checked)
        if not changed:
            return r
        if checked.warnings and not accept_warnings:
            raise NikWarnings(checked.warnings, checked.warning_fields)
        for k, v in changed.items():
            setattr(r, k, v)
        if "name" in changed:
            r.name_search = fold_name(r.name)
        payload = dict(changed)
        if nik_touched or "kk_number" in changed:
            kept = [w for w in (r.nik_warnings or []) if w.get("field") not in
                    ({"nik"} if nik_touched else set()) | ({"kk_number"} if "kk_number" in changed else set())]
            r.nik_warnings = kept + _warning_records(checked)
            payload["nik_warnings"] = r.nik_warnings
        r.updated_at = utcnow()
        record_change(s, actor, entity="resident", entity_id=r.id, op="update", payload=payload,
                      record=r, action=action,
                      audit_details={"fields": sorted(changed),
                                     "accepted_warnings": [w.code for w in checked.warnings]})
        return r

    # ---- kiosk PIN ----

    def set_pin(self, actor: Actor, resident_id: str, pin: str) -> None:
        """Set (or reset) the resident's 6-digit kiosk PIN. Stored as an Argon2 hash; the hash (never the
        PIN) is synced so the village's kiosk devices can check it (issue 19.2)."""
        from kiosk.security import hash_secret

        require(actor, "resident.set_pin")
        if len(pin) != 6 or not pin.isascii() or not pin.isdigit():
            raise ValidationError(fields={"pin": MSG_PIN})
        from kiosk.security import weak_pin_reason

        with self.store.read() as s:
            birth_date = self._resident(s, resident_id).birth_date
        weak = weak_pin_reason(pin, birth_date)
        if weak is not None:  # a PIN others can guess opens the resident's data at the kiosk
            raise ValidationError(WEAK_PIN_MESSAGES[weak], fields={"pin": WEAK_PIN_MESSAGES[weak]})
        hashed = hash_secret(pin)  # slow: outside the write transaction
        with self.store.write() as s:
            self._change_pin(s, actor, self._resident(s, resident_id), hashed, "resident.set_pin")

    @staticmethod
    def _change_pin(s: Session, actor: Actor, r: Resident, hashed: str | None, action: str) -> None:
        """The PIN hash as a resident update (the audit names the field, never a value)."""
        base = r.version
        r.pin_hash = hashed
        r.version = base + 1
        r.updated_at = utcnow()
        s.flush()
        record_change(s, actor, entity="resident", entity_id=r.id, op="update", payload={"pin_hash": hashed},
                      base_version=base, action=action, audit_details={"fields": ["pin"]})

    def pin_slip_pdf(self, actor: Actor, resident_id: str, pin: str) -> bytes:
        """A small slip (80 mm) handing the resident their new kiosk PIN; nothing is stored or logged."""
        from kiosk.models import OfficeProfile
        from kiosk.nik import mask_nik
        from printing.tickets import render_receipt

        require(actor, "resident.set_pin")
        with self.store.read() as s:
            r = self._resident(s, resident_id)
            office = s.get(OfficeProfile, 1)
            village = f"{(office.village_kind if office else 'desa').replace('_', ' ').upper()} " \
                      f"{(office.village_name if office else '').upper()}"
            hours = office.service_hours if office else ""
            return render_receipt({
                "village": village.strip(),
                "title": "PIN ANJUNGAN MANDIRI",
                "request_number": "",
                "received_at": utcnow().isoformat(timespec="minutes"),
                "resident_name": r.name,
                "letter_title": "",
                "rows": [["NIK", mask_nik(r.nik)], ["PIN", pin]],
                "note": "Masuk di anjungan dengan NIK dan PIN ini. Simpan baik-baik dan jangan berikan kepada "
                        "orang lain. Lupa PIN? Minta PIN baru di kantor desa."
                        + (f" Jam layanan: {hours}" if hours else ""),
            })

    def clear_pin(self, actor: Actor, resident_id: str) -> None:
        require(actor, "resident.set_pin")
        with self.store.write() as s:
            self._change_pin(s, actor, self._resident(s, resident_id), None, "resident.clear_pin")

    def pin_hash(self, resident_id: str) -> str | None:
        """The stored PIN hash (for the kiosk sign-in service only)."""
        with self.store.read() as s:
            return s.execute(select(Resident.pin_hash).where(Resident.id == resident_id)).scalar()

    # ---- families ----

    def create_family(
        self, actor: Actor, *, kk_number: str | None, address: str = "", rt: str = "", rw: str = "",
        dusun: str = "", head_id: str | None = None, accept_warnings: bool = False,
    ) -> FamilyInfo:
        """Create a KK. With ``head_id`` the resident moves into it as kepala keluarga."""
        require(actor, "resident.edit")
        with self.store.write() as s:
            fam = self._create_family_checked(s, actor, kk_number, address, rt, rw, dusun, accept_warnings)
            if head_id:
                self._move(s, actor, self._resident(s, head_id), fam, RELATION_HEAD)
            return _family_info(s, fam)

    def _create_family_checked(
        self, s: Session, actor: Actor, kk_number: str | None, address: str, rt: str, rw: str, dusun: str,
        accept_warnings: bool,
    ) -> Family:
        errors: dict[str, str] = {}
        kk = nikmod.normalize_kk(kk_number)
        rt_n = _norm_rt_rw(rt, "rt", errors)
        rw_n = _norm_rt_rw(rw, "rw", errors)
        checked = check_numbers(s, {"kk_number": kk}, None, errors, check_nik=False)
        if kk is not None and "kk_number" not in errors and self._family_by_kk(s, kk) is not None:
            errors["kk_number"] = N_("A family with this No. KK already exists.")
        _raise_if(errors, checked)
        if checked.warnings and not accept_warnings:
            raise NikWarnings(checked.warnings, checked.warning_fields)
        return self._new_family(s, actor, kk_number=kk, address=address.strip(), rt=rt_n, rw=rw_n,
                                dusun=" ".join(dusun.split()))

    def _new_family(self, s: Session, actor: Actor, **values: Any) -> Family:
        now = utcnow()
        fam = Family(id=_new_id(), head_resident_id=None, active=True, version=1, created_at=now,
                     updated_at=now, **values)
        s.add(fam)
        s.flush()
        record_change(s, actor, entity="family", entity_id=fam.id, op="create",
                      payload={k: getattr(fam, k) for k in ("kk_number", "head_resident_id", "address", "rt",
                                                             "rw", "dusun", "active")})
        return fam

    def _set_family(self, s: Session, actor: Actor, fam: Family, **changes: Any) -> None:
        changed = {k: v for k, v in changes.items() if getattr(fam, k) != v}
        if not changed:
            return
        for k, v in changed.items():
            setattr(fam, k, v)
        fam.updated_at = utcnow()
        record_change(s, actor, entity="family", entity_id=fam.id, op="update", payload=changed, record=fam)

    def add_member(self, actor: Actor, family_id: str, resident_id: str, relation: int) -> MoveResult:
        """Put a resident into a KK with a relation (SHDK). A resident already in another KK moves."""
        return self.move_member(actor, resident_id, family_id, relation)

    def move_member(self, actor: Actor, resident_id: str, to_family_id: str, relation: int) -> MoveResult:
        """Move a member to another KK. If they headed their old family, that family needs a new head."""
        require(actor, "resident.edit")
        with self.store.write() as s:
            r = self._resident(s, resident_id)
            fam = self._family(s, to_family_id)
            old = self._move(s, actor, r, fam, relation)
            return MoveResult(_record(r), _family_info(s, fam), old)

    def _move(self, s: Session, actor: Actor, r: Resident, fam: Family, relation: int) -> str | None:
        code = code_list("hubungan_keluarga").lookup(relation)
        if code is None:
            raise ValidationError(fields={"family_relation": MSG_BAD_CODE})
        if code == RELATION_HEAD and fam.head_resident_id not in (None, r.id):
            raise ValidationError(fields={"family_relation": MSG_HAS_HEAD})
        old_needs_head = None
        if r.family_id and r.family_id != fam.id:
            old = s.get(Family, r.family_id)
            if old is not None and old.head_resident_id == r.id:
                self._set_family(s, actor, old, head_resident_id=None)
                old_needs_head = old.id if self._has_active_members(s, old.id, exclude=r.id) else None
                if old_needs_head is None:
                    self._set_family(s, actor, old, active=False)
        changes: dict[str, Any] = {"family_id": fam.id, "kk_number": fam.kk_number, "family_relation": code}
        changed = {k: v for k, v in changes.items() if getattr(r, k) != v}
        if changed:
            for k, v in changed.items():
                setattr(r, k, v)
            r.updated_at = utcnow()
            record_change(s, actor, entity="resident", entity_id=r.id, op="update", payload=changed,
                          record=r, action="resident.move_family")
        if code == RELATION_HEAD and fam.head_resident_id != r.id:
            self._set_family(s, actor, fam, head_resident_id=r.id, active=True)
        return old_needs_head

    def _has_active_members(self, s: Session, family_id: str, exclude: str | None = None) -> bool:
        stmt = select(Resident.id).where(Resident.family_id == family_id, Resident.status == STATUS_ALIVE)
        if exclude:
            stmt = stmt.where(Resident.id != exclude)
        return s.execute(stmt.limit(1)).first() is not None

    def change_head(
        self, actor: Actor, family_id: str, new_head_id: str, *, old_head_relation: int = RELATION_OTHER,
    ) -> FamilyInfo:
        """Make a member the kepala keluarga; an old head still living in the KK gets ``old_head_relation``."""
        require(actor, "resident.edit")
        with self.store.write() as s:
            fam = self._family(s, family_id)
            new = self._resident(s, new_head_id)
            if new.family_id != fam.id:
                raise ValidationError(fields={"head": MSG_NOT_MEMBER})
            if new.status != STATUS_ALIVE:
                raise ValidationError(fields={"head": MSG_NOT_ACTIVE})
            if fam.head_resident_id and fam.head_resident_id != new.id:
                old = s.get(Resident, fam.head_resident_id)
                if old is not None and old.family_id == fam.id and old.family_relation == RELATION_HEAD:
                    self._edit(s, actor, old, {"family_relation": old_head_relation}, accept_warnings=True,
                               action="resident.move_family")
            self._edit(s, actor, new, {"family_relation": RELATION_HEAD}, accept_warnings=True,
                       action="resident.move_family")
            self._set_family(s, actor, fam, head_resident_id=new.id, active=True)
            return _family_info(s, fam)

    def split_family(
        self, actor: Actor, family_id: str, *, new_kk_number: str | None, member_ids: list[str], head_id: str,
        relations: Mapping[str, int] | None = None, address: str | None = None, rt: str | None = None,
        rw: str | None = None, dusun: str | None = None, accept_warnings: bool = False,
    ) -> tuple[FamilyInfo, FamilyInfo]:
        """Pecah KK: members leave ``family_id`` for a new KK headed by ``head_id``.

        Returns (old family, new family); the old family's ``needs_head`` is set when its head left.
        """
        require(actor, "resident.edit")
        ids = list(dict.fromkeys([head_id, *member_ids]))
        with self.store.write() as s:
            old = self._family(s, family_id)
            members = [self._resident(s, i) for i in ids]
            for m in members:
                if m.family_id != old.id:
                    raise ValidationError(fields={"members": MSG_NOT_MEMBER})
            new = self._create_family_checked(
                s, actor, new_kk_number, old.address if address is None else address,
                old.rt if rt is None else rt, old.rw if rw is None else rw,
                old.dusun if dusun is None else dusun, accept_warnings)
            rel = dict(relations or {})
            for m in members:
                relation = RELATION_HEAD if m.id == head_id else rel.get(m.id, m.family_relation or RELATION_OTHER)
                if relation == RELATION_HEAD and m.id != head_id:
                    relation = RELATION_OTHER
                self._move(s, actor, m, new, relation)
            return _family_info(s, old), _family_info(s, new)

    # ---- population events (peristiwa) ----

    def _event(self, s: Session, actor: Actor, r: Resident, kind: str, when: dt.date,
               details: dict[str, Any]) -> PopulationEvent:
        e = PopulationEvent(id=_new_id(), resident_id=r.id, kind=kind, event_date=when, details=details,
                            recorded_at=utcnow(), recorded_by=actor.user_id)
        s.add(e)
        s.flush()
        record_change(s, actor, entity="population_event", entity_id=e.id, op="create",
                      payload={"resident_id": r.id, "kind": kind, "event_date": when, "details": details},
                      action=f"population_event.{kind}", audit_details={"resident_id": r.id, "kind": kind})
        return e

    def record_birth(
        self, actor: Actor, child: Mapping[str, Any], *, family_id: str | None = None,
        father_id: str | None = None, mother_id: str | None = None, details: Mapping[str, Any] | None = None,
        accept_warnings: bool = False, today: dt.date | None = None,
    ) -> EventResult:
        """Kelahiran: a new resident linked to parents and family (anak by default)."""
        require(actor, "resident.edit")
        with self.store.write() as s:
            data = dict(child)
            for key, pid in (("father", father_id), ("mother", mother_id)):
                if pid:
                    p = self._resident(s, pid)
                    data.setdefault(f"{key}_name", p.name)
                    data.setdefault(f"{key}_nik", p.nik)
                    if family_id is None and p.family_id:
                        family_id = p.family_id
            if family_id:
                fam = self._family(s, family_id)
                data["family_id"] = fam.id
                for k in ("address", "rt", "rw", "dusun"):
                    data.setdefault(k, getattr(fam, k))
            data.setdefault("family_relation", RELATION_CHILD)
            data.setdefault("marital_status", 1)
            if "birth_date" not in data or data["birth_date"] in (None, ""):
                raise ValidationError(fields={"birth_date": MSG_REQUIRED})
            r = self._register(s, actor, data, accept_warnings=accept_warnings, today=today or self.today(),
                               action="resident.birth")
            extra = {k: v for k, v in dict(details or {}).items()}
            extra.update({"father_id": father_id, "mother_id": mother_id, "family_id": r.family_id})
            e = self._event(s, actor, r, EVENT_BIRTH, r.birth_date or self.today(), extra)
            return EventResult(_event_info(e), _record(r))

    def record_death(
        self, actor: Actor, resident_id: str, *, date: dt.date, place: str = "", cause: str = "",
        details: Mapping[str, Any] | None = None,
    ) -> EventResult:
        """Kematian: status becomes MATI. If the head died, ``family_needs_head`` names the family."""
        require(actor, "resident.edit")
        return self._leave(actor, resident_id, EVENT_DEATH, STATUS_DEAD, date,
                           {"place": place.strip(), "cause": cause.strip(), **dict(details or {})})

    def record_move_out(
        self, actor: Actor, resident_id: str, *, date: dt.date, destination: str, reason: str = "",
        details: Mapping[str, Any] | None = None,
    ) -> EventResult:
        """Pindah keluar: status becomes PINDAH; the destination is kept with the event."""
        require(actor, "resident.edit")
        if not destination.strip():
            raise ValidationError(fields={"destination": MSG_REQUIRED})
        return self._leave(actor, resident_id, EVENT_MOVE_OUT, STATUS_MOVED, date,
                           {"destination": destination.strip(), "reason": reason.strip(), **dict(details or {})})

    def set_status(self, actor: Actor, resident_id: str, status: int, *, date: dt.date, note: str = "") -> EventResult:
        """Other status changes (hilang, pergi, back to hidup) as a status_change event."""
        require(actor, "resident.edit")
        code = code_list("status_dasar").lookup(status)
        if code is None:
            raise ValidationError(fields={"status": MSG_BAD_CODE})
        return self._leave(actor, resident_id, EVENT_STATUS, code, date, {"note": note.strip(), "status": code})

    def _leave(self, actor: Actor, resident_id: str, kind: str, status: int, when: dt.date,
               details: dict[str, Any]) -> EventResult:
        if when > self.today():
            raise ValidationError(fields={"date": MSG_FUTURE})
        with self.store.write() as s:
            return self._leave_in(s, actor, self._resident(s, resident_id), kind, status, when, details)

    def _leave_in(self, s: Session, actor: Actor, r: Resident, kind: str, status: int, when: dt.date,
                  details: dict[str, Any]) -> EventResult:
        if status != STATUS_ALIVE and r.status != STATUS_ALIVE:
            raise ValidationError(fields={"status": MSG_NOT_ACTIVE})
        details = {**details, "previous_status": r.status}
        self._edit(s, actor, r, {"status": status}, accept_warnings=True, action=f"resident.{kind}")
        e = self._event(s, actor, r, kind, when, details)
        needs = None
        if status != STATUS_ALIVE and r.family_id:
            fam = s.get(Family, r.family_id)
            if fam is not None and fam.head_resident_id == r.id:
                self._set_family(s, actor, fam, head_resident_id=None)
                if self._has_active_members(s, fam.id):
                    needs = fam.id
                else:
                    self._set_family(s, actor, fam, active=False)
        return EventResult(_event_info(e), _record(r), needs)

    def apply_imported_change(
        self, s: Session, actor: Actor, resident_id: str, changes: Mapping[str, Any], *,
        family_id: str | None = None, relation: int | None = None, status: int | None = None,
        when: dt.date | None = None, details: Mapping[str, Any] | None = None,
    ) -> str | None:
        """One imported row's change to a stored resident, in the import's transaction, by the
        screens' rules: plain fields as ``edit``; another KK as ``move_member`` (the old family loses
        its head); a new relation as the family screen (a second head is refused, a head that is no
        longer head leaves the family without one); a new status as ``record_death`` /
        ``record_move_out`` / ``set_status`` (with its event); a head's new address, RT, RW or dusun
        reaches the family. Raises ``ValidationError`` (the caller rolls back to its savepoint).
        Returns the id of a family left without a head, if any."""
        r = self._resident(s, resident_id)
        needs: str | None = None
        if changes:
            self._edit(s, actor, r, changes, accept_warnings=True, action="resident.import")
        if family_id is not None and family_id != r.family_id:
            needs = self._move(s, actor, r, self._family(s, family_id),
                               relation if relation is not None else (r.family_relation or RELATION_OTHER))
        elif relation is not None and relation != r.family_relation:
            fam = s.get(Family, r.family_id) if r.family_id else None
            if fam is not None and relation == RELATION_HEAD and fam.head_resident_id not in (None, r.id):
                raise ValidationError(fields={"family_relation": MSG_HAS_HEAD})
            self._edit(s, actor, r, {"family_relation": relation}, accept_warnings=True,
                       action="resident.move_family")
            if fam is not None and relation == RELATION_HEAD:
                self._set_family(s, actor, fam, head_resident_id=r.id, active=True)
            elif fam is not None and fam.head_resident_id == r.id:
                self._set_family(s, actor, fam, head_resident_id=None)
                needs = fam.id
        if status is not None and status != r.status:
            kind = {STATUS_DEAD: EVENT_DEATH, STATUS_MOVED: EVENT_MOVE_OUT}.get(status, EVENT_STATUS)
            left = self._leave_in(s, actor, r, kind, status, when or self.today(),
                                  {**dict(details or {}), "status": status})
            needs = left.family_needs_head or needs
        if r.family_id and r.status == STATUS_ALIVE:
            fam = s.get(Family, r.family_id)
            if fam is not None and fam.head_resident_id == r.id:
                self._set_family(s, actor, fam, address=r.address, rt=r.rt, rw=r.rw, dusun=r.dusun)
        return needs

    def record_move_in(
        self, actor: Actor, *, date: dt.date, origin: str, resident_id: str | None = None,
        data: Mapping[str, Any] | None = None, accept_warnings: bool = False, details: Mapping[str, Any] | None = None,
    ) -> EventResult:
        """Pindah masuk: a returning resident (``resident_id``) becomes HIDUP again, or a new one
        (``data``) is registered."""
        require(actor, "resident.edit")
        if date > self.today():
            raise ValidationError(fields={"date": MSG_FUTURE})
        info = {"origin": origin.strip(), **dict(details or {})}
        with self.store.write() as s:
            if resident_id is not None:
                r = self._resident(s, resident_id)
                if r.status == STATUS_DEAD:
                    raise ValidationError(fields={"status": MSG_NOT_ACTIVE})
                info["previous_status"] = r.status
                info["returning"] = True
                changes = {"status": STATUS_ALIVE, **{k: v for k, v in dict(data or {}).items()}}
                self._edit(s, actor, r, changes, accept_warnings=accept_warnings, action="resident.move_in")
            else:
                if data is None:
                    raise ValueError("record_move_in needs resident_id or data")
                info["returning"] = False
                r = self._register(s, actor, {**dict(data), "status": STATUS_ALIVE},
                                   accept_warnings=accept_warnings, action="resident.move_in")
            e = self._event(s, actor, r, EVENT_MOVE_IN, date, info)
            return EventResult(_event_info(e), _record(r))

    # ---- import and export (kiosk.services.residents_import) ----

    def import_residents(
        self, actor: Actor, path: Any, *, dry_run: bool = False, progress: ProgressCallback | None = None,
        batch_size: int = 5000, rejects_path: Any = None, today: dt.date | None = None,
    ) -> ImportReport:
        from kiosk.services.residents_import import import_residents

        return import_residents(self.store, actor, path, dry_run=dry_run, progress=progress,
                                batch_size=batch_size, rejects_path=rejects_path,
                                today=today or self.today())

    def export_residents(self, actor: Actor, path: Any, *, include_inactive: bool = True) -> int:
        from kiosk.services.residents_import import export_residents

        return export_residents(self.store, actor, path, include_inactive=include_inactive)

    # ---- helpers ----

    @staticmethod
    def _resident(s: Session, resident_id: str) -> Resident:
        return get_or_raise(s, Resident, resident_id)

    @staticmethod
    def _family(s: Session, family_id: str) -> Family:
        return get_or_raise(s, Family, family_id)

    @staticmethod
    def _family_by_kk(s: Session, kk: str | None) -> Family | None:
        if not kk:
            return None
        return s.execute(select(Family).where(Family.kk_number == kk).order_by(Family.active.desc())
                         .limit(1)).scalar()


def _local_now() -> dt.datetime:
    return dt.datetime.now().astimezone()


def _new_id() -> str:
    from kiosk.ids import new_id

    return new_id()
