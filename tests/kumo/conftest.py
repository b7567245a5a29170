"""Protocol tests talk to simulators on 127.0.0.1: allow loopback sockets for every test here."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _loopback_sockets(socket_enabled: None) -> None:
    """The Home Assistant test plugin blocks sockets; these tests need loopback."""
