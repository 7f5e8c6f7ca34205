"""Memory benchmark: RSS of a process showing 100,000 residents in the Penduduk list model (every page
fetched into a QTableView), beside a bare 100k-row QAbstractTableModel in a fresh process of its own.
Budget: under 200 MB."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

N = 100_000


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _bare() -> None:
    from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
    from PySide6.QtWidgets import QApplication, QTableView

    app = QApplication([])

    class Bare(QAbstractTableModel):
        def __init__(self) -> None:
            super().__init__()
            self.rows = [(f"id{i}", f"{3510010000000000 + i}", f"Warga {i}") for i in range(N)]

        def rowCount(self, parent=QModelIndex()):  # noqa: B008, ANN001, ANN201
            return len(self.rows)

        def columnCount(self, parent=QModelIndex()):  # noqa: B008, ANN001, ANN201
            return 3

        def data(self, index, role=Qt.ItemDataRole.DisplayRole):  # noqa: ANN001, ANN201
            return self.rows[index.row()][index.column()] if role == Qt.ItemDataRole.DisplayRole else None

    view = QTableView()
    view.setModel(Bare())
    view.resize(1000, 700)
    view.show()
    app.processEvents()
    print(f"{rss_mb():.1f}")


def _residents(data_dir: str) -> None:
    from PySide6.QtWidgets import QApplication, QTableView

    from kiosk.db import Store
    from kiosk.services import Services
    from kiosk.services.demo import DEMO_PASSWORD
    from kiosk.services.residents_search import ResidentQuery
    from ui.models.residents import ResidentTableModel

    app = QApplication([])
    services = Services(Store.open(data_dir))
    actor = services.users.authenticate("operator", DEMO_PASSWORD)
    q = ResidentQuery()

    def fetch(after: object) -> object:
        return services.residents.search(actor, q, after=after, limit=2000)

    model = ResidentTableModel()
    model.reset(fetch(None), fetch)  # type: ignore[arg-type]
    view = QTableView()
    view.setModel(model)
    view.resize(1000, 700)
    view.show()
    app.processEvents()
    root = model.index(-1, -1)
    while model.canFetchMore(root):
        model.fetchMore(root)
    app.processEvents()
    print(f"{rss_mb():.1f} {model.rowCount()}")


def main(argv: list[str] | None = None) -> int:
    if argv and argv[0] == "--bare":
        _bare()
        return 0
    if argv and argv[0] == "--residents":
        _residents(argv[1])
        return 0
    from bench._residents_common import demo_services

    root = Path(tempfile.mkdtemp(prefix="sk-bench-mem-"))
    services, _actor = demo_services(N, root)
    services.store.close()
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    cmd = [sys.executable, "-m", "bench", "memory"]
    bare = float(subprocess.run([*cmd, "--bare"], capture_output=True, text=True, env=env, check=True).stdout)
    out = subprocess.run([*cmd, "--residents", str(root / "data")], capture_output=True, text=True, env=env,
                         check=True).stdout.split()
    ours, rows = float(out[0]), int(out[1])
    print(f"memory: bare {N}-row model in a table view: {bare:6.1f} MB RSS")
    print(f"        Penduduk model, {rows} residents fetched through the service: {ours:6.1f} MB RSS")
    ok = ours < 200 and rows == N
    print(f"budget 200 MB: {'OK' if ok else 'OVER'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
