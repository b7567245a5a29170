"""Address discovery: DHCP sightings matched by MAC, confirmed by signed probes (kumo.md §11).

Runs against the unit simulator (one loopback port per adapter) and, for the whole pipeline,
the cloud simulator too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
import json
from pathlib import Path
import socket

import aiohttp
from aiohttp import web
import pytest

from custom_components.kumo_momit.kumo import (
    KUMO_OUIS,
    FieldSource,
    KumoCloudEndpoints,
    KumoCredentialsError,
    KumoUnitRecord,
    ProbeAttempt,
    ProbeResult,
    async_check_address,
    async_discover_units,
    async_identify_address,
    async_resolve_addresses,
    is_kumo_mac,
    normalize_dhcp_sightings,
)
from simulators.kumo_cloud import DEMO_PASSWORD, DEMO_USERNAME, KumoCloudSimulator
from simulators.kumo_unit import KumoUnitSimulator

from .conftest import BEDROOM, LIVING_ROOM, STATION

MANIFEST = Path(__file__).parents[2] / "custom_components" / "kumo_momit" / "manifest.json"
FAST = 0.5  # probe timeout: keeps the unreachable cases quick


def record(sim: KumoUnitSimulator, serial: str, **changes: object) -> KumoUnitRecord:
    """What the cloud would have told us about a simulated unit: secrets and MAC, no address."""
    d = sim.unit(serial).definition
    unit = KumoUnitRecord(
        serial=serial,
        name=d.label,
        mac=d.mac,
        password_b64=d.password_b64,
        crypto_serial_hex=d.crypto_serial_hex,
    )
    return replace(unit, **changes)  # type: ignore[arg-type]


def sightings_of(sim: KumoUnitSimulator, *serials: str) -> dict[str, str]:
    """DHCP sightings as Home Assistant spells them: bare lowercase MAC → address."""
    return {
        sim.unit(serial).definition.mac.replace(":", ""): sim.address(serial) for serial in serials
    }


def closed_address() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
async def not_kumo() -> AsyncIterator[str]:
    """Some other web server on the LAN."""

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<html>printer</html>", content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", page)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    yield f"{host}:{port}"
    await runner.cleanup()


# --------------------------------------------------------------------------- MACs and OUIs


def test_ouis_match_the_manifest_dhcp_matchers() -> None:
    matchers = json.loads(MANIFEST.read_text())["dhcp"]
    prefixes = {m["macaddress"].rstrip("*").lower() for m in matchers if "macaddress" in m}
    assert {oui.replace(":", "") for oui in KUMO_OUIS} == prefixes


@pytest.mark.parametrize(
    ("mac", "expected"),
    [
        ("50:26:EF:12:34:01", True),
        ("5026ef123401", True),
        ("04-C4-61-00-00-01", True),
        ("00:11:22:33:44:55", False),
        ("junk", False),
    ],
)
def test_is_kumo_mac(mac: str, expected: bool) -> None:
    assert is_kumo_mac(mac) is expected


def test_sightings_are_normalised() -> None:
    assert normalize_dhcp_sightings(
        {"5026EF123401": "192.168.1.5", "bad": "192.168.1.6", "50-26-ef-12-34-02": "N/A"}
    ) == {"50:26:ef:12:34:01": "192.168.1.5"}


# --------------------------------------------------------------------------- resolution


async def test_mac_match_confirmed_by_probe(
    sim: KumoUnitSimulator, session: aiohttp.ClientSession
) -> None:
    units = [record(sim, LIVING_ROOM), record(sim, BEDROOM)]

    result = await async_resolve_addresses(
        session, units, sightings_of(sim, LIVING_ROOM, BEDROOM), probe_timeout=FAST
    )

    assert result.resolved == (LIVING_ROOM, BEDROOM)
    assert result.unresolved == ()
    for unit in result.units:
        assert unit.address == sim.address(unit.serial)
        assert unit.sources.address is FieldSource.DHCP
        assert unit.is_complete
    assert [a.result for a in result.attempts] == [ProbeResult.MATCH, ProbeResult.MATCH]
    assert sim.unit(LIVING_ROOM).request_count == 1  # one signed probe each, no retries


async def test_another_adapter_at_the_mac_address_is_wrong_secrets(
    sim: KumoUnitSimulator, session: aiohttp.ClientSession
) -> None:
    # A stale lease: the living room's MAC is seen at the bedroom adapter's address.
    mac = sim.unit(LIVING_ROOM).definition.mac
    result = await async_resolve_addresses(
        session, [record(sim, LIVING_ROOM)], {mac: sim.address(BEDROOM)}, probe_timeout=FAST
    )

    assert result.unresolved == (LIVING_ROOM,)
    assert result.attempts_for(LIVING_ROOM) == (
        ProbeAttempt(
            serial=LIVING_ROOM, address=sim.address(BEDROOM), result=ProbeResult.WRONG_SECRETS
        ),
    )


async def test_unreachable_and_foreign_addresses(
    sim: KumoUnitSimulator, session: aiohttp.ClientSession, not_kumo: str
) -> None:
    living, bedroom = record(sim, LIVING_ROOM), record(sim, BEDROOM)
    assert living.mac is not None
    assert bedroom.mac is not None
    result = await async_resolve_addresses(
        session,
        [living, bedroom],
        {living.mac: closed_address(), bedroom.mac: not_kumo},
        probe_timeout=FAST,
    )
    assert result.unresolved == (LIVING_ROOM, BEDROOM)
    assert [a.result for a in result.attempts] == [ProbeResult.UNREACHABLE, ProbeResult.NOT_KUMO]


async def test_unknown_mac_tries_unclaimed_sightings_once_each(
    sim: KumoUnitSimulator, session: aiohttp.ClientSession
) -> None:
    units = [
        record(sim, LIVING_ROOM, address=sim.address(LIVING_ROOM)),  # known: claims its IP
        record(sim, BEDROOM),  # MAC known and sighted
        record(sim, STATION, mac=None),  # MAC unknown (2026 v3 zones carry none)
    ]
    sightings = sightings_of(sim, LIVING_ROOM, BEDROOM, STATION)

    result = await async_resolve_addresses(session, units, sightings, probe_timeout=FAST)

    assert result.resolved == (BEDROOM, STATION)
    by_serial = {unit.serial: unit for unit in result.units}
    assert by_serial[STATION].address == sim.address(STATION)
    # The unknown-MAC unit skipped the living room (claimed) and the bedroom (claimed by then,
    # and its MAC belongs to a known unit): it probed only the remaining sighting.
    assert result.attempts_for(STATION) == (
        ProbeAttempt(serial=STATION, address=sim.address(STATION), result=ProbeResult.MATCH),
    )
    assert sim.unit(LIVING_ROOM).request_count == 0
    # Every address is claimed by one serial only.
    addresses = [unit.address for unit in result.units]
    assert len(addresses) == len(set(addresses))


async def test_unknown_mac_stops_at_the_first_match(
    sim: KumoUnitSimulator, session: aiohttp.ClientSession
) -> None:
    sightings = {"5026ef990001": sim.address(BEDROOM), "5026ef990002": sim.address(STATION)}
    not_sighted = record(sim, LIVING_ROOM)  # its MAC is in no lease: nothing to probe
    result = await async_resolve_addresses(
        session, [record(sim, BEDROOM, mac=None), not_sighted], sightings, probe_timeout=FAST
    )
    assert result.resolved == (BEDROOM,)
    assert result.unresolved == (LIVING_ROOM,)
    assert len(result.attempts) == 1
    assert sim.unit(STATION).request_count == 0
    assert sim.unit(LIVING_ROOM).request_count == 0


async def test_units_without_secrets_get_an_unconfirmed_hint(
    sim: KumoUnitSimulator, session: aiohttp.ClientSession
) -> None:
    no_secrets = record(sim, BEDROOM, password_b64=None, crypto_serial_hex=None)
    not_sighted = record(sim, LIVING_ROOM, crypto_serial_hex=None)
    result = await async_resolve_addresses(
        session, [no_secrets, not_sighted], sightings_of(sim, BEDROOM), probe_timeout=FAST
    )
    assert result.attempts == ()
    assert result.unresolved == (BEDROOM, LIVING_ROOM)
    assert result.unconfirmed == {BEDROOM: sim.address(BEDROOM)}
    assert sim.unit(BEDROOM).request_count == 0


async def test_verify_known_replaces_a_stale_address(
    sim: KumoUnitSimulator, session: aiohttp.ClientSession
) -> None:
    stale = record(sim, LIVING_ROOM, address=sim.address(BEDROOM))  # DHCP moved things around
    healthy = record(sim, STATION, address=sim.address(STATION))  # a Kumo Station

    result = await async_resolve_addresses(
        session,
        [stale, healthy],
        sightings_of(sim, LIVING_ROOM),
        verify_known=True,
        probe_timeout=FAST,
    )

    living, station = result.units
    assert living.address == sim.address(LIVING_ROOM)
    assert living.sources.address is FieldSource.DHCP
    assert station == healthy  # confirmed where it was
    assert [a.result for a in result.attempts] == [
        ProbeResult.WRONG_SECRETS,
        ProbeResult.MATCH,
        ProbeResult.MATCH,
    ]
    assert result.resolved == (LIVING_ROOM,)


async def test_verify_known_keeps_an_address_nothing_replaces(
    sim: KumoUnitSimulator, session: aiohttp.ClientSession
) -> None:
    gone = closed_address()
    unit = record(sim, LIVING_ROOM, address=gone)
    duplicate = record(sim, BEDROOM, address=gone)  # two units cannot share it: re-searched

    result = await async_resolve_addresses(
        session, [unit, duplicate], {}, verify_known=True, probe_timeout=FAST
    )

    assert [u.address for u in result.units] == [gone, gone]  # maybe just switched off
    assert result.resolved == ()
    assert [a.result for a in result.attempts] == [ProbeResult.UNREACHABLE] * 2


# --------------------------------------------------------------------------- manual addresses


async def test_manual_address(
    sim: KumoUnitSimulator, session: aiohttp.ClientSession, not_kumo: str
) -> None:
    unit = record(sim, BEDROOM)

    check = await async_check_address(
        session, unit, f" {sim.address(BEDROOM)} ", probe_timeout=FAST
    )
    assert check.result is ProbeResult.MATCH
    assert check.unit.address == sim.address(BEDROOM)
    assert check.unit.sources.address is FieldSource.USER

    check = await async_check_address(session, unit, sim.address(LIVING_ROOM), probe_timeout=FAST)
    assert check.result is ProbeResult.WRONG_SECRETS  # a Kumo adapter, not this unit's secrets
    assert check.unit == unit

    check = await async_check_address(session, unit, not_kumo, probe_timeout=FAST)
    assert check.result is ProbeResult.NOT_KUMO

    with pytest.raises(ValueError, match="not a host"):
        await async_check_address(session, unit, "Bedroom 50:26:ef:12:34:02")
    with pytest.raises(KumoCredentialsError):
        await async_check_address(session, replace(unit, password_b64=None), sim.address(BEDROOM))


async def test_identify_which_unit_answers(
    sim: KumoUnitSimulator, session: aiohttp.ClientSession
) -> None:
    units = [
        record(sim, LIVING_ROOM),
        record(sim, BEDROOM, password_b64=None),
        record(sim, STATION),
    ]

    found, attempts = await async_identify_address(
        session, units, sim.address(STATION), probe_timeout=FAST
    )
    assert found is not None
    assert found.serial == STATION
    assert found.address == sim.address(STATION)
    assert [a.result for a in attempts] == [ProbeResult.WRONG_SECRETS, ProbeResult.MATCH]

    found, attempts = await async_identify_address(
        session, units, sim.address(BEDROOM), probe_timeout=FAST
    )
    assert found is None  # a Kumo adapter none of the known secrets open
    assert [a.result for a in attempts] == [ProbeResult.WRONG_SECRETS] * 2

    found, attempts = await async_identify_address(
        session, units, closed_address(), probe_timeout=FAST
    )
    assert found is None
    assert [a.result for a in attempts] == [ProbeResult.UNREACHABLE]  # no point going on

    with pytest.raises(ValueError, match="not a host"):
        await async_identify_address(session, units, "empty")


# --------------------------------------------------------------------------- whole pipeline


async def test_cloud_then_dhcp_makes_every_unit_complete(
    sim: KumoUnitSimulator, session: aiohttp.ClientSession
) -> None:
    """Legacy account: v2 knows the living room's address; DHCP finds the others."""
    definitions = [sim.unit(serial).definition for serial in (LIVING_ROOM, BEDROOM, STATION)]
    async with KumoCloudSimulator(
        definitions, addresses={LIVING_ROOM: sim.address(LIVING_ROOM)}
    ) as cloud:
        discovery = await async_discover_units(
            session,
            DEMO_USERNAME,
            DEMO_PASSWORD,
            endpoints=KumoCloudEndpoints.single_host(cloud.base_url),
        )
    assert discovery.missing_secrets == ()
    assert discovery.missing_address == (BEDROOM, STATION)

    result = await async_resolve_addresses(
        session,
        discovery.units,
        sightings_of(sim, LIVING_ROOM, BEDROOM, STATION),
        probe_timeout=FAST,
    )

    assert result.unresolved == ()
    assert all(unit.is_complete for unit in result.units)
    sources = {unit.serial: unit.sources.address for unit in result.units}
    assert sources == {
        LIVING_ROOM: FieldSource.CLOUD_V2,
        BEDROOM: FieldSource.DHCP,
        STATION: FieldSource.DHCP,
    }
    assert sim.unit(LIVING_ROOM).request_count == 0  # known, not re-checked by default


async def test_unknown_mac_with_no_matching_sighting(
    sim: KumoUnitSimulator, session: aiohttp.ClientSession
) -> None:
    sightings = {"5026ef990001": sim.address(BEDROOM), "5026ef990002": closed_address()}
    result = await async_resolve_addresses(
        session, [record(sim, STATION, mac=None)], sightings, probe_timeout=FAST
    )
    assert result.unresolved == (STATION,)
    assert [a.result for a in result.attempts] == [
        ProbeResult.WRONG_SECRETS,
        ProbeResult.UNREACHABLE,
    ]
