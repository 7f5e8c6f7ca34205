"""The budget's reference data for a year: accounts 4/5/6 to the objek level, bidang → sub bidang →
kegiatan, sumber dana. Shipped as ``resources/reference/apbdes/ref_<from-year>.json`` with its sources;
a year uses the newest file whose ``valid_from_year`` is not after it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from kiosk.errors import ValidationError
from kiosk.i18n import N_

REFERENCE_DIR = Path(__file__).resolve().parent.parent.parent / "resources" / "reference" / "apbdes"

AKUN_PENDAPATAN = "4"
AKUN_BELANJA = "5"
AKUN_PEMBIAYAAN = "6"
_ACCOUNT_RE = re.compile(r"^[456](\.\d{1,2}){0,3}$")
_KEGIATAN_RE = re.compile(r"^\d{2}\.\d{2}\.\d{2}$")


def normalize_account(code: str) -> str:
    """``"5.2.1.01."`` → ``"5.2.1.01"`` (Siskeudes writes a trailing dot; single-digit objek padded)."""
    s = str(code).strip().rstrip(".")
    parts = s.split(".")
    if len(parts) == 4 and parts[3].isdigit() and len(parts[3]) == 1:
        parts[3] = "0" + parts[3]
    return ".".join(parts)


def normalize_kegiatan(code: str | None) -> str | None:
    """``"01.01.01."`` → ``"01.01.01"``; empty or all zeros (pendapatan rows) → None."""
    if code is None:
        return None
    s = str(code).strip().rstrip(".")
    if not s or set(s) <= {"0", "."}:
        return None
    return s


def kelompok_of(account: str) -> str:
    return ".".join(account.split(".")[:2])


def jenis_of(account: str) -> str:
    return ".".join(account.split(".")[:3])


@dataclass(frozen=True)
class Account:
    code: str
    name: str
    parent: str | None

    @property
    def level(self) -> int:
        return self.code.count(".") + 1


@dataclass(frozen=True)
class Kegiatan:
    code: str
    name: str
    tags: tuple[str, ...] = ()

    @property
    def bidang(self) -> str:
        return self.code[:2]

    @property
    def sub_bidang(self) -> str:
        return self.code[:5]


@dataclass(frozen=True)
class BudgetReference:
    """One year's reference (read-only, shared)."""

    valid_from_year: int
    version: str
    source: dict[str, str]
    accounts: dict[str, Account]
    bidang: dict[str, str]
    sub_bidang: dict[str, str]
    kegiatan: dict[str, Kegiatan]
    sumber_dana: dict[str, str]
    _names: dict[str, str] = field(default_factory=dict, repr=False)

    def account_name(self, code: str) -> str:
        acc = self.accounts.get(code)
        return acc.name if acc else ""

    def name_of(self, code: str) -> str:
        """The name of an account, bidang, sub bidang or kegiatan code."""
        if code in self.accounts:
            return self.accounts[code].name
        if code in self.kegiatan:
            return self.kegiatan[code].name
        return self.sub_bidang.get(code) or self.bidang.get(code) or ""

    def check_account(self, code: str, *, extra_objek: frozenset[str] = frozenset()) -> str:
        """The normalised account code, or ``ValidationError`` when the year's reference lacks it.

        Objek codes outside the shipped list are accepted when ``extra_objek`` (e.g. the Ref_Rek4 of a
        Siskeudes file) names them under a known jenis."""
        norm = normalize_account(code)
        if not _ACCOUNT_RE.match(norm):
            raise ValidationError(N_("“{code}” is not an account code of the form 4.1.2.01."), code=code)
        if norm in self.accounts:
            return norm
        if norm.count(".") == 3 and jenis_of(norm) in self.accounts and norm in extra_objek:
            return norm
        raise ValidationError(N_("Account {code} is not in the {year} reference (Permendagri 20/2018)."),
                              code=norm, year=self.valid_from_year)

    def check_kegiatan(self, code: str, *, extra: frozenset[str] = frozenset()) -> str:
        norm = normalize_kegiatan(code) or ""
        if not _KEGIATAN_RE.match(norm):
            raise ValidationError(N_("“{code}” is not a kegiatan code of the form 01.01.01."), code=code)
        if norm in self.kegiatan:
            return norm
        if norm[:5] in self.sub_bidang and norm in extra:
            return norm
        raise ValidationError(N_("Kegiatan {code} is not in the reference."), code=norm)

    def search_accounts(self, text: str, *, akun: str | None = None, limit: int = 50) -> list[Account]:
        """Accounts whose code starts with or whose name contains ``text`` (the pickers)."""
        q = text.strip().lower()
        out = []
        for acc in self.accounts.values():
            if akun and not acc.code.startswith(akun):
                continue
            if not q or acc.code.startswith(q) or q in acc.name.lower():
                out.append(acc)
                if len(out) >= limit:
                    break
        return out

    def search_kegiatan(self, text: str, *, limit: int = 50) -> list[Kegiatan]:
        q = text.strip().lower()
        out = []
        for k in self.kegiatan.values():
            if not q or k.code.startswith(q) or q in k.name.lower():
                out.append(k)
                if len(out) >= limit:
                    break
        return out


def _files() -> list[tuple[int, Path]]:
    found = []
    for path in REFERENCE_DIR.glob("ref_*.json"):
        m = re.match(r"ref_(\d{4})\.json$", path.name)
        if m:
            found.append((int(m.group(1)), path))
    return sorted(found)


@cache
def _load(path: Path) -> BudgetReference:
    doc = json.loads(path.read_text(encoding="utf-8"))
    return BudgetReference(
        valid_from_year=int(doc["valid_from_year"]),
        version=str(doc["version"]),
        source=dict(doc["source"]),
        accounts={a["code"]: Account(a["code"], a["name"], a.get("parent")) for a in doc["akun"]},
        bidang={b["code"]: b["name"] for b in doc["bidang"]},
        sub_bidang={b["code"]: b["name"] for b in doc["sub_bidang"]},
        kegiatan={k["code"]: Kegiatan(k["code"], k["name"], tuple(k.get("tags", ()))) for k in doc["kegiatan"]},
        sumber_dana={s["code"]: s["name"] for s in doc["sumber_dana"]},
    )


def reference_for(year: int) -> BudgetReference:
    """The reference that applies to budget year ``year``."""
    files = _files()
    usable = [p for y, p in files if y <= year]
    if not usable:
        raise ValidationError(N_("There is no budget reference for the year {year}."), year=year)
    return _load(usable[-1])
