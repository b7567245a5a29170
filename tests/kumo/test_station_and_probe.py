"""Kumo Station polling (§10) and address probing (§11)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
import socket

import aiohttp
from aiohttp import web
import pytest

from custom_components.kumo_momit.kumo import (
    KumoConnectionError,
    KumoCredentials,
    KumoProtocolError,
    KumoStation,
    ProbeResult,
    probe,
)
from simulators.kumo_unit import KumoUnitSimulator

from .conftest import BEDROOM, LIVING_ROOM, STATION, FakeClock, credentials_of

MINUTE = 60.0
OAT_BODY = b'{"c":{"eqc":{"oat":{}}}}'


async def test_station_polls_outdoor_temperature(
    sim: KumoUnitSimulator, make_station: Callable[..., KumoStation], clock: FakeClock
) -> None:
    """One `eqc.oat` read per poll; adapter status + sensors at start, then by cadence."""
    station = make_station()
    state = await station.async_update()
    sim_unit = sim.unit(STATION)
    assert state.outdoor_temperature == 7.5
    assert state.wifi_rssi == -52
    assert state.sensors == ()
    assert station.state is state
    assert sim_unit.bodies() == [OAT_BODY, b'{"c":{"adapter":{"status":{}},"sensors":{}}}']
    sim_unit.tree["eqc"]["oat"] = -3.5
    sim_unit.reset_records()
    for _ in range(5):
        clock.advance(MINUTE)
        state = await station.async_update()
    assert state.outdoor_temperature == -3.5
    assert sim_unit.bodies() == [OAT_BODY] * 5


async def test_station_with_sensor(
    sim: KumoUnitSimulator, make_station: Callable[..., KumoStation], clock: FakeClock
) -> None:
    """A sensor paired to the station is read every 5 minutes."""
    sim_unit = sim.unit(STATION)
    sim_unit.tree["sensors"]["0"] = {"uuid": "ab" * 16, "humidity": 60.0, "temperature": 19.0}
    station = make_station()
    assert (await station.async_update()).humidity == 60.0
    sim_unit.reset_records()
    clock.advance(5 * MINUTE)
    await station.async_update()
    assert sim_unit.bodies() == [OAT_BODY, b'{"c":{"sensors":{}}}']


async def test_station_errors(
    sim: KumoUnitSimulator, make_station: Callable[..., KumoStation]
) -> None:
    """A failed oat read fails the poll; a reply without eqc.oat is a protocol error."""
    sim_unit = sim.unit(STATION)
    station = make_station()
    sim_unit.faults.scripted_replies.append(b'{"r":{"eqc":{}}}')
    with pytest.raises(KumoProtocolError, match=r"eqc\.oat"):
        await station.async_update()
    await sim_unit.go_offline()
    with pytest.raises(KumoConnectionError):
        await station.async_update()


async def test_station_survives_failing_extras(
    sim: KumoUnitSimulator, make_station: Callable[..., KumoStation]
) -> None:
    """Adapter status / sensors are optional for a station."""
    sim_unit = sim.unit(STATION)
    sim_unit.faults.scripted_replies += [b'{"r":{"eqc":{"oat":"__ungettable"}}}', b"x", b"x", b"x"]
    state = await make_station().async_update()
    assert state.outdoor_temperature is None
    assert state.adapter is None


async def test_probe_match(sim: KumoUnitSimulator, session: aiohttp.ClientSession) -> None:
    """Right secrets at the right address; a station matches too."""
    for serial in (LIVING_ROOM, STATION):
        result = await probe(session, sim.address(serial), credentials_of(sim, serial), timeout=0.5)
        assert result is ProbeResult.MATCH
    assert sim.unit(LIVING_ROOM).bodies() == [b'{"c":{"indoorUnit":{"status":{}}}}']


async def test_probe_wrong_secrets_costs_one_request(
    sim: KumoUnitSimulator, session: aiohttp.ClientSession
) -> None:
    """Another unit's secrets: WRONG_SECRETS after a single request (no auth retry)."""
    result = await probe(session, sim.address(LIVING_ROOM), credentials_of(sim, BEDROOM))
    assert result is ProbeResult.WRONG_SECRETS
    assert sim.unit(LIVING_ROOM).request_count == 1


async def test_probe_unreachable_and_busy(
    sim: KumoUnitSimulator, session: aiohttp.ClientSession
) -> None:
    """Nothing listening, or too busy to tell: UNREACHABLE, and no reboot from a probe."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    credentials = credentials_of(sim, LIVING_ROOM)
    assert (
        await probe(session, f"127.0.0.1:{port}", credentials, timeout=0.3)
        is ProbeResult.UNREACHABLE
    )
    sim.unit(LIVING_ROOM).faults.serializer_error = 1
    assert await probe(session, sim.address(LIVING_ROOM), credentials) is ProbeResult.UNREACHABLE
    assert sim.unit(LIVING_ROOM).reboots == 0


@pytest.fixture
async def web_server() -> AsyncIterator[str]:
    """Some other HTTP device on the LAN (a router page)."""

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<html>router</html>", content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/api", page)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def test_probe_not_kumo(web_server: str, session: aiohttp.ClientSession) -> None:
    """Something answered, but not like an adapter."""
    credentials = KumoCredentials("AQID", "001122334455667788")
    assert await probe(session, web_server, credentials) is ProbeResult.NOT_KUMO
