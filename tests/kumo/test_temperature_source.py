"""Indoor unit: choosing the temperature source and injecting a room temperature (kumo.md §6.1).

Against the simulator: the bodies on the wire, what the unit then reports, the fallback when
the keep-alive stops, validation before anything is sent, and one request in flight at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from custom_components.kumo_momit.kumo import (
    KumoIndoorUnit,
    KumoValidationError,
    OperationMode,
    TempSource,
)
from simulators.kumo_unit import INJECTION_FALLBACK_S, KumoUnitSimulator

from .conftest import LIVING_ROOM, FakeClock
from .test_indoor_unit import status_write

MakeUnit = Callable[..., KumoIndoorUnit]


async def test_api_source_then_injection_on_the_wire(
    sim: KumoUnitSimulator, make_unit: MakeUnit
) -> None:
    """`tempSource: api`, then `roomTemp` with one decimal; the unit reports and uses it."""
    sim_unit = sim.unit(LIVING_ROOM)
    sim_unit.set_room_temperature(23.0)
    unit = make_unit()
    await unit.async_update()
    sim_unit.reset_records()
    state = await unit.set_temperature_source(TempSource.API)
    assert state.status.temp_source is TempSource.API
    state = await unit.inject_room_temperature(19.46)
    assert state.status.room_temp == 19.5  # shown at once
    assert sim_unit.bodies("write") == [
        status_write(tempSource="api"),
        status_write(roomTemp=19.5),
    ]
    await unit.inject_room_temperature(18.55)  # pykumo's example: 18.6 on the wire (§6.1a)
    assert sim_unit.bodies("write")[-1] == status_write(roomTemp=18.6)
    await unit.inject_room_temperature(21)
    assert sim_unit.bodies("write")[-1] == status_write(roomTemp=21.0)
    state = await unit.async_update()
    assert (state.status.room_temp, state.status.active_thermistor) == (21.0, TempSource.API)
    assert sim_unit.thermistor_c == 23.0


async def test_fallback_shows_in_active_thermistor_and_returnair_restores(
    sim: KumoUnitSimulator, make_unit: MakeUnit, clock: FakeClock
) -> None:
    """Without a keep-alive the unit regulates on its thermistor (`activeThermistor`), while
    `tempSource` still says `api`; `returnair` ends it and further injections are refused."""
    sim.unit(LIVING_ROOM).set_room_temperature(23.0)
    unit = make_unit()
    await unit.async_update()
    await unit.set_temperature_source("api")
    await unit.inject_room_temperature(19.0)
    clock.advance(INJECTION_FALLBACK_S + 1)
    state = await unit.async_update()
    assert state.status.temp_source is TempSource.API
    assert state.status.active_thermistor is TempSource.RETURN_AIR
    assert state.status.room_temp == 23.0
    state = await unit.set_temperature_source(TempSource.RETURN_AIR)
    assert state.status.temp_source is TempSource.RETURN_AIR
    assert sim.unit(LIVING_ROOM).status["tempSource"] == "returnair"
    requests = sim.unit(LIVING_ROOM).request_count
    with pytest.raises(KumoValidationError, match="not 'api'"):
        await unit.inject_room_temperature(19.0)
    assert sim.unit(LIVING_ROOM).request_count == requests


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (float("nan"), "plausible"),
        (float("inf"), "plausible"),
        (-21.0, "plausible"),
        (50.5, "plausible"),
        (True, "not a temperature"),
        ("20", "not a temperature"),
    ],
)
async def test_implausible_values_are_refused_before_sending(
    sim: KumoUnitSimulator, make_unit: MakeUnit, value: float, message: str
) -> None:
    """A broken sensor's reading never reaches the unit."""
    unit = make_unit()
    await unit.async_update()
    await unit.set_temperature_source(TempSource.API)
    requests = sim.unit(LIVING_ROOM).request_count
    with pytest.raises(KumoValidationError, match=message):
        await unit.inject_room_temperature(value)
    assert sim.unit(LIVING_ROOM).request_count == requests


@pytest.mark.parametrize("source", ["unset", "cloud", ""])
async def test_unknown_sources_are_refused(
    sim: KumoUnitSimulator, make_unit: MakeUnit, source: str
) -> None:
    """`unset` is read-only and anything else is not in the vocabulary (§7.4)."""
    unit = make_unit()
    await unit.async_update()
    requests = sim.unit(LIVING_ROOM).request_count
    with pytest.raises(KumoValidationError, match="temperature source"):
        await unit.set_temperature_source(source)
    assert sim.unit(LIVING_ROOM).request_count == requests


async def test_source_persists_over_a_reboot_and_a_new_poller(
    sim: KumoUnitSimulator, make_unit: MakeUnit
) -> None:
    """A new poller (Home Assistant restarted) reads `api` back from the adapter (§6.1)."""
    unit = make_unit()
    await unit.async_update()
    await unit.set_temperature_source(TempSource.API)
    await unit.inject_room_temperature(20.0)
    await unit.reboot()
    state = await make_unit().async_update()
    assert state.status.temp_source is TempSource.API
    assert state.status.active_thermistor is TempSource.RETURN_AIR


async def test_one_request_in_flight_while_injecting_polling_and_commanding(
    sim: KumoUnitSimulator, make_unit: MakeUnit
) -> None:
    """Keep-alive, poll and a user command at the same moment queue on the unit's lock."""
    sim_unit = sim.unit(LIVING_ROOM)
    unit = make_unit()
    await unit.async_update()
    await unit.set_temperature_source(TempSource.API)
    sim_unit.reset_records()
    sim_unit.response_delay = 0.05
    await asyncio.gather(
        unit.inject_room_temperature(20.1),
        unit.async_update(),
        unit.set_mode(OperationMode.HEAT),
        unit.inject_room_temperature(20.2),
    )
    assert sim_unit.max_in_flight == 1
    assert sim_unit.overlaps == 0
    assert sim_unit.counts["write"] == 3
    assert sim_unit.status["roomTemp"] == 20.2
