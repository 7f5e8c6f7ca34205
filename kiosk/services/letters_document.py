"""Building an issued letter's plain data: resident and office snapshots, the signer, the document that
``printing.letter.render_letter`` lays out, and the canonical content whose hash the QR token signs.

Pure functions over plain data and ORM rows read by the caller; no transactions here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kiosk import durable
from kiosk.letter_token import content_hash
from kiosk.models import OfficeProfile, Resident

SIGNER_PREFIXES = ("", "a.n.", "u.b.", "Plt.", "Plh.")
PREVIEW_NUMBER = "PRATINJAU"
QR_CAPTION = "Pindai untuk memeriksa keaslian surat ini"

# Resident column -> (forms key, code list)
_CODED = {
    "sex": ("jenis_kelamin", "jenis_kelamin"),
    "religion": ("agama", "agama"),
    "marital_status": ("status_perkawinan", "status_perkawinan"),
    "family_relation": ("hubungan_keluarga", "hubungan_keluarga"),
    "occupation": ("pekerjaan", "pekerjaan"),
    "education": ("pendidikan", "pendidikan_kk"),
    "citizenship": ("kewarganegaraan", "warganegara"),
    "blood_type": ("golongan_darah", "golongan_darah"),
}


@dataclass(frozen=True)
class Signer:
    """Who signs: ``role`` "kepala" | "sekretaris" | another post; ``prefix`` "" | "a.n." | "u.b." |
    "Plt." | "Plh."; ``title`` the signer's own post, e.g. "Sekretaris Desa"; NIP only where set."""

    role: str
    prefix: str
    name: str
    title: str
    nip: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Signer:
        return cls(role=str(data.get("role") or ""), prefix=str(data.get("prefix") or ""),
                   name=str(data.get("name") or ""), title=str(data.get("title") or ""),
                   nip=data.get("nip") or None)


def jsonable(value: Any) -> Any:
    """Values as plain JSON: dates ISO, times HH:MM, tuples as lists, mappings with str keys."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def resident_snapshot(r: Resident) -> dict[str, Any]:
    """The resident as letters print them (coded values as their names), plain JSON."""
    from kiosk.refdata import code_list

    snap: dict[str, Any] = {
        "nama": r.name,
        "nik": r.nik or "",
        "no_kk": r.kk_number or "",
        "tempat_lahir": r.birth_place or "",
        "tanggal_lahir": r.birth_date.isoformat() if r.birth_date else None,
        "alamat": r.address or "",
        "rt": r.rt or "",
        "rw": r.rw or "",
        "dusun": r.dusun or "",
        "nama_ayah": r.father_name or "",
        "nama_ibu": r.mother_name or "",
        "telepon": r.phone or "",
    }
    for column, (key, list_name) in _CODED.items():
        code = getattr(r, column)
        try:
            snap[key] = (code_list(list_name).name_of(code) or "") if code is not None else ""
        except KeyError:
            snap[key] = ""
    return snap


_HAS_RT = re.compile(r"\bRT\b", re.IGNORECASE)


def with_full_address(resident: dict[str, Any], office: Mapping[str, Any]) -> dict[str, Any]:
    """Set ``alamat_lengkap`` when the stored address already names its RT/RW (as OpenSID and the demo
    village write it: "Dusun Krajan RT 002 RW 001"), so the letter does not repeat RT, RW and dusun."""
    address = str(resident.get("alamat") or "")
    if address and _HAS_RT.search(address) and not resident.get("alamat_lengkap"):
        desa = f"{office.get('sebutan_desa') or 'Desa'} {office.get('desa') or ''}".strip()
        resident["alamat_lengkap"] = address if desa.lower() in address.lower() else f"{address}, {desa}"
    return resident


def sebutan(kind: str) -> str:
    return "Kelurahan" if kind == "kelurahan" else "Desa"


def office_snapshot(p: OfficeProfile) -> dict[str, Any]:
    """The office as letters print it: the forms office keys plus the kop and the number unit."""
    kind = sebutan(p.village_kind)
    kab = p.kabupaten_name or ""
    lines = [str(x) for x in (p.letterhead_lines or []) if str(x).strip()]
    if not lines:
        lines = [f"PEMERINTAH {kab}".upper(), f"KECAMATAN {p.kecamatan_name}".upper(),
                 f"{kind} {p.village_name}".upper()]
    address = ", ".join(x for x in (p.address, f"Kode Pos {p.postcode}" if p.postcode else "") if x)
    contact = " · ".join(x for x in (f"Telp. {p.phone}" if p.phone else "",
                                     f"Email: {p.email}" if p.email else "") if x)
    return {
        "desa": p.village_name,
        "kecamatan": p.kecamatan_name,
        "kabupaten": kab,
        "provinsi": p.provinsi_name,
        "kode_desa": p.village_code,
        "alamat_kantor": p.address or "",
        "kepala_desa": p.head_name or "",
        "jabatan_kepala": p.head_title or ("Lurah" if kind == "Kelurahan" else "Kepala Desa"),
        "sebutan_desa": kind,
        "kop_lines": lines,
        "kop_address": address,
        "kop_contact": contact,
        "unit_code": p.unit_code or "",
        "head_title": p.head_title or "",
        "head_name": p.head_name or "",
        "head_nip": p.head_nip,
        "secretary_title": p.secretary_title or "",
        "secretary_name": p.secretary_name or "",
        "secretary_nip": p.secretary_nip,
    }


def head_post(office: Mapping[str, Any]) -> str:
    """The head's post with the village: "Kepala Desa Sarongan" / "Lurah Sarongan"."""
    return f"{office.get('head_title') or office.get('jabatan_kepala') or 'Kepala Desa'} {office.get('desa', '')}".strip()


def default_signers(office: Mapping[str, Any]) -> list[Signer]:
    """The usual choices: the head signs, or the secretary signs a.n. the head."""
    return [
        Signer("kepala", "", str(office.get("head_name") or ""), head_post(office), office.get("head_nip")),
        Signer("sekretaris", "a.n.", str(office.get("secretary_name") or ""),
               str(office.get("secretary_title") or "Sekretaris Desa"), office.get("secretary_nip")),
    ]


def signer_for_role(office: Mapping[str, Any], role: str) -> Signer | None:
    for s in default_signers(office):
        if s.role == role:
            return s
    return None


def signatory_block(signer: Signer, office: Mapping[str, Any]) -> dict[str, Any]:
    """The signatory of the document: ``a.n. KEPALA DESA SARONGAN`` / ``SEKRETARIS DESA,`` etc.

    printing writes the prefix lines as given and the title in capitals with a comma.
    """
    head = head_post(office).upper()
    prefix_lines: list[str] = []
    title = signer.title
    if signer.prefix == "a.n.":
        prefix_lines = [f"a.n. {head}"]
    elif signer.prefix == "u.b.":
        secretary = str(office.get("secretary_title") or "Sekretaris Desa").upper()
        prefix_lines = [f"a.n. {head}", secretary, "u.b."]
    elif signer.prefix in ("Plt.", "Plh."):
        # Acting for the vacant or absent head, whoever it is (often the secretary):
        # "Plt. KEPALA DESA SARONGAN," on one line (printing would capitalise "Plt." in the title)
        prefix_lines = [f"{signer.prefix} {head},"]
        title = ""
    return {"prefix_lines": prefix_lines, "title": title, "name": signer.name, "nip": signer.nip or None}


def logo_file(p: OfficeProfile, root: Path) -> str | None:
    """The office logo as a file printing can read (written once per logo under the data directory)."""
    if not p.logo:
        return None
    digest = hashlib.sha256(p.logo).hexdigest()[:16]
    path = root / "cache" / f"logo-{digest}.png"
    if not path.exists():
        durable.write_bytes(path, p.logo)
    return str(path)


def build_document(content: Mapping[str, Any], office: Mapping[str, Any], signer: Signer, *, number: str,
                   issued_on: dt.date, paper: str, margins_mm: Mapping[str, Any],
                   logo_path: str | None) -> dict[str, Any]:
    """The letter document (the shape in printing.letter.render_letter's docstring), without QR."""
    return {
        "paper": str(paper or "F4").upper(),
        "margins_mm": dict(margins_mm),
        "kop": {"lines": list(office.get("kop_lines") or []), "address": office.get("kop_address") or "",
                "contact": office.get("kop_contact") or "", "logo_path": logo_path},
        "title": content.get("title", ""),
        "number": number,
        "opening": content.get("opening", ""),
        "identity": [list(r) for r in content.get("identity") or []],
        "blocks": [dict(b) for b in content.get("blocks") or []],
        "closing": content.get("closing", ""),
        "place": office.get("desa", ""),
        "date": issued_on.isoformat(),
        "signatory": signatory_block(signer, office),
        "qr_text": None,
        "qr_caption": QR_CAPTION,
        "void": False,
    }


# Keys that are not the letter's content (the QR carries the hash; the logo file name is local).
_NOT_CONTENT = ("qr_text", "qr_caption", "void")


def letter_content_hash(letter_id: str, document: Mapping[str, Any]) -> str:
    """sha256 hex of the canonical content of a letter: its id and its document without QR and logo path."""
    doc = {k: v for k, v in document.items() if k not in _NOT_CONTENT}
    kop = dict(doc.get("kop") or {})
    kop.pop("logo_path", None)
    doc["kop"] = kop
    return content_hash(jsonable({"letter_id": letter_id, "document": doc}))
