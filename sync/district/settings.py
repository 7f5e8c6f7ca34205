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
ENV_API_DOCS = "SMART_KAMPUNG_DISTRICT_API_DOCS"  # "1": serve /docs and /openapi.json (development, tests)
ENV_RATE_PREFIX = "SMART_KAMPUNG_DISTRICT_RATE_"  # + SIGNIN / ACCOUNT / ENROLL / VERIFY: attempts per minute


@dataclass(frozen=True)
class ServerSettings:
    db_url: str | None = None  # None: a SQLite file in the platformdirs data directory
    secret: str | None = None  # None: generated once and kept in ``server_settings``
    session_hours: int = 12
    login_link_minutes: int = 10
    max_failures: int = 5
    lock_minutes: int = 15
    api_docs: bool = False  # /docs and /openapi.json: off in production
    # Attempts per minute (in-process limiter: behind several workers each worker counts its own).
    signin_per_address: int = 20
    signin_per_account: int = 10
    enroll_per_address: int = 60
    verify_per_address: int = 120

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ServerSettings:
        env = os.environ if environ is None else environ
        rates: dict[str, int] = {}
        for name, field in (("SIGNIN", "signin_per_address"), ("ACCOUNT", "signin_per_account"),
                            ("ENROLL", "enroll_per_address"), ("VERIFY", "verify_per_address")):
            value = env.get(ENV_RATE_PREFIX + name, "")
            if value.isdigit():
                rates[field] = int(value)
        return cls(db_url=env.get(ENV_DB) or None, secret=env.get(ENV_SECRET) or None,
                   api_docs=env.get(ENV_API_DOCS, "") in ("1", "true", "yes"), **rates)


DEFAULTS = ServerSettings()
