"""Profil kantor and this device: the first-run setup, the office profile and the device's signing key."""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.actor import Actor
from kiosk.changes import record_change, write_audit
from kiosk.db import Store
from kiosk.errors import ConflictError, NotConfigured, ValidationError
from kiosk.i18n import N_
from kiosk.models import Device, OfficeProfile, User
from kiosk.permissions import require
from kiosk.security import hash_secret
from kiosk.services.users import check_new_user, insert_user

log = logging.getLogger(__name__)

VILLAGE_CODE_RE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.[123]\d{3}$")


LOGO_ERRORS = {
    "too_big": N_("The logo file is larger than 5 MB."),
    "svg": N_("SVG logos cannot be used yet: save the logo as PNG or JPEG."),
    "unreadable": N_("The logo file is not a picture that can be read."),
    "format": N_("The logo must be a PNG or JPEG picture."),
    "too_small": N_("The logo is too small (at least 48 pixels)."),
}


@dataclass
class OfficeInfo:
    """The office profile as plain data (what screens edit and letters snapshot)."""

    village_code: str
    village_name: str
    kecamatan_name: str
    kabupaten_name: str
    provinsi_name: str
    village_kind: str = "desa"
    address: str = ""
    postcode: str = ""
    phone: str = ""
    email: str = ""
    head_name: str = ""
    head_title: str = "Kepala Desa"
    head_nip: str | None = None
    secretary_name: str = ""
    secretary_title: str = "Sekretaris Desa"
    secretary_nip: str | None = None
    letterhead_lines: list[str] = field(default_factory=list)
    service_hours: str = ""
    unit_code: str = ""
    logo: bytes | None = None
    version: int = 1

    def validate(self) -> None:
        errors: dict[str, str] = {}
        if not VILLAGE_CODE_RE.match(self.village_code or ""):
            errors["village_code"] = N_("A village code looks like 35.10.01.2001.")
        for name in ("village_name", "kecamatan_name", "kabupaten_name", "provinsi_name"):
            if not (getattr(self, name) or "").strip():
                errors[name] = N_("This field is required.")
        if self.village_kind not in ("desa", "kelurahan", "desa_adat"):
            errors["village_kind"] = N_("Choose desa, kelurahan or desa adat.")
        if self.logo:
            from printing.images import LogoError, prepare_logo

            try:
                self.logo = prepare_logo(bytes(self.logo))  # checked and scaled once, here
            except LogoError as e:
                errors["logo"] = LOGO_ERRORS[e.reason]
        if errors:
            raise ValidationError(fields=errors)

    def validate_for_setup(self) -> None:
        """The first setup also needs who signs every letter (the head's name and title)."""
        errors: dict[str, str] = {}
        try:
            self.validate()
        except ValidationError as e:
            errors.update(e.fields)
        for name in ("head_name", "head_title"):
            if not (getattr(self, name) or "").strip():
                errors[name] = N_("The name and title of the head of village are required (they sign every letter).")
        if errors:
            raise ValidationError(fields=errors)

    def public_dict(self) -> dict[str, Any]:
        """Everything but the logo bytes (what the audit and the district see)."""
        data = asdict(self)
        data.pop("logo", None)
        data.pop("version", None)
        return data


_PROFILE_FIELDS = [f for f in OfficeInfo.__dataclass_fields__ if f != "version"]


def _to_info(p: OfficeProfile) -> OfficeInfo:
    return OfficeInfo(**{f: getattr(p, f) for f in _PROFILE_FIELDS}, version=p.version)


def new_signing_key() -> tuple[bytes, bytes]:
    """A fresh Ed25519 key pair as raw 32-byte private and public keys."""
    from cryptography.hazmat.primitives import serialization  # only at setup: start-up stays light
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return private, public


@dataclass(frozen=True)
class DeviceInfo:
    id: str
    name: str
    role: str
    district_url: str | None
    enrolled: bool
    public_key: bytes


class OfficeService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def is_configured(self) -> bool:
        with self.store.read() as s:
            return s.execute(select(OfficeProfile.id)).first() is not None

    def needs_first_admin(self) -> bool:
        """A half-set-up office (profile written, no administrator): the setup must resume."""
        with self.store.read() as s:
            if s.execute(select(OfficeProfile.id)).first() is None:
                return False
            return s.execute(select(User.id).where(User.role == "admin", User.active.is_(True))).first() is None

    def set_up_office(
        self, info: OfficeInfo, *, admin_username: str, admin_full_name: str, admin_password: str,
        device_name: str = "Kantor", role: str = "office",
    ) -> DeviceInfo:
        """First run, all or nothing: office profile, this device and the first administrator in one
        transaction, every rule checked before anything is written (a refused password leaves nothing)."""
        errors: dict[str, str] = {}
        try:
            info.validate_for_setup()
        except ValidationError as e:
            errors.update(e.fields)
        try:
            username = check_new_user(username=admin_username, full_name=admin_full_name, role="admin",
                                      password=admin_password)
        except ValidationError as e:
            if not errors:
                raise
            errors.update(e.fields or {"password": e.template})
        if errors:
            raise ValidationError(fields=errors)
        pw_hash = hash_secret(admin_password)
        private, public = new_signing_key()
        with self.store.write() as s:
            if s.execute(select(OfficeProfile.id)).first() is not None:
                raise ConflictError(N_("This office is already set up."))
            if s.execute(select(User.id)).first() is not None:
                raise ConflictError(N_("An administrator already exists."))
            device = self._write_setup(s, info, device_name, role, private, public)
            insert_user(s, Actor.system("setup", device.id), username=username, full_name=admin_full_name,
                        role="admin", password_hash=pw_hash)
            return DeviceInfo(device.id, device.name, device.role, None, False, public)

    def _write_setup(self, s: Session, info: OfficeInfo, device_name: str, role: str, private: bytes,
                     public: bytes) -> Device:
        device = Device(name=device_name, role=role, signing_key=private, public_key=public)
        s.add(device)
        s.flush()
        profile = OfficeProfile(id=1, **{f: getattr(info, f) for f in _PROFILE_FIELDS})
        s.add(profile)
        s.flush()
        actor = Actor.system("setup", device.id)
        write_audit(s, actor, action="device.create", entity="device", entity_id=device.id,
                    details={"role": role})
        record_change(s, actor, entity="office_profile", entity_id=info.village_code, op="create",
                      payload=info.public_dict(), action="office.setup")
        log.info("office set up for village %s", info.village_code)
        return device

    def setup(self, info: OfficeInfo, *, device_name: str = "Kantor", role: str = "office") -> DeviceInfo:
        """First run: record the office profile and create this device with its signing key."""
        info.validate()
        private, public = new_signing_key()
        with self.store.write() as s:
            if s.execute(select(OfficeProfile.id)).first() is not None:
                raise ConflictError(N_("This office is already set up."))
            device = self._write_setup(s, info, device_name, role, private, public)
            return DeviceInfo(device.id, device.name, device.role, None, False, public)

    def profile(self) -> OfficeInfo:
        with self.store.read() as s:
            p = s.get(OfficeProfile, 1)
            if p is None:
                raise NotConfigured()
            return _to_info(p)

    def update_profile(self, actor: Actor, info: OfficeInfo) -> OfficeInfo:
        require(actor, "office.edit")
        info.validate()
        with self.store.write() as s:
            p = s.get(OfficeProfile, 1)
            if p is None:
                raise NotConfigured()
            if info.village_code != p.village_code:
                raise ValidationError(
                    N_("The village code cannot change after setup."),
                    fields={"village_code": N_("Fixed after setup")},
                )
            before = _to_info(p).public_dict()
            logo_changed = p.logo != info.logo
            for f in _PROFILE_FIELDS:
                setattr(p, f, getattr(info, f))
            after = info.public_dict()
            changed = {k: v for k, v in after.items() if before.get(k) != v}
            if changed or logo_changed:
                record_change(s, actor, entity="office_profile", entity_id=p.village_code, op="update",
                              payload=changed, record=p, action="office.update",
                              audit_details={"fields": sorted(changed) + (["logo"] if logo_changed else [])})
            s.flush()
            return _to_info(p)

    def device(self) -> DeviceInfo:
        with self.store.read() as s:
            d = s.execute(select(Device)).scalar_one_or_none()
            if d is None:
                raise NotConfigured()
            return DeviceInfo(d.id, d.name, d.role, d.district_url, d.enrolled_at is not None, d.public_key)

    def signing_key(self) -> tuple[str, bytes]:
        """This device's id and raw Ed25519 private key (for signing letters)."""
        with self.store.read() as s:
            d = s.execute(select(Device)).scalar_one_or_none()
            if d is None:
                raise NotConfigured()
            return d.id, d.signing_key


def office_info_from_code(
    village_code: str,
    *,
    village_name: str | None = None,
    kecamatan: str | None = None,
    kabupaten: str | None = None,
    provinsi: str | None = None,
) -> OfficeInfo:
    """An office profile for a Kemendagri village code, names filled from the shipped region list.

    Outside Banyuwangi only kecamatan and above are shipped: the desa name must then be given.
    """
    from kiosk import refdata

    code = refdata.parse_village_code(village_code)
    kind = str(refdata.village_kind(code))
    prov, kab, kec = code[:2], code[:5], code[:8]
    names = {
        "village_name": village_name or refdata.region_name(code),
        "kecamatan_name": kecamatan or refdata.region_name(kec),
        "kabupaten_name": kabupaten or refdata.region_name(kab),
        "provinsi_name": provinsi or refdata.region_name(prov),
    }
    missing = {k: N_("Not in the region list: type the name.") for k, v in names.items() if not v}
    if missing:
        raise ValidationError(N_("The village code {code} is not in the shipped list; give the names."),
                              fields=missing, code=code)
    info = OfficeInfo(
        village_code=code,
        village_kind=kind,
        village_name=str(names["village_name"]),
        kecamatan_name=str(names["kecamatan_name"]),
        kabupaten_name=str(names["kabupaten_name"]),
        provinsi_name=str(names["provinsi_name"]),
    )
    if info.village_kind == "kelurahan":
        info.head_title = "Lurah"
        info.secretary_title = "Sekretaris Kelurahan"
    return info
