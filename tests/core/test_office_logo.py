"""The office logo is checked and scaled where the profile is saved (Settings, setup, the command line)."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest
from PIL import Image

from kiosk.errors import ValidationError
from tests.helpers import admin_actor, make_services


def _picture(fmt: str, size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 90, 40)).save(out, format=fmt)
    return out.getvalue()


def test_logo_checked_and_scaled(tmp_path: Path) -> None:
    services = make_services(tmp_path / "data")
    admin = admin_actor(services)
    info = services.office.profile()

    big_jpeg = _picture("JPEG", (2400, 1800))
    saved = services.office.update_profile(admin, dataclasses.replace(info, logo=big_jpeg))
    assert saved.logo is not None
    with Image.open(io.BytesIO(saved.logo)) as img:
        assert img.format == "PNG" and max(img.size) == 600 and img.size == (600, 450)
    small_png = _picture("PNG", (200, 200))
    assert services.office.update_profile(admin, dataclasses.replace(info, logo=small_png)).logo == small_png

    refused = {
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>': "SVG",
        b"GIF89a not really": "bukan gambar",
        _picture("GIF", (100, 100)): "PNG atau JPEG",
        _picture("PNG", (20, 20)): "terlalu kecil",
    }
    for data, hint in refused.items():
        with pytest.raises(ValidationError) as e:
            services.office.update_profile(admin, dataclasses.replace(info, logo=data))
        assert hint in e.value.field_messages()["logo"]
    assert services.office.profile().logo == small_png  # nothing refused was stored
