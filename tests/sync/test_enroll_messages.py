"""Enrolment as a clerk meets it, against a real district server on 127.0.0.1: a server that cannot
be reached is told apart from one that refuses the code, both in plain Indonesian (no exception text)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sync.client import EnrollmentFailed, EnrollmentUnreachable
from tests.sync.conftest import ENROLLING_ADMIN, DistrictServer, Office, free_port
from ui.msgbox import error_text

RAW = ("Errno", "Connection", "HTTPConnection", "Traceback", "refused the enrollment: enrollment_code")


def test_unreachable_server_is_not_called_a_refusal(offices: Callable[..., Office]) -> None:
    office = offices("a")
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with pytest.raises(EnrollmentUnreachable) as e:
        office.client.enroll(url, "ABCD-1234", actor=ENROLLING_ADMIN)
    text = error_text(e.value)
    assert "tidak dapat dihubungi" in text and url in text
    assert "menolak" not in text and not any(r in text for r in RAW)
    assert not office.services.office.device().enrolled


@pytest.mark.parametrize("which", ["wrong", "used"])
def test_refused_code_says_what_to_do(server: DistrictServer, offices: Callable[..., Office], which: str) -> None:
    office = offices("b")
    code = "ZZZZ-0000-WRONG"
    if which == "used":
        code = server.code()
        offices("first").client.enroll(server.url, code, actor=ENROLLING_ADMIN)
    with pytest.raises(EnrollmentFailed) as e:
        office.client.enroll(server.url, code, actor=ENROLLING_ADMIN)
    text = error_text(e.value)
    assert text.startswith("Kabupaten menolak pendaftaran:")
    assert ("tidak dikenal" if which == "wrong" else "sudah dipakai") in text
    assert "minta kode baru" in text
    assert not any(r in text for r in RAW), text

