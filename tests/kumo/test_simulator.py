"""The Kumo unit simulator itself: it must behave like the spec says adapters do."""

from __future__ import annotations

import asyncio
import json
import signal
import sys

import aiohttp
import pytest

from custom_components.kumo_momit.kumo import KumoUnitClient, kumo_token
from simulators.kumo_unit import KumoUnitSimulator, classify, definitions_for

from .conftest import BEDROOM, FOUR_SPEED, LIVING_ROOM, STATION, FakeClock, credentials_of


async def _put(
    session: aiohttp.ClientSession, sim: KumoUnitSimulator, serial: str, body: bytes
) -> object:
    d = sim.unit(serial).definition
    token = kumo_token(d.password_b64, d.crypto_serial_hex, body)
    async with session.put(f"http://{sim.address(serial)}/api?m={token}", data=body) as response:
        assert response.status == 200
        return await response.json(content_type=None)


async def test_pykumo_style_bodies_and_wrong_token(
    sim: KumoUnitSimulator, session: aiohttp.ClientSession
) -> None:
    """Spaces and %f floats are fine (token over exact bytes); a wrong token gets HTTP 200 error."""
    body = b'{"c": { "indoorUnit": { "status": { "spCool": 22.500000 } } } }'
    assert await _put(session, sim, LIVING_ROOM, body) == {
        "r": {"indoorUnit": {"status": {"spCool": 24.0}}}
    }
    assert sim.unit(LIVING_ROOM).status["spCool"] == 22.5
    async with session.put(f"http://{sim.address(LIVING_ROOM)}/api?m=", data=body) as response:
        assert response.status == 200
        assert await response.json() == {"_api_error": "device_authentication_error"}
    assert [r.authorized for r in sim.unit(LIVING_ROOM).requests] == [True, False]


async def test_reads_mirror_the_tree(
    sim: KumoUnitSimulator, session: aiohttp.ClientSession
) -> None:
    """Whole node, single attribute, several nodes, absent node, everything."""
    one = await _put(session, sim, LIVING_ROOM, b'{"c":{"indoorUnit":{"status":{"mode":{}}}}}')
    assert one == {"r": {"indoorUnit": {"status": {"mode": "off"}}}}
    many = await _put(
        session, sim, LIVING_ROOM, b'{"c":{"adapter":{"info":{},"status":{"runState":{}}}}}'
    )
    assert many == {
        "r": {
            "adapter": {
                "info": {
                    "macAddress": "50:26:ef:12:34:01",
                    "serialNumber": LIVING_ROOM,
                    "isTestMode": False,
                    "firmwareVersion": "02.06.12",
                },
                "status": {"runState": "normal"},
            }
        }
    }
    absent = await _put(session, sim, LIVING_ROOM, b'{"c":{"mhk2":{"status":{}}}}')
    assert absent == {"r": {"mhk2": None}}
    everything = await _put(session, sim, STATION, b'{"c":{}}')
    assert isinstance(everything, dict)
    assert set(everything["r"]) == {"adapter", "sensors", "eqc"}
    assert sim.unit(LIVING_ROOM).counts == {
        "per-attribute": 1,
        "adapter_info": 1,
        "adapter": 1,
        "mhk2": 1,
    }


async def test_invalid_writes_are_silently_ignored(
    sim: KumoUnitSimulator, session: aiohttp.ClientSession
) -> None:
    """§2.2: unknown vocabulary and out-of-range setpoints are answered 200 and ignored."""
    for body in (
        b'{"c":{"indoorUnit":{"status":{"vaneDir":"left"}}}}',
        b'{"c":{"indoorUnit":{"status":{"spHeat":45}}}}',
        b'{"c":{"indoorUnit":{"status":{"fanSpeed":"Low"}}}}',
        b'{"c":{"indoorUnit":{"status":{"roomTemp":18.5}}}}',
    ):
        await _put(session, sim, LIVING_ROOM, body)
    status = sim.unit(LIVING_ROOM).status
    assert (status["vaneDir"], status["spHeat"], status["fanSpeed"], status["roomTemp"]) == (
        "auto",
        21.0,
        "auto",
        22.0,
    )
    await _put(session, sim, BEDROOM, b'{"c":{"indoorUnit":{"status":{"mode":"auto"}}}}')
    await _put(session, sim, BEDROOM, b'{"c":{"indoorUnit":{"status":{"vaneDir":"auto"}}}}')
    await _put(session, sim, FOUR_SPEED, b'{"c":{"indoorUnit":{"status":{"fanSpeed":"Low"}}}}')
    assert sim.unit(BEDROOM).status["mode"] == "off"
    assert sim.unit(FOUR_SPEED).status["fanSpeed"] == "Low"


async def test_api_temperature_injection(
    sim: KumoUnitSimulator, session: aiohttp.ClientSession
) -> None:
    """§6.1: roomTemp is writable while tempSource is api; the room model then holds still."""
    await _put(session, sim, LIVING_ROOM, b'{"c":{"indoorUnit":{"status":{"tempSource":"api"}}}}')
    await _put(session, sim, LIVING_ROOM, b'{"c":{"indoorUnit":{"status":{"roomTemp":18.5}}}}')
    unit = sim.unit(LIVING_ROOM)
    unit.advance(600)
    assert unit.status["roomTemp"] == 18.5


async def test_room_follows_the_unit(
    sim: KumoUnitSimulator, session: aiohttp.ClientSession
) -> None:
    """Deterministic room model: heat drifts up to spHeat, then standby; auto reports a side."""
    unit = sim.unit(LIVING_ROOM)
    unit.set_room_temperature(19.0)
    await _put(session, sim, LIVING_ROOM, b'{"c":{"indoorUnit":{"status":{"mode":"heat"}}}}')
    unit.advance(5 * 60)
    assert unit.status["roomTemp"] == 20.0
    assert unit.status["standby"] is False
    unit.advance(60 * 60)
    assert unit.status["roomTemp"] == 21.0
    assert unit.status["standby"] is True
    assert unit.tree["sensors"]["0"]["temperature"] == pytest.approx(21.4)
    await _put(
        session, sim, LIVING_ROOM, b'{"c":{"indoorUnit":{"status":{"mode":"cool","spCool":20}}}}'
    )
    unit.advance(60 * 60)
    assert unit.status["roomTemp"] == 20.0
    await _put(session, sim, LIVING_ROOM, b'{"c":{"indoorUnit":{"status":{"mode":"auto"}}}}')
    assert unit.status["mode"] == "autoHeat"
    unit.set_room_temperature(23.0)
    assert unit.status["mode"] == "autoCool"
    unit.advance(60 * 60)
    assert unit.status["roomTemp"] == 20.0  # auto cools down to spCool
    await _put(session, sim, LIVING_ROOM, b'{"c":{"indoorUnit":{"status":{"mode":"off"}}}}')
    unit.advance(600 * 60)
    assert unit.status["roomTemp"] == 18.0  # off: back to ambient


async def test_clock_driven_drift_and_delayed_writes(
    clock: FakeClock, session: aiohttp.ClientSession
) -> None:
    """With drift on, the simulator clock moves the room; delayed writes echo the old value."""
    async with KumoUnitSimulator(definitions_for(1), clock=clock) as sim:
        unit = sim.unit(LIVING_ROOM)
        unit.write_delay = 3.0
        unit.set_room_temperature(18.0)
        echo = await _put(
            session, sim, LIVING_ROOM, b'{"c":{"indoorUnit":{"status":{"mode":"heat"}}}}'
        )
        assert echo == {"r": {"indoorUnit": {"status": {"mode": "off"}}}}
        assert unit.status["mode"] == "off"
        clock.advance(3.0)
        assert unit.status["mode"] == "heat"
        clock.advance(10 * 60)
        assert unit.status["roomTemp"] == 20.0
        unit.echo_previous = False
        echo = await _put(
            session, sim, LIVING_ROOM, b'{"c":{"indoorUnit":{"status":{"spHeat":22}}}}'
        )
        assert echo == {"r": {"indoorUnit": {"status": {"spHeat": 22}}}}


async def test_faults_and_reboot(sim: KumoUnitSimulator, session: aiohttp.ClientSession) -> None:
    """no_memory marks the reply; a reboot clears memory faults; clear() resets everything."""
    unit = sim.unit(LIVING_ROOM)
    unit.faults.no_memory = 1
    reply = await _put(session, sim, LIVING_ROOM, b'{"c":{"indoorUnit":{"status":{}}}}')
    assert reply == {"r": {"indoorUnit": {"status": "__no_memory"}}}
    unit.faults.max_reply_bytes = 100  # a leaking adapter: big replies fail, the reboot fits
    reply = await _put(session, sim, LIVING_ROOM, b'{"c":{"indoorUnit":{"status":{}}}}')
    assert reply == {"_api_error": "serializer_error"}
    await _put(session, sim, LIVING_ROOM, b'{"c":{"adapter":{"status":{"runState":"reboot"}}}}')
    assert unit.faults.max_reply_bytes is None
    assert unit.reboots == 1
    assert unit.counts["reboot"] == 1
    unit.faults.auth_error = 3
    unit.faults.clear()
    assert unit.faults.auth_error == 0
    bad_json = b"not json"
    reply = await _put(session, sim, LIVING_ROOM, bad_json)
    assert reply == {"_api_error": "json_error"}
    assert unit.requests[-1].kinds == ("invalid",)
    assert unit.requests[-1].tree is None


def test_classify() -> None:
    """Request kinds for the counters."""
    assert classify({}) == ("all",)
    assert classify(None) == ("invalid",)
    assert classify({"indoorUnit": {"status": {}, "profile": {}}}) == ("status", "profile")
    assert classify({"indoorUnit": {"schedule": {}}}) == ("other",)
    assert classify({"mhk2": {"hold": {"adapter": {"endTime": 0}}}}) == ("write",)
    assert classify({"eqc": {"oat": {}}, "sensors": {}}) == ("eqc", "sensors")
    assert classify({"adapter": {"status": {"runState": "reboot"}}}) == ("reboot",)


def test_definitions_for() -> None:
    """Demo units first, then generated ones with valid, distinct secrets."""
    five = definitions_for(5)
    assert [d.serial for d in five[:3]] == [LIVING_ROOM, BEDROOM, STATION]
    assert len({d.serial for d in five}) == 5
    assert len({d.password_b64 for d in five}) == 5
    assert definitions_for(2)[1].serial == BEDROOM
    assert len(definitions_for(None)) == 3


async def test_client_works_against_generated_units(session: aiohttp.ClientSession) -> None:
    """Generated units have usable secrets."""
    async with KumoUnitSimulator(definitions_for(4)[3:], room_drift=False) as sim:
        [serial] = sim.units
        client = KumoUnitClient(session, sim.address(serial), credentials_of(sim, serial))
        assert (await client.request({"indoorUnit": {"status": {}}}))["indoorUnit"]["status"][
            "mode"
        ] == "off"


async def test_standalone_entry_point() -> None:
    """`python -m simulators.kumo_unit --units 2 --port 0 --json` prints addresses and secrets,
    serves, and stops cleanly on SIGINT."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulators.kumo_unit",
        "--units",
        "2",
        "--port",
        "0",
        "--json",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 30)
        units = json.loads(line)
        assert [u["serial"] for u in units] == [LIVING_ROOM, BEDROOM]
        assert all(u["address"].startswith("127.0.0.1:") and u["password"] for u in units)
        async with aiohttp.ClientSession() as session:
            body = b'{"c":{"eqc":{"oat":{}}}}'
            token = kumo_token(units[0]["password"], units[0]["crypto_serial"], body)
            async with session.put(
                f"http://{units[0]['address']}/api?m={token}", data=body
            ) as response:
                assert await response.json() == {"r": {"eqc": None}}
        await asyncio.wait_for(process.stdout.readline(), 30)  # "running" line
        process.send_signal(signal.SIGINT)
        out, _err = await asyncio.wait_for(process.communicate(), 30)
        assert b"stopped" in out
        assert process.returncode == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
