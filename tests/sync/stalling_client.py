"""The office command line with a push that stalls, for the kill -9 tests (the fault lives here, on the
tests' side of the transport seam, not in production code).

``python tests/sync/stalling_client.py before|after SECONDS <main.py arguments>``: each push waits
``SECONDS`` before the request is sent (``before``) or after the district answered (``after``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sync import transport  # noqa: E402


def stall(mode: str, seconds: float) -> None:
    real = transport.DistrictHttp.push_raw

    def push_raw(self: transport.DistrictHttp, body: bytes) -> Any:
        if mode == "before":
            time.sleep(seconds)
        answer = real(self, body)
        if mode == "after":
            time.sleep(seconds)
        return answer

    transport.DistrictHttp.push_raw = push_raw  # type: ignore[method-assign]


if __name__ == "__main__":
    stall(sys.argv[1], float(sys.argv[2]))
    from main import main

    sys.exit(main(sys.argv[3:]))
