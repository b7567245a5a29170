"""Regulating a Kumo unit on a Home Assistant temperature sensor (kumo.md §6.1), in Home Assistant.

The adapters are the simulator on a clock of its own (its injection fallback runs on it); Home
Assistant's time moves with the freezer. Every check is on the wire (what the adapter received
and now reports) or on what the user sees (climate attributes, repair issues, flow errors).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
import json
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.kumo_momit.const import DOMAIN
from custom_components.kumo_momit.kumo_ha.const import (
    CONF_ROOM_SENSOR,
    CONF_ROOM_SENSORS,
    CONF_UNIT,
)
from custom_components.kumo_momit.kumo_ha.keys import deleted_units
from simulators.kumo_unit import INJECTION_FALLBACK_S, KumoUnitSimulator
from simulators.kumo_units import KumoUnitDefinition
from tests.ha import delete_device, device_by_identifier
from tests.kumo.conftest import FakeClock

from .conftest import BEDROOM, LIVING_ROOM, kumo_entry_data, record_for

SOFA = "sensor.sofa_temperature"


@pytest.fixture
def sim_clock() -> FakeClock:
    """The adapters' own clock: when an injected value goes stale in them."""
    return FakeClock()


@pytest.fixture
async def kumo_units(
    unit_definitions: list[KumoUnitDefinition], sim_clock: FakeClock
) -> AsyncIterator[KumoUnitSimulator]:
    """The simulated adapters, on `sim_clock`."""
    simulator = KumoUnitSimulator(unit_definitions, room_drift=False, clock=sim_clock)
    await simulator.start()
    yield simulator
    await simulator.stop()


def set_sofa(hass: HomeAssistant, value: str, unit: str = "°C") -> None:
    """The sensor where people sit reports `value`."""
    hass.states.async_set(SOFA, value, {"device_class": "temperature", "unit_of_measurement": unit})


async def settle(hass: HomeAssistant) -> None:
    """Let the feed's sends (background tasks) finish."""
    await hass.async_block_till_done(wait_background_tasks=True)


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Home Assistant's time moves on; timers due fire."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await settle(hass)


async def choose_sensor(
    hass: HomeAssistant, entry: MockConfigEntry, serial: str, sensor: str | None
) -> dict[str, Any]:
    """Options → room sensor → the unit → the sensor (None: clear it), as the UI does."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "room_sensor"}
    )
    assert result["step_id"] == "room_sensor"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_UNIT: serial}
    )
    assert result["step_id"] == "room_sensor_unit"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_ROOM_SENSOR: sensor} if sensor else {}
    )
    await settle(hass)
    return dict(result)


def status_writes(sim: KumoUnitSimulator, serial: str = LIVING_ROOM) -> list[dict[str, Any]]:
    """The `indoorUnit.status` values of every write the adapter received, in order."""
    return [
        json.loads(body)["c"]["indoorUnit"]["status"]
        for body in sim.unit(serial).bodies("write")
        if b"indoorUnit" in body
    ]


def room_sensor_issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    """The repair issue telling that the unit stopped regulating on its sensor."""
    return ir.async_get(hass).async_get_issue(DOMAIN, f"{entry.entry_id}_{LIVING_ROOM}_room_sensor")


async def test_unit_follows_the_chosen_sensor(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    kumo_units: KumoUnitSimulator,
    setup_kumo: MockConfigEntry,
) -> None:
    """Pick a sensor: `api`, then its value; changes follow, the climate shows the source."""
    kumo_units.unit(LIVING_ROOM).set_room_temperature(23.0)
    set_sofa(hass, "19.44")
    result = await choose_sensor(hass, setup_kumo, LIVING_ROOM, SOFA)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert setup_kumo.options[CONF_ROOM_SENSORS] == {LIVING_ROOM: SOFA}
    assert status_writes(kumo_units) == [{"tempSource": "api"}, {"roomTemp": 19.4}]
    adapter = kumo_units.unit(LIVING_ROOM).status
    assert (adapter["roomTemp"], adapter["activeThermistor"]) == (19.4, "api")
    # Shown at once (the climate entity rounds to its 0.5 °C precision).
    assert hass.states.get("sensor.living_room_temperature").state == "19.4"
    climate = hass.states.get("climate.living_room")
    assert climate.attributes["current_temperature"] == 19.5
    assert climate.attributes["room_sensor"] == SOFA
    assert status_writes(kumo_units, BEDROOM) == []  # the other unit is not touched

    set_sofa(hass, "20.1")
    await tick(hass, freezer, 6)  # changes closer than 5 s to the last send wait that long
    assert status_writes(kumo_units)[-1] == {"roomTemp": 20.1}
    assert kumo_units.unit(LIVING_ROOM).status["roomTemp"] == 20.1
    await tick(hass, freezer, 2)  # one confirming read after switching to the sensor
    climate = hass.states.get("climate.living_room")
    assert climate.attributes["active_thermistor"] == "api"
    await hass.config_entries.async_reload(setup_kumo.entry_id)  # unload: returnair, then api
    await settle(hass)
    await tick(hass, freezer, 2)
    climate = hass.states.get("climate.living_room")
    assert climate.attributes["active_thermistor"] == "api"
    assert hass.states.get("sensor.living_room_temperature").state == "20.1"


async def test_fahrenheit_sensor_is_converted(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """68 °F is 20.0 °C on the wire; 71.3 °F is 21.8 °C (one decimal)."""
    set_sofa(hass, "71.3", "°F")
    await choose_sensor(hass, setup_kumo, LIVING_ROOM, SOFA)
    assert status_writes(kumo_units)[-1] == {"roomTemp": 21.8}


async def test_keep_alive_every_20_seconds(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    kumo_units: KumoUnitSimulator,
    setup_kumo: MockConfigEntry,
) -> None:
    """The value goes out again every 20 s, well inside the adapter's fallback timeout."""
    set_sofa(hass, "21.0")
    await choose_sensor(hass, setup_kumo, LIVING_ROOM, SOFA)
    await tick(hass, freezer, 2)  # the confirming read after switching
    unit = kumo_units.unit(LIVING_ROOM)
    unit.reset_records()
    for _ in range(6):
        await tick(hass, freezer, 20)
    assert status_writes(kumo_units) == [{"roomTemp": 21.0}] * 6
    assert unit.counts["status"] == 2  # the two polls of these two minutes, as before
    assert unit.status["activeThermistor"] == "api"


async def test_one_request_in_flight_with_keep_alive_poll_and_command(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """Keep-alives, a sensor change, a poll and a user command at once queue on the unit's
    lock; the feed keeps at most one request of its own and sends the newest value."""
    set_sofa(hass, "21.0")
    await choose_sensor(hass, setup_kumo, LIVING_ROOM, SOFA)
    feed = setup_kumo.runtime_data.room_sensors[LIVING_ROOM]
    coordinator = setup_kumo.runtime_data.indoor_units[LIVING_ROOM]
    unit = kumo_units.unit(LIVING_ROOM)
    unit.reset_records()
    unit.response_delay = 0.05
    feed.async_tick()
    feed.async_tick()
    set_sofa(hass, "21.6")
    feed.async_tick()
    refresh = hass.async_create_task(coordinator.async_refresh())
    await hass.services.async_call(
        "climate", "set_hvac_mode", {"entity_id": "climate.living_room", "hvac_mode": "heat"}
    )
    await refresh
    await settle(hass)
    assert unit.max_in_flight == 1
    assert unit.overlaps == 0
    assert [w for w in status_writes(kumo_units) if "roomTemp" in w] == [
        {"roomTemp": 21.0},
        {"roomTemp": 21.6},
    ]
    assert unit.status["roomTemp"] == 21.6


async def test_unavailable_sensor_falls_back_and_tells_once(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sim_clock: FakeClock,
    kumo_units: KumoUnitSimulator,
    setup_kumo: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Unavailable: nothing more is sent, the adapter falls back, one log line and one issue;
    the sensor back: sending resumes and the issue goes."""
    kumo_units.unit(LIVING_ROOM).set_room_temperature(23.0)
    set_sofa(hass, "19.0")
    await choose_sensor(hass, setup_kumo, LIVING_ROOM, SOFA)
    kumo_units.unit(LIVING_ROOM).reset_records()
    caplog.set_level(logging.WARNING)
    set_sofa(hass, STATE_UNAVAILABLE)
    await settle(hass)
    for _ in range(4):
        await tick(hass, freezer, 20)
    assert kumo_units.unit(LIVING_ROOM).counts["write"] == 0
    issue = room_sensor_issue(hass, setup_kumo)
    assert issue is not None
    assert issue.translation_key == "room_sensor_lost"
    assert issue.translation_placeholders == {"name": "Living Room", "sensor": SOFA}
    assert not issue.is_fixable
    lost = [r for r in caplog.records if "stopped sending the temperature" in r.getMessage()]
    assert len(lost) == 1
    assert SOFA in lost[0].getMessage()
    sim_clock.advance(INJECTION_FALLBACK_S + 1)
    assert kumo_units.unit(LIVING_ROOM).status["activeThermistor"] == "returnair"
    await tick(hass, freezer, 60)  # the next poll shows it
    climate = hass.states.get("climate.living_room")
    assert climate.attributes["active_thermistor"] == "returnair"
    assert climate.attributes["current_temperature"] == 23.0

    set_sofa(hass, "19.5")
    await tick(hass, freezer, 6)
    assert status_writes(kumo_units)[-1] == {"roomTemp": 19.5}
    assert kumo_units.unit(LIVING_ROOM).status["activeThermistor"] == "api"
    assert room_sensor_issue(hass, setup_kumo) is None


@pytest.mark.parametrize("bad", ["banana", "81.0"])
async def test_nonsense_readings_are_never_sent(
    hass: HomeAssistant,
    kumo_units: KumoUnitSimulator,
    setup_kumo: MockConfigEntry,
    bad: str,
) -> None:
    """Not a number, or no room temperature (81 °C): treated like an unavailable sensor."""
    set_sofa(hass, "20.0")
    await choose_sensor(hass, setup_kumo, LIVING_ROOM, SOFA)
    kumo_units.unit(LIVING_ROOM).reset_records()
    set_sofa(hass, bad)
    await settle(hass)
    assert kumo_units.unit(LIVING_ROOM).counts["write"] == 0
    assert room_sensor_issue(hass, setup_kumo) is not None


async def test_silent_sensor_stops_regulating_after_an_hour(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    kumo_units: KumoUnitSimulator,
    setup_kumo: MockConfigEntry,
) -> None:
    """A sensor that stops reporting is not trusted for ever: after an hour, it is lost."""
    set_sofa(hass, "20.0")
    await choose_sensor(hass, setup_kumo, LIVING_ROOM, SOFA)
    await tick(hass, freezer, 30 * 60)
    set_sofa(hass, "20.0")  # the same value reported again still counts as a report
    await tick(hass, freezer, 59 * 60)
    assert room_sensor_issue(hass, setup_kumo) is None
    kumo_units.unit(LIVING_ROOM).reset_records()
    await tick(hass, freezer, 2 * 60)
    assert room_sensor_issue(hass, setup_kumo) is not None
    await tick(hass, freezer, 20)
    assert kumo_units.unit(LIVING_ROOM).bodies("write") == []


async def test_clearing_the_option_restores_the_units_own_sensor(
    hass: HomeAssistant,
    kumo_units: KumoUnitSimulator,
    setup_kumo: MockConfigEntry,
) -> None:
    """Empty field: `returnair` is written, nothing more is sent, the issue is gone."""
    set_sofa(hass, "19.0")
    await choose_sensor(hass, setup_kumo, LIVING_ROOM, SOFA)
    set_sofa(hass, STATE_UNAVAILABLE)
    await settle(hass)
    assert room_sensor_issue(hass, setup_kumo) is not None
    result = await choose_sensor(hass, setup_kumo, LIVING_ROOM, None)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert setup_kumo.options[CONF_ROOM_SENSORS] == {}
    assert status_writes(kumo_units)[-1] == {"tempSource": "returnair"}
    adapter = kumo_units.unit(LIVING_ROOM).status
    assert (adapter["tempSource"], adapter["activeThermistor"]) == ("returnair", "returnair")
    assert room_sensor_issue(hass, setup_kumo) is None
    assert "room_sensor" not in hass.states.get("climate.living_room").attributes


async def test_unloading_restores_the_units_own_sensor(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """The entry unloads (or Home Assistant removes it): `returnair`, and no timer left."""
    set_sofa(hass, "19.0")
    await choose_sensor(hass, setup_kumo, LIVING_ROOM, SOFA)
    assert await hass.config_entries.async_unload(setup_kumo.entry_id)
    await settle(hass)
    assert setup_kumo.state is ConfigEntryState.NOT_LOADED
    assert status_writes(kumo_units)[-1] == {"tempSource": "returnair"}
    requests = kumo_units.unit(LIVING_ROOM).request_count
    set_sofa(hass, "18.0")
    await settle(hass)
    assert kumo_units.unit(LIVING_ROOM).request_count == requests


async def test_deleting_the_unit_restores_its_own_sensor_first(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    device_registry: dr.DeviceRegistry,
    kumo_units: KumoUnitSimulator,
    setup_kumo: MockConfigEntry,
) -> None:
    """The unit's device is deleted: `returnair` goes out, the option goes with the unit."""
    set_sofa(hass, "19.0")
    await choose_sensor(hass, setup_kumo, LIVING_ROOM, SOFA)
    assert await async_setup_component(hass, "config", {})
    device = device_by_identifier(device_registry, setup_kumo, (DOMAIN, LIVING_ROOM))
    assert device is not None
    client = await hass_ws_client(hass)
    response = await delete_device(client, device, setup_kumo)
    assert response["success"]
    await settle(hass)
    assert status_writes(kumo_units)[-1] == {"tempSource": "returnair"}
    assert setup_kumo.options[CONF_ROOM_SENSORS] == {}
    assert [u.serial for u in deleted_units(setup_kumo.data)] == [LIVING_ROOM]


async def test_start_up_restores_a_unit_left_on_api(
    hass: HomeAssistant,
    unit_definitions: list[KumoUnitDefinition],
    kumo_units: KumoUnitSimulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """`tempSource` survives reboots: a unit on `api` with no sensor chosen is given back its
    own; one whose sensor is chosen stays on `api`."""
    for serial in (LIVING_ROOM, BEDROOM):
        kumo_units.unit(serial).status["tempSource"] = "api"
    set_sofa(hass, "20.0")
    units = [record_for(d, kumo_units.address(d.serial)) for d in unit_definitions]
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="restore@example.com",
        data=kumo_entry_data(units),
        options={CONF_ROOM_SENSORS: {LIVING_ROOM: SOFA}},
    )
    entry.add_to_hass(hass)
    caplog.set_level(logging.INFO)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await settle(hass)
    assert status_writes(kumo_units, BEDROOM) == [{"tempSource": "returnair"}]
    assert kumo_units.unit(BEDROOM).status["tempSource"] == "returnair"
    assert {"tempSource": "returnair"} not in status_writes(kumo_units, LIVING_ROOM)
    assert status_writes(kumo_units, LIVING_ROOM) == [{"roomTemp": 20.0}]  # already on api
    assert "Bedroom was left on an injected temperature" in caplog.text


async def test_option_form_refuses_what_cannot_regulate(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """The unit's own sensors (a loop) and entities that are no temperature are refused."""
    hass.states.async_set(
        "sensor.power", "12", {"device_class": "power", "unit_of_measurement": "W"}
    )
    for sensor, error in (
        ("sensor.living_room_temperature", "own_unit_sensor"),
        ("sensor.power", "not_a_temperature_sensor"),
    ):
        result = await choose_sensor(hass, setup_kumo, LIVING_ROOM, sensor)
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": error}
    assert CONF_ROOM_SENSORS not in setup_kumo.options
    assert status_writes(kumo_units) == []


async def test_units_without_local_control_cannot_choose_a_sensor(
    hass: HomeAssistant, unit_definitions: list[KumoUnitDefinition]
) -> None:
    """Injection is a local API: an account whose units lack keys or address gets told."""
    units = [record_for(d, None, secrets=False) for d in unit_definitions]
    entry = MockConfigEntry(domain=DOMAIN, unique_id="keyless", data=kumo_entry_data(units))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "room_sensor"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_local_units"


async def test_unit_unreachable_when_cleared_is_restored_once_it_answers(
    hass: HomeAssistant,
    kumo_units: KumoUnitSimulator,
    setup_kumo: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Offline: sends fail quietly and the restore cannot reach it (logged); once it answers,
    the unit still on `api` with no sensor chosen is given its own sensor back."""
    set_sofa(hass, "19.0")
    await choose_sensor(hass, setup_kumo, LIVING_ROOM, SOFA)
    unit = kumo_units.unit(LIVING_ROOM)
    await unit.go_offline()
    feed = setup_kumo.runtime_data.room_sensors[LIVING_ROOM]
    feed.async_tick()
    await settle(hass)
    assert room_sensor_issue(hass, setup_kumo) is None  # the sensor is fine; the unit is not
    await choose_sensor(hass, setup_kumo, LIVING_ROOM, None)
    assert "Living Room: could not give the unit its own sensor back" in caplog.text
    assert unit.status["tempSource"] == "api"
    await unit.go_online()
    await setup_kumo.runtime_data.indoor_units[LIVING_ROOM].async_refresh()
    await settle(hass)
    assert status_writes(kumo_units)[-1] == {"tempSource": "returnair"}
    assert unit.status["tempSource"] == "returnair"
