"""Shared set-up of the resident benchmarks: a temporary office with the 100k-resident demo village."""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path
from typing import Any

from kiosk.actor import Actor
from kiosk.db import Store
from kiosk.services import Services


def demo_services(residents: int, root: Path | None = None) -> tuple[Services, Actor]:
    from kiosk.services.demo import DEMO_PASSWORD, create_demo_village

    root = root or Path(tempfile.mkdtemp(prefix="sk-bench-"))
    services = Services(Store.open(root / "data"))
    create_demo_village(services, residents=residents)
    return services, services.users.authenticate("operator", DEMO_PASSWORD)


def stats_ms(samples: list[float]) -> tuple[float, float]:
    """(median, p95) in milliseconds of samples in seconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def line(label: str, samples: list[float], extra: Any = "") -> str:
    med, p95 = stats_ms(samples)
    return f"  {label:<44} median {med:7.3f} ms   p95 {p95:7.3f} ms  {extra}"
