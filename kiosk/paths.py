"""Every path the program uses: data, logs, backups, archives — from one place.

The data directory comes from, in order: an explicit ``--data-dir``, the ``SMART_KAMPUNG_DATA_DIR``
environment variable (tests, portable installs), then the platformdirs user data directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "smart-kampung"
ENV_DATA_DIR = "SMART_KAMPUNG_DATA_DIR"
RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def default_data_dir() -> Path:
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class DataPaths:
    """The layout of one data directory."""

    root: Path

    @classmethod
    def resolve(cls, data_dir: str | os.PathLike[str] | None = None) -> DataPaths:
        root = Path(data_dir).expanduser() if data_dir else default_data_dir()
        return cls(root.resolve())

    @property
    def database(self) -> Path:
        return self.root / "smart-kampung.sqlite3"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @property
    def archive(self) -> Path:
        """Issued letters' PDFs, kept byte for byte for reprints."""
        return self.root / "archive"

    @property
    def letter_types(self) -> Path:
        """The village's own letter types (TOML), beside the shipped ones."""
        return self.root / "letter_types"

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    def ensure(self) -> DataPaths:
        for p in (self.root, self.logs, self.backups, self.archive, self.letter_types):
            p.mkdir(parents=True, exist_ok=True)
        return self
