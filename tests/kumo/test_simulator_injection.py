"""The simulator's room temperature injection (kumo.md §6.1): `tempSource` and `roomTemp` writes.

While `tempSource` is `api` and an injected `roomTemp` is fresh, the unit reports and regulates on
it (`activeThermistor: "api"`); without a new one within the fallback timeout it regulates on its
own thermistor again; `returnair` restores the unit's own source; `tempSource` survives a reboot.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from typing import Any

import aiohttp

from custom_components.kumo_momit.kumo import kumo_token
from simulators.kumo_unit import INJECTION_FALLBACK_S, KumoUnitSimulator, definitions_for

from .conftest import BEDROOM, LIVING_ROOM, FakeClock

API = b'{"c":{"indoorUnit":{"status":{"tempSource":"api"}}}}'
RETURN_AIR = b'{"c":{"indoorUnit":{"status":{"tempSource":"returnair"}}}}'
REBOOT = b'{"c":{"adapter":{"status":{"runState":"reboot"}}}}'
READ_SOURCE = json.dumps(
    {"c": {"indoorUnit": {"status": {"roomTemp": {}, "tempSource": {}, "activeThermistor": {}}}}}
).encode()


def inject(celsius: float) -> bytes:
    """pykumo's body for `set_injected_room_temp` (§6.1a), one decimal."""
    return b'{"c": { "indoorUnit": { "status": { "roomTemp": %.1f } } } }' % celsius


async def put(
    session: aiohttp.ClientSession, address: str, secrets: tuple[str, str], body: bytes
) -> Any:
    """One signed request, as a client sends it."""
    token = kumo_token(secrets[0], secrets[1], body)
    async with session.put(f"http://{address}/api?m={token}", data=body) as response:
        return await response.json(content_type=None)


async def _put(session: aiohttp.ClientSession, sim: KumoUnitSimulator, body: bytes) -> Any:
    d = sim.unit(LIVING_ROOM).definition
    return await put(session, sim.address(LIVING_ROOM), (d.password_b64, d.crypto_serial_hex), body)


async def source_as_read(session: aiohttp.ClientSession, sim: KumoUnitSimulator) -> tuple[Any, ...]:
    """(roomTemp, tempSource, activeThermistor) as a client reads them over the wire."""
    reply = await _put(session, sim, READ_SOURCE)
    status = reply["r"]["indoorUnit"]["status"]
    return status["roomTemp"], status["tempSource"], status["activeThermistor"]


async def test_injected_value_is_reported_and_regulated_on(
    sim: KumoUnitSimulator, session: aiohttp.ClientSession
) -> None:
    """While fresh, the injected value is the room temperature the unit reports and acts on."""
    unit = sim.unit(LIVING_ROOM)
    unit.set_room_temperature(22.2)  # at the unit, high on the wall
    await _put(session, sim, b'{"c":{"indoorUnit":{"status":{"mode":"heat","spHeat":21}}}}')
    assert unit.status["standby"] is True  # 22 °C at the unit: satisfied
    await _put(session, sim, API)
    assert await source_as_read(session, sim) == (22.0, "api", "returnair")  # nothing injected yet
    await _put(session, sim, inject(19.46))
    assert await source_as_read(session, sim) == (19.5, "api", "api")
    assert unit.status["standby"] is False  # 19.5 °C where people sit: it heats
    assert unit.thermistor_c == 22.2  # the air at the unit is not what was injected
    await _put(session, sim, inject(21.3))
    assert await source_as_read(session, sim) == (21.3, "api", "api")
    assert unit.status["standby"] is True
    await _put(session, sim, b'{"c":{"indoorUnit":{"status":{"mode":"auto","spCool":25}}}}')
    await _put(session, sim, inject(24.8))
    assert unit.status["mode"] == "autoCool"  # the auto side follows the injected value too


async def test_stale_injection_falls_back_to_the_thermistor(
    sim: KumoUnitSimulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    """No new value within the fallback timeout: the unit's own thermistor again; `tempSource`
    still reads `api` (a setting), `activeThermistor` tells the source in effect."""
    unit = sim.unit(LIVING_ROOM)
    assert unit.injection_fallback_s == INJECTION_FALLBACK_S
    unit.set_room_temperature(23.2)
    await _put(session, sim, API)
    await _put(session, sim, inject(20.0))
    clock.advance(INJECTION_FALLBACK_S - 1)
    assert await source_as_read(session, sim) == (20.0, "api", "api")
    await _put(session, sim, inject(20.1))  # a keep-alive restarts the timeout
    clock.advance(INJECTION_FALLBACK_S - 1)
    assert await source_as_read(session, sim) == (20.1, "api", "api")
    assert unit.injection_in_effect is True
    clock.advance(1)
    assert await source_as_read(session, sim) == (23.0, "api", "returnair")
    assert unit.injection_in_effect is False
    await _put(session, sim, inject(20.2))  # injecting again takes over again
    assert await source_as_read(session, sim) == (20.2, "api", "api")


async def test_returnair_restores_the_units_own_source(
    sim: KumoUnitSimulator, session: aiohttp.ClientSession
) -> None:
    """`returnair` ends the injection at once; later `roomTemp` writes are ignored (§6.1)."""
    unit = sim.unit(LIVING_ROOM)
    unit.set_room_temperature(21.0)
    await _put(session, sim, API)
    await _put(session, sim, inject(18.5))
    await _put(session, sim, RETURN_AIR)
    assert await source_as_read(session, sim) == (21.0, "returnair", "returnair")
    await _put(session, sim, inject(17.0))
    assert await source_as_read(session, sim) == (21.0, "returnair", "returnair")
    await _put(session, sim, b'{"c":{"indoorUnit":{"status":{"tempSource":"unset"}}}}')
    assert unit.status["tempSource"] == "returnair"  # `unset` is read-only (§6.1)


async def test_rewriting_api_keeps_a_fresh_value(
    sim: KumoUnitSimulator, session: aiohttp.ClientSession
) -> None:
    """Writing `api` again while injecting changes nothing; another source starts afresh."""
    await _put(session, sim, API)
    await _put(session, sim, inject(19.0))
    await _put(session, sim, API)
    assert await source_as_read(session, sim) == (19.0, "api", "api")
    await _put(session, sim, b'{"c":{"indoorUnit":{"status":{"tempSource":"sensor0"}}}}')
    await _put(session, sim, API)
    assert await source_as_read(session, sim) == (22.0, "api", "returnair")


async def test_temp_source_survives_a_reboot(
    sim: KumoUnitSimulator, session: aiohttp.ClientSession
) -> None:
    """§6.1: `tempSource` persists across reboots; the injected value does not (conservative)."""
    await _put(session, sim, API)
    await _put(session, sim, inject(19.0))
    await _put(session, sim, REBOOT)
    assert sim.unit(LIVING_ROOM).reboots == 1
    assert await source_as_read(session, sim) == (22.0, "api", "returnair")
    await _put(session, sim, inject(19.2))
    assert await source_as_read(session, sim) == (19.2, "api", "api")


async def test_fallback_timeout_is_configurable(
    session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    """Per simulator (constructor) and per unit (attribute), so tests need not wait 40 s."""
    async with KumoUnitSimulator(
        definitions_for(2), clock=clock, room_drift=False, injection_fallback_s=5.0
    ) as sim:
        sim.unit(BEDROOM).injection_fallback_s = 2.0
        for serial in (LIVING_ROOM, BEDROOM):
            d = sim.unit(serial).definition
            secrets = (d.password_b64, d.crypto_serial_hex)
            await put(session, sim.address(serial), secrets, API)
            await put(session, sim.address(serial), secrets, inject(18.0))
        clock.advance(3.0)
        assert sim.unit(LIVING_ROOM).status["activeThermistor"] == "api"
        assert sim.unit(BEDROOM).status["activeThermistor"] == "returnair"
        clock.advance(2.0)
        assert sim.unit(LIVING_ROOM).status["activeThermistor"] == "returnair"


async def test_room_holds_while_injected_and_drifts_after_fallback(
    session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    """With drift on: regulating on a sensor elsewhere, the air at the unit holds; after the
    fallback the unit heats on its own thermistor again."""
    async with KumoUnitSimulator(definitions_for(1), clock=clock, injection_fallback_s=30) as sim:
        unit = sim.unit(LIVING_ROOM)
        unit.set_room_temperature(18.0)
        await _put(session, sim, API)
        await _put(session, sim, inject(21.5))
        await _put(session, sim, b'{"c":{"indoorUnit":{"status":{"mode":"heat","spHeat":21}}}}')
        clock.advance(20)
        assert unit.status["roomTemp"] == 21.5
        assert unit.status["standby"] is True
        assert unit.thermistor_c == 18.0
        clock.advance(10 * 60)
        assert unit.status["activeThermistor"] == "returnair"
        assert unit.status["standby"] is False
        assert unit.status["roomTemp"] > 18.0  # heating on its own thermistor


async def test_standalone_injection_fallback_option() -> None:
    """`--injection-fallback` sets the timeout of a standalone simulator (real clock)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulators.kumo_unit",
        "--units",
        "1",
        "--no-drift",
        "--injection-fallback",
        "0.5",
        "--json",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        [unit] = json.loads(await asyncio.wait_for(process.stdout.readline(), 30))
        secrets = (unit["password"], unit["crypto_serial"])
        async with aiohttp.ClientSession() as session:
            await put(session, unit["address"], secrets, API)
            await put(session, unit["address"], secrets, inject(17.5))
            reply = await put(session, unit["address"], secrets, READ_SOURCE)
            assert reply["r"]["indoorUnit"]["status"]["activeThermistor"] == "api"
            await asyncio.sleep(0.6)
            reply = await put(session, unit["address"], secrets, READ_SOURCE)
            assert reply["r"]["indoorUnit"]["status"]["activeThermistor"] == "returnair"
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
