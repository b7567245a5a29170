"""Protocol tests talk to simulators on 127.0.0.1: allow loopback sockets for every test here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
import socket
from typing import Any

import aiohttp
import pytest

from custom_components.kumo_momit.kumo import (
    KumoClientOptions,
    KumoCredentials,
    KumoIndoorUnit,
    KumoPollerOptions,
    KumoStation,
    KumoUnitClient,
)
from simulators.kumo_unit import KumoUnitSimulator
from simulators.kumo_units import KumoUnitDefinition, demo_units
from tests.properties import property_settings

LIVING_ROOM, BEDROOM, STATION = (d.serial for d in demo_units())

KUMO_PROPERTIES = property_settings("kumo", ci_examples=200)
"""Settings of every Kumo property test (used as a decorator)."""


@pytest.fixture(autouse=True)
def _loopback_sockets(socket_enabled: None) -> None:
    """The Home Assistant test plugin blocks sockets; these tests need loopback."""


class FakeClock:
    """A monotonic clock the test moves by hand (cadences, rate limits, write delays)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    """A fake monotonic clock shared by the simulator and the client under test."""
    return FakeClock()


def unit_definitions() -> list[KumoUnitDefinition]:
    """The demo units plus a 4-speed unit with an MHK2 and no auto key."""
    living, bedroom, station = demo_units()
    four_speed = replace(
        living,
        serial="4SPEED00MHK20001",
        label="Office",
        number_of_fan_speeds=4,
        has_vane_swing=False,
        wireless_sensor=False,
        mhk2=True,
    )
    return [living, bedroom, station, four_speed]


FOUR_SPEED = "4SPEED00MHK20001"


@pytest.fixture
async def sim(clock: FakeClock) -> AsyncIterator[KumoUnitSimulator]:
    """Simulated adapters on loopback, with a still room and the fake clock."""
    async with KumoUnitSimulator(unit_definitions(), clock=clock, room_drift=False) as simulator:
        yield simulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp session, as Home Assistant would inject."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def credentials_of(sim: KumoUnitSimulator, serial: str) -> KumoCredentials:
    """The unit's real secrets."""
    d = sim.unit(serial).definition
    return KumoCredentials(d.password_b64, d.crypto_serial_hex)


@pytest.fixture
def make_client(
    sim: KumoUnitSimulator, session: aiohttp.ClientSession, clock: FakeClock
) -> Callable[..., KumoUnitClient]:
    """Build a client for a simulated unit, with small timeouts so failing tests stay fast."""

    def factory(serial: str = LIVING_ROOM, **kwargs: Any) -> KumoUnitClient:
        """`kwargs`: `credentials`, `clock`, or any `KumoClientOptions` field."""
        credentials = kwargs.pop("credentials", None) or credentials_of(sim, serial)
        client_clock = kwargs.pop("clock", clock)
        options: dict[str, Any] = {
            "connect_timeout": 0.5,
            "read_timeout": 0.5,
            "auth_retry_delay": 0.0,
        }
        options.update(kwargs)
        return KumoUnitClient(
            session,
            sim.address(serial),
            credentials,
            options=KumoClientOptions(**options),
            clock=client_clock,
        )

    return factory


@pytest.fixture
def make_unit(
    make_client: Callable[..., KumoUnitClient], clock: FakeClock
) -> Callable[..., KumoIndoorUnit]:
    """Build an indoor-unit poller on the fake clock."""

    def factory(serial: str = LIVING_ROOM, **kwargs: Any) -> KumoIndoorUnit:
        """`kwargs`: `client_options` for `make_client`, or any `KumoPollerOptions` field."""
        client_options = kwargs.pop("client_options", {})
        return KumoIndoorUnit(
            serial,
            serial,
            make_client(serial, **client_options),
            clock=clock,
            options=KumoPollerOptions(**kwargs),
        )

    return factory


@pytest.fixture
def make_station(
    make_client: Callable[..., KumoUnitClient], clock: FakeClock
) -> Callable[..., KumoStation]:
    """Build a station poller on the fake clock."""

    def factory(serial: str = STATION) -> KumoStation:
        return KumoStation(serial, "Station", make_client(serial), clock=clock)

    return factory


@contextmanager
def black_hole() -> Iterator[str]:
    """`127.0.0.1:port` where every connect times out, like a unit off the network.

    A listening socket whose accept queue is full drops further SYNs: Linux queues backlog + 1
    connections, and one is taken here.
    """
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)  # never accepted
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            yield f"127.0.0.1:{port}"
