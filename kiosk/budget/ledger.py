"""Pure budget arithmetic: the totals that must balance and the tree with budget vs realization.

Works on plain rows (no store), so the screens, the prints, the kiosk and the district compute the same
figures. Everything is ``Decimal``.

SiLPA tahun berjalan = (pendapatan − belanja) + (penerimaan − pengeluaran pembiayaan); a budget
balances when it is zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kiosk.budget.money import ZERO, percent
from kiosk.budget.reference import BudgetReference, jenis_of, kelompok_of


@dataclass(frozen=True)
class Amounts:
    """Budget figures of one APBDes (or the realization of a year)."""

    pendapatan: Decimal = ZERO
    belanja: Decimal = ZERO
    penerimaan_pembiayaan: Decimal = ZERO
    pengeluaran_pembiayaan: Decimal = ZERO

    @property
    def surplus(self) -> Decimal:
        """Surplus (positive) or defisit (negative)."""
        return self.pendapatan - self.belanja

    @property
    def pembiayaan_netto(self) -> Decimal:
        return self.penerimaan_pembiayaan - self.pengeluaran_pembiayaan

    @property
    def silpa(self) -> Decimal:
        """SiLPA tahun berjalan: what is left over (zero in a balanced plan)."""
        return self.surplus + self.pembiayaan_netto

    @property
    def balanced(self) -> bool:
        return self.silpa == 0

    def to_json(self) -> dict[str, str]:
        return {k: str(getattr(self, k)) for k in ("pendapatan", "belanja", "penerimaan_pembiayaan",
                                                   "pengeluaran_pembiayaan", "surplus", "pembiayaan_netto",
                                                   "silpa")}


def amounts(rows: Iterable[tuple[str, Decimal]]) -> Amounts:
    """Totals of ``(kode_rekening, amount)`` rows."""
    pend = bel = pen = peng = ZERO
    for code, value in rows:
        if code.startswith("4"):
            pend += value
        elif code.startswith("5"):
            bel += value
        elif code.startswith("6.1"):
            pen += value
        elif code.startswith("6.2"):
            peng += value
    return Amounts(pend, bel, pen, peng)


@dataclass
class Node:
    """One row of the budget tree."""

    key: str  # unique path key
    code: str  # what is shown: 4.2.1, 01, 01.02.03, 5.2.1.01
    name: str
    level: int
    budget: Decimal = ZERO
    realization: Decimal = ZERO
    children: list[Node] = field(default_factory=list)

    @property
    def difference(self) -> Decimal:
        """Lebih/(kurang): realization minus budget."""
        return self.realization - self.budget

    @property
    def percent(self) -> Decimal | None:
        return percent(self.realization, self.budget)

    def walk(self) -> Iterable[Node]:
        yield self
        for c in self.children:
            yield from c.walk()

    def to_json(self) -> dict[str, Any]:
        pct = self.percent
        return {"code": self.code, "name": self.name, "level": self.level, "budget": str(self.budget),
                "realization": str(self.realization), "difference": str(self.difference),
                "percent": None if pct is None else str(pct), "children": [c.to_json() for c in self.children]}


def path_of(account: str, kegiatan: str | None) -> list[tuple[str, str]]:
    """The tree path of one line: ``[(key, code), ...]`` from the akun down to the line's account."""
    akun = account.split(".")[0]
    if akun == "5":
        keg = kegiatan or "00.00.00"
        out = [("5", "5"), (f"5|{keg[:2]}", keg[:2]), (f"5|{keg[:5]}", keg[:5]), (f"5|{keg}", keg)]
        out.append((f"5|{keg}|{account}", account))
        return out
    parts = account.split(".")
    out = [(akun, akun)]
    for n in range(2, len(parts) + 1):
        code = ".".join(parts[:n])
        out.append((code, code))
    return out


_AKUN_NAMES = {"4": "PENDAPATAN", "5": "BELANJA", "6": "PEMBIAYAAN"}


def build_tree(
    ref: BudgetReference,
    lines: Iterable[tuple[str, str | None, Decimal]],
    realization: Iterable[tuple[str, str | None, Decimal]] = (),
    *,
    names: dict[str, str] | None = None,
) -> list[Node]:
    """The three top nodes (4, 5, 6) with their subtrees. ``lines`` and ``realization`` are
    ``(kode_rekening, kode_kegiatan, amount)``; the realization of a code that has no budget line
    still shows (with budget zero)."""
    nodes: dict[str, Node] = {}
    children: dict[str, list[str]] = defaultdict(list)
    extra = names or {}

    def node_for(path: list[tuple[str, str]]) -> list[Node]:
        chain = []
        parent: str | None = None
        for depth, (key, code) in enumerate(path):
            n = nodes.get(key)
            if n is None:
                name = _AKUN_NAMES.get(code) if depth == 0 else None
                n = Node(key, code, name or ref.name_of(code) or extra.get(code, ""), depth)
                nodes[key] = n
                if parent is not None:
                    children[parent].append(key)
            chain.append(n)
            parent = key
        return chain

    # sum per (account, kegiatan) first: the tree is walked once per distinct key, not once per line
    sums: dict[tuple[str, str | None], list[Decimal]] = {}
    for account, kegiatan, value in lines:
        pair = sums.get((account, kegiatan))
        if pair is None:
            sums[(account, kegiatan)] = [value, ZERO]
        else:
            pair[0] += value
    for account, kegiatan, value in realization:
        pair = sums.get((account, kegiatan))
        if pair is None:
            sums[(account, kegiatan)] = [ZERO, value]
        else:
            pair[1] += value
    for (account, kegiatan), (budget, real) in sums.items():
        for n in node_for(path_of(account, kegiatan)):
            n.budget += budget
            n.realization += real
    for key, kids in children.items():
        nodes[key].children = [nodes[k] for k in sorted(kids, key=lambda k: _sort_key(nodes[k].code))]
    if "6" in nodes:
        # pembiayaan counts as its netto: penerimaan (6.1) less pengeluaran (6.2)
        top = nodes["6"]
        out_ = nodes.get("6.2")
        top.name = "PEMBIAYAAN NETTO"
        if out_ is not None:
            top.budget -= 2 * out_.budget
            top.realization -= 2 * out_.realization
    return [nodes[k] for k in ("4", "5", "6") if k in nodes]


def _sort_key(code: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in code.split("."))


def per_group(
    rows: Iterable[tuple[str, str | None, Decimal]], ref: BudgetReference, by: str
) -> dict[str, Decimal]:
    """Sums per ``kelompok`` (4.1 … 6.2), ``jenis`` (4.2.1 …), ``bidang`` (01 … 05, belanja only) or
    ``sumber`` is not here (see ``per_sumber``)."""
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for account, kegiatan, value in rows:
        if by == "kelompok":
            out[kelompok_of(account)] += value
        elif by == "jenis":
            out[jenis_of(account)] += value
        elif by == "bidang":
            if account.startswith("5"):
                out[(kegiatan or "00")[:2]] += value
        else:
            raise ValueError(by)
    return dict(sorted(out.items(), key=lambda kv: _sort_key(kv[0])))
