"""The district server's settings, read from the environment in one place.

``ServerSettings.from_env()`` is the only reader of the server's environment variables: the database URL
(``SMART_KAMPUNG_DISTRICT_DB``), the session secret (``SMART_KAMPUNG_DISTRICT_SECRET``) and the sign-in
limits. Everything else asks this object instead of ``os.environ``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

ENV_DB = "SMART_KAMPUNG_DISTRICT_DB"
ENV_SECRET = "SMART_KAMPUNG_DISTRICT_SECRET"


@dataclass(frozen=True)
class ServerSettings:
    db_url: str | None = None  # None: a SQLite file in the platformdirs data directory
    secret: str | None = None  # None: generated once and kept in ``server_settings``
    session_hours: int = 12
    login_link_minutes: int = 10
    max_failures: int = 5
    lock_minutes: int = 15

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ServerSettings:
        env = os.environ if environ is None else environ
        return cls(db_url=env.get(ENV_DB) or None, secret=env.get(ENV_SECRET) or None)


DEFAULTS = ServerSettings()
