"""Protocol tests talk to simulators on 127.0.0.1: allow loopback sockets for every test here.

The Momit gateway simulator runs in a subprocess (aiocoap server contexts leave ~247 s timers
behind, which the Home Assistant test plugin rejects, §10.5). One process serves the whole
session; `momit_gateway` resets it to a fresh world (new ports, default state) for each test.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
import gc

import pytest
import pytest_socket

from custom_components.kumo_momit.momit import (
    Backoff,
    MomitClientOptions,
    MomitCoolClient,
    MomitTiming,
    ScanOptions,
)
from custom_components.kumo_momit.momit._relay import SourcePortRelay
from custom_components.kumo_momit.momit._transport import NodeLink
from simulators.momit_gateway import GatewaySimulator
from tests.properties import property_settings

MOMIT_PROPERTIES = property_settings("momit", ci_examples=300)
"""Settings of every Momit property test (used as a decorator)."""

# Short timings keep failing tests fast; nothing asserts on durations.
FAST_TIMING = MomitTiming(ack_timeout_s=0.1, max_retransmit=1)


# aiocoap's udp6 transport checks the route with a throw-away connect() to the v4-mapped
# address, which pytest-socket (as configured by the Home Assistant plugin) does not allow.
LOOPBACK_HOSTS = ["127.0.0.1", "::ffff:127.0.0.1"]


@pytest.fixture(autouse=True)
def _loopback_sockets(socket_enabled: None) -> None:
    """The Home Assistant test plugin blocks sockets; these tests need loopback (v4 + mapped)."""
    pytest_socket.socket_allow_hosts(LOOPBACK_HOSTS, allow_unix_socket=True)


@pytest.fixture(scope="session")
def momit_gateway_process() -> Iterator[GatewaySimulator]:
    """One simulator subprocess for the session (2 AC nodes and 1 other node by default)."""
    simulator = GatewaySimulator(ac_nodes=2, other_nodes=1)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def momit_gateway(momit_gateway_process: GatewaySimulator) -> GatewaySimulator:
    """A freshly reset simulated gateway."""
    momit_gateway_process.reset_sync()
    return momit_gateway_process


def scan_options(simulator: GatewaySimulator, **overrides: object) -> ScanOptions:
    """Scan only the simulator's narrow port window, with short timeouts."""
    low, high = simulator.port_range
    values: dict[str, object] = {
        "primary_ports": (range(low, high + 1),),
        "fallback_ports": (),
        "probe_timeout_s": 0.3,
        "inspect_timing": FAST_TIMING,
    }
    values.update(overrides)
    return ScanOptions(**values)  # type: ignore[arg-type]


def client_options(simulator: GatewaySimulator, **overrides: object) -> MomitClientOptions:
    """Client options for tests: short timings, quick re-registration, scans of the window."""
    values: dict[str, object] = {
        "probe_timing": FAST_TIMING,
        "command_timing": FAST_TIMING,
        "silence_timeout_s": 30.0,
        "backoff": Backoff(initial_s=0.05, max_s=0.2),
        "relocate_interval_s": 0.0,
        "scan": scan_options(simulator),
    }
    values.update(overrides)
    return MomitClientOptions(**values)  # type: ignore[arg-type]


def open_momit_links() -> int:
    """CoAP contexts and relays of the Momit library still open in this process.

    Each client (and each scan's inspection) owns its context and relay; a leak shows up as an
    open link, or as a running relay (held by the event loop even after its link is gone).
    """
    gc.collect()
    links = sum(1 for obj in gc.get_objects() if isinstance(obj, NodeLink) and obj.is_open)
    relays = sum(1 for obj in gc.get_objects() if isinstance(obj, SourcePortRelay) and obj.running)
    return links + relays


@pytest.fixture
async def momit_clients() -> AsyncIterator[list[MomitCoolClient]]:
    """Clients appended here are closed after the test; nothing of theirs may stay open."""
    clients: list[MomitCoolClient] = []
    yield clients
    for client in clients:
        await client.close()
    assert not any(client.is_open for client in clients)
    assert open_momit_links() == 0


async def wait_until(
    condition: Callable[[], Awaitable[bool]] | Callable[[], bool], *, limit_s: float = 15.0
) -> None:
    """Poll until `condition` holds; the limit only guards against a hang (no timing assert)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while True:
        result = condition()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            pytest.fail("condition never became true")
        await asyncio.sleep(0.02)
