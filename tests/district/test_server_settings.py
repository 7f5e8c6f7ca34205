"""The district server reads its environment in one place (`ServerSettings.from_env`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.district import db as district_db
from sync.district.db import Database
from sync.district.monitoring import server_secret
from sync.district.settings import ENV_DB, ENV_SECRET, ServerSettings


def test_from_env_reads_url_and_secret_and_treats_empty_as_unset() -> None:
    got = ServerSettings.from_env({ENV_DB: "sqlite:///x.sqlite3", ENV_SECRET: "geheim"})
    assert (got.db_url, got.secret) == ("sqlite:///x.sqlite3", "geheim")
    empty = ServerSettings.from_env({ENV_DB: "", ENV_SECRET: ""})
    assert (empty.db_url, empty.secret) == (None, None)


def test_the_database_url_and_session_secret_follow_the_settings(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'd.sqlite3'}"
    monkeypatch.setenv(ENV_DB, url)
    assert district_db.default_db_url() == url
    db = Database(url)
    db.upgrade()
    try:
        monkeypatch.setenv(ENV_SECRET, "dari-lingkungan")
        assert server_secret(db) == b"dari-lingkungan"
        monkeypatch.delenv(ENV_SECRET)
        generated = server_secret(db)
        assert generated != b"dari-lingkungan" and len(generated) == 64
        assert server_secret(db) == generated  # kept in server_settings, not made anew
        assert server_secret(db, ServerSettings(secret="diberikan")) == b"diberikan"
    finally:
        db.dispose()
