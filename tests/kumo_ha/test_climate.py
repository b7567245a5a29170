"""Kumo climate entities: state from the unit's profile and status, every command on the wire."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import json
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.climate import (
    ATTR_CURRENT_HUMIDITY,
    ATTR_CURRENT_TEMPERATURE,
    ATTR_FAN_MODE,
    ATTR_FAN_MODES,
    ATTR_HVAC_ACTION,
    ATTR_HVAC_MODE,
    ATTR_HVAC_MODES,
    ATTR_MAX_TEMP,
    ATTR_MIN_TEMP,
    ATTR_SWING_MODES,
    ATTR_TARGET_TEMP_HIGH,
    ATTR_TARGET_TEMP_LOW,
    ATTR_TARGET_TEMP_STEP,
    DOMAIN as CLIMATE_DOMAIN,
    SERVICE_SET_FAN_MODE,
    SERVICE_SET_HVAC_MODE,
    SERVICE_SET_SWING_MODE,
    SERVICE_SET_TEMPERATURE,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    ClimateEntity,
    ClimateEntityFeature,
    HVACMode,
)
from homeassistant.const import ATTR_ENTITY_ID, ATTR_SUPPORTED_FEATURES, ATTR_TEMPERATURE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_component import EntityComponent
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_system import US_CUSTOMARY_SYSTEM
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from syrupy.assertion import SnapshotAssertion

from simulators.kumo_unit import KumoUnitSimulator
from tests.ha import assert_platform_snapshot, call_climate

from .conftest import BEDROOM, LIVING_ROOM

LIVING = "climate.living_room"
BED = "climate.bedroom"
# The unit of fixtures/office_four_speed_mhk2.json.
FOUR_SPEED = "1A11P001Q1000004"


def writes(kumo_units: KumoUnitSimulator, serial: str) -> list[Any]:
    """The status values written to a unit, one dict per request, in order."""
    return [
        json.loads(body)["c"]["indoorUnit"]["status"]
        for body in kumo_units.unit(serial).bodies("write")
    ]


def climate_entity(hass: HomeAssistant, entity_id: str) -> ClimateEntity:
    component: EntityComponent[ClimateEntity] = hass.data[CLIMATE_DOMAIN]
    entity = component.get_entity(entity_id)
    assert entity is not None
    return entity


async def refresh(hass: HomeAssistant, entry: MockConfigEntry, serial: str) -> None:
    await entry.runtime_data.indoor_units[serial].async_refresh()
    await hass.async_block_till_done()


async def test_five_speed_unit_with_sensor_and_vane(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """Modes, fan speeds, vanes and limits all come from the unit's profile."""
    state = hass.states.get(LIVING)
    assert state is not None
    attrs = state.attributes
    assert attrs[ATTR_HVAC_MODES] == ["off", "cool", "dry", "heat", "fan_only", "heat_cool"]
    assert attrs[ATTR_FAN_MODES] == [
        "super_quiet", "quiet", "low", "powerful", "super_powerful", "auto"
    ]  # fmt: skip
    assert attrs[ATTR_SWING_MODES] == [
        "horizontal", "mid_horizontal", "midpoint", "mid_vertical", "vertical", "auto", "swing"
    ]  # fmt: skip
    features = ClimateEntityFeature(attrs[ATTR_SUPPORTED_FEATURES])
    assert ClimateEntityFeature.TARGET_TEMPERATURE_RANGE in features
    assert ClimateEntityFeature.SWING_MODE in features
    assert ClimateEntityFeature.TURN_ON in features
    assert ClimateEntityFeature.TURN_OFF in features
    assert attrs[ATTR_TARGET_TEMP_STEP] == 0.5
    assert attrs[ATTR_CURRENT_TEMPERATURE] == 22.0
    # The wireless sensor gives the humidity.
    assert attrs[ATTR_CURRENT_HUMIDITY] is not None
    assert attrs[ATTR_HVAC_ACTION] == "off"


async def test_three_speed_unit_without_vane_or_auto(
    hass: HomeAssistant, setup_kumo: MockConfigEntry
) -> None:
    """No vane: no swing feature; auto prevented: no heat_cool; its own limits."""
    state = hass.states.get(BED)
    assert state is not None
    attrs = state.attributes
    assert attrs[ATTR_HVAC_MODES] == ["off", "cool", "dry", "heat", "fan_only"]
    features = ClimateEntityFeature(attrs[ATTR_SUPPORTED_FEATURES])
    assert ClimateEntityFeature.SWING_MODE not in features
    assert ClimateEntityFeature.TARGET_TEMPERATURE_RANGE not in features
    assert ATTR_SWING_MODES not in attrs
    assert ATTR_CURRENT_HUMIDITY not in attrs
    # Off: the union of the unit's heat (10-28) and cool (19-30) ranges.
    assert attrs[ATTR_MIN_TEMP] == 10
    assert attrs[ATTR_MAX_TEMP] == 30


@pytest.mark.parametrize("unit_definitions", [["office_four_speed_mhk2"]], indirect=True)
async def test_four_speed_unit_with_mhk2(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """4-speed units spell low `Low` on the wire; the MHK2 gives the humidity."""
    state = hass.states.get("climate.office")
    assert state is not None
    assert state.attributes[ATTR_FAN_MODES] == [
        "quiet", "low", "powerful", "super_powerful", "auto"
    ]  # fmt: skip
    assert state.attributes[ATTR_CURRENT_HUMIDITY] is not None
    assert hass.states.get("sensor.office_humidity") is not None
    # No wireless sensor: no sensor entities for one.
    assert hass.states.get("sensor.office_wireless_sensor_battery") is None

    kumo_units.unit(FOUR_SPEED).reset_records()
    await hass.services.async_call(
        CLIMATE_DOMAIN,
        SERVICE_SET_FAN_MODE,
        {ATTR_ENTITY_ID: "climate.office", ATTR_FAN_MODE: "low"},
        blocking=True,
    )
    [body] = kumo_units.unit(FOUR_SPEED).bodies("write")
    assert json.loads(body)["c"]["indoorUnit"]["status"] == {"fanSpeed": "Low"}
    assert hass.states.get("climate.office").attributes[ATTR_FAN_MODE] == "low"


async def test_set_hvac_mode_is_one_write_and_shows_what_the_unit_does(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """One write, read back at once: the new mode shows with the action the unit reports.

    The room (22 °C) already meets the heating setpoint, so the unit idles in standby: an
    action guessed from the mode ("heating") would be false.
    """
    unit = kumo_units.unit(LIVING_ROOM)
    unit.reset_records()
    await call_climate(hass, SERVICE_SET_HVAC_MODE, LIVING, **{ATTR_HVAC_MODE: HVACMode.HEAT})
    assert writes(kumo_units, LIVING_ROOM) == [{"mode": "heat"}]
    assert unit.status["mode"] == "heat"
    assert unit.status["standby"] is True
    state = hass.states.get(LIVING)
    assert state.state == "heat"
    assert state.attributes[ATTR_HVAC_ACTION] == "idle"


async def test_set_temperature_with_mode_is_one_request(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """`set_temperature` with `hvac_mode` sends mode and setpoint in one body."""
    kumo_units.unit(LIVING_ROOM).reset_records()
    await call_climate(
        hass, SERVICE_SET_TEMPERATURE, LIVING, **{ATTR_TEMPERATURE: 23.4, ATTR_HVAC_MODE: "cool"}
    )
    assert writes(kumo_units, LIVING_ROOM) == [{"mode": "cool", "spCool": 23.5}]
    state = hass.states.get(LIVING)
    assert state.state == "cool"
    assert state.attributes[ATTR_TEMPERATURE] == 23.5


async def test_set_temperature_range_in_heat_cool(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """A low/high pair in heat_cool writes both setpoints with `auto` in one request."""
    await call_climate(hass, SERVICE_SET_HVAC_MODE, LIVING, **{ATTR_HVAC_MODE: HVACMode.HEAT_COOL})
    kumo_units.unit(LIVING_ROOM).reset_records()
    await call_climate(
        hass,
        SERVICE_SET_TEMPERATURE,
        LIVING,
        **{ATTR_TARGET_TEMP_LOW: 20.5, ATTR_TARGET_TEMP_HIGH: 24},
    )
    assert writes(kumo_units, LIVING_ROOM) == [{"mode": "auto", "spHeat": 20.5, "spCool": 24}]
    state = hass.states.get(LIVING)
    assert state.attributes[ATTR_TARGET_TEMP_LOW] == 20.5
    assert state.attributes[ATTR_TARGET_TEMP_HIGH] == 24
    with pytest.raises(ServiceValidationError) as err:
        await call_climate(hass, SERVICE_SET_TEMPERATURE, LIVING, **{ATTR_TEMPERATURE: 22})
    assert err.value.translation_key == "range_required"


async def test_single_setpoint_in_heat_goes_to_sp_heat(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """In heat mode a single temperature is the heating setpoint."""
    await call_climate(hass, SERVICE_SET_HVAC_MODE, BED, **{ATTR_HVAC_MODE: HVACMode.HEAT})
    kumo_units.unit(BEDROOM).reset_records()
    await call_climate(hass, SERVICE_SET_TEMPERATURE, BED, **{ATTR_TEMPERATURE: 21})
    assert writes(kumo_units, BEDROOM) == [{"spHeat": 21}]
    assert hass.states.get(BED).attributes[ATTR_TEMPERATURE] == 21


async def test_turn_off_then_on_restores_the_last_mode(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """`turn_on` goes back to the mode the unit last ran in."""
    await call_climate(hass, SERVICE_SET_HVAC_MODE, LIVING, **{ATTR_HVAC_MODE: HVACMode.DRY})
    kumo_units.unit(LIVING_ROOM).reset_records()
    await call_climate(hass, SERVICE_TURN_OFF, LIVING)
    await call_climate(hass, SERVICE_TURN_ON, LIVING)
    assert writes(kumo_units, LIVING_ROOM) == [{"mode": "off"}, {"mode": "dry"}]
    assert hass.states.get(LIVING).state == "dry"


async def test_turn_on_of_a_unit_that_never_ran(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """No last mode yet: heat/cool where the unit has auto, else cool."""
    kumo_units.unit(LIVING_ROOM).reset_records()
    kumo_units.unit(BEDROOM).reset_records()
    await call_climate(hass, SERVICE_TURN_ON, LIVING)
    await call_climate(hass, SERVICE_TURN_ON, BED)
    assert writes(kumo_units, LIVING_ROOM) == [{"mode": "auto"}]
    assert writes(kumo_units, BEDROOM) == [{"mode": "cool"}]
    # Already on: nothing is sent.
    await call_climate(hass, SERVICE_TURN_ON, BED)
    assert len(writes(kumo_units, BEDROOM)) == 1


async def test_unsupported_values_are_refused_before_anything_is_sent(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """Bad input is a ServiceValidationError, and the unit receives nothing."""
    unit = kumo_units.unit(BEDROOM)
    unit.reset_records()
    with pytest.raises(ServiceValidationError):
        await call_climate(hass, SERVICE_SET_HVAC_MODE, BED, **{ATTR_HVAC_MODE: HVACMode.HEAT_COOL})
    with pytest.raises(ServiceValidationError):
        await call_climate(hass, SERVICE_SET_FAN_MODE, BED, **{ATTR_FAN_MODE: "turbo"})
    assert unit.counts["write"] == 0


async def test_setpoint_requests_that_make_no_sense_are_refused(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """Fan mode has no setpoint; an unknown vane position is refused."""
    await call_climate(hass, SERVICE_SET_HVAC_MODE, LIVING, **{ATTR_HVAC_MODE: HVACMode.FAN_ONLY})
    with pytest.raises(ServiceValidationError) as err:
        await call_climate(hass, SERVICE_SET_TEMPERATURE, LIVING, **{ATTR_TEMPERATURE: 22})
    assert err.value.translation_key == "no_setpoint_in_mode"
    with pytest.raises(ServiceValidationError):
        await call_climate(hass, SERVICE_SET_SWING_MODE, LIVING, swing_mode="left")
    kumo_units.unit(LIVING_ROOM).reset_records()
    await call_climate(
        hass, SERVICE_SET_TEMPERATURE, LIVING, **{ATTR_TEMPERATURE: 22, ATTR_HVAC_MODE: "off"}
    )
    assert writes(kumo_units, LIVING_ROOM) == [{"mode": "off"}]
    await call_climate(
        hass, SERVICE_SET_TEMPERATURE, LIVING, target_temp_low=19, target_temp_high=25
    )
    assert writes(kumo_units, LIVING_ROOM)[-1] == {"mode": "off", "spHeat": 19, "spCool": 25}


async def test_fahrenheit_users_see_the_apps_numbers(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, kumo_entry: MockConfigEntry
) -> None:
    """In °F the entity works in whole degrees through the Kumo app's table, both ways."""
    hass.config.units = US_CUSTOMARY_SYSTEM
    assert await hass.config_entries.async_setup(kumo_entry.entry_id)
    await hass.async_block_till_done()
    await call_climate(hass, SERVICE_SET_HVAC_MODE, LIVING, **{ATTR_HVAC_MODE: HVACMode.HEAT})
    kumo_units.unit(LIVING_ROOM).reset_records()
    await call_climate(hass, SERVICE_SET_TEMPERATURE, LIVING, **{ATTR_TEMPERATURE: 69})
    # 69 °F is 21.0 °C in the app's table (a plain conversion would give 20.5).
    assert writes(kumo_units, LIVING_ROOM) == [{"spHeat": 21}]
    state = hass.states.get(LIVING)
    assert state.attributes[ATTR_TEMPERATURE] == 69
    assert state.attributes[ATTR_TARGET_TEMP_STEP] == 1
    assert state.attributes[ATTR_MIN_TEMP] == 50  # 10 °C
    assert state.attributes[ATTR_MAX_TEMP] == 88  # 31 °C
    entity = climate_entity(hass, LIVING)
    assert entity.current_temperature == 71.6  # room 22 °C


async def test_what_the_unit_is_doing(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """Defrost, standby and hot adjust come from the unit's own flags."""
    unit = kumo_units.unit(LIVING_ROOM)
    status = unit.status
    status.update(mode="heat", defrost=True)
    await refresh(hass, setup_kumo, LIVING_ROOM)
    assert hass.states.get(LIVING).attributes[ATTR_HVAC_ACTION] == "defrosting"
    status.update(defrost=False, standby=True)
    await refresh(hass, setup_kumo, LIVING_ROOM)
    assert hass.states.get(LIVING).attributes[ATTR_HVAC_ACTION] == "idle"
    status.update(standby=False, hotAdjust=True)
    await refresh(hass, setup_kumo, LIVING_ROOM)
    assert hass.states.get(LIVING).attributes[ATTR_HVAC_ACTION] == "preheating"
    status.update(hotAdjust=False, mode="autoCool")
    await refresh(hass, setup_kumo, LIVING_ROOM)
    state = hass.states.get(LIVING)
    assert state.state == "heat_cool"
    assert state.attributes[ATTR_HVAC_ACTION] == "cooling"


async def test_native_names_of_ha_2026_11_match(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """HA 2026.11 reads `native_*`; they must say what the old names say."""
    await call_climate(hass, SERVICE_SET_HVAC_MODE, LIVING, **{ATTR_HVAC_MODE: HVACMode.HEAT_COOL})
    entity: Any = climate_entity(hass, LIVING)
    assert entity.native_temperature_unit == entity.temperature_unit == "°C"
    assert entity.native_current_temperature == entity.current_temperature == 22
    assert entity.native_target_temperature_low == entity.target_temperature_low
    assert entity.native_target_temperature_high == entity.target_temperature_high
    assert entity.native_target_temperature is None
    await call_climate(hass, SERVICE_SET_HVAC_MODE, LIVING, **{ATTR_HVAC_MODE: HVACMode.DRY})
    assert entity.native_target_temperature == entity.target_temperature
    assert entity.target_temperature is not None


@pytest.mark.usefixtures("kumo_units")
async def test_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    ha_snapshot: SnapshotAssertion,
    kumo_entry: MockConfigEntry,
) -> None:
    """Climate entities of the demo account: features, modes, limits, states."""
    await assert_platform_snapshot(hass, entity_registry, ha_snapshot, kumo_entry, Platform.CLIMATE)


async def test_a_setpoint_chosen_while_a_mode_change_is_on_its_way_reaches_the_unit(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """Choose Heat, then + before the unit answered: the unit gets the user's heating value.

    The adapter takes its time (as real ones do); the dialog sends the temperature while the
    mode change is still in flight.
    """
    unit = kumo_units.unit(LIVING_ROOM)
    unit.status["mode"] = "cool"
    await setup_kumo.runtime_data.indoor_units[LIVING_ROOM].async_refresh()
    unit.reset_records()
    unit.response_delay = 0.3
    mode_change = asyncio.ensure_future(
        call_climate(hass, SERVICE_SET_HVAC_MODE, LIVING, **{ATTR_HVAC_MODE: HVACMode.HEAT})
    )
    await asyncio.sleep(0.05)  # the mode change is on the wire
    await call_climate(hass, SERVICE_SET_TEMPERATURE, LIVING, **{ATTR_TEMPERATURE: 22})
    await mode_change
    assert writes(kumo_units, LIVING_ROOM) == [{"mode": "heat"}, {"spHeat": 22}]
    assert (unit.status["mode"], unit.status["spHeat"]) == ("heat", 22)
    assert hass.states.get(LIVING).attributes[ATTR_TEMPERATURE] == 22


async def test_no_action_is_shown_that_the_unit_did_not_report(
    hass: HomeAssistant,
    kumo_units: KumoUnitSimulator,
    setup_kumo: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """From the mode change on, every state shown has the unit's own action, and the
    confirming read changes nothing: a dialog's half-entered setpoint is not reset."""
    changes: list[Any] = []
    hass.bus.async_listen(
        "state_changed",
        lambda event: (
            changes.append(event.data["new_state"]) if event.data["entity_id"] == LIVING else None
        ),
    )
    await call_climate(hass, SERVICE_SET_HVAC_MODE, LIVING, **{ATTR_HVAC_MODE: HVACMode.HEAT})
    assert [state.attributes[ATTR_HVAC_ACTION] for state in changes] == ["idle"]
    freezer.tick(5)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert len(changes) == 1


async def test_an_unconfirmed_mode_shows_no_action(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """An adapter that applies writes later (its read still shows the old mode): the action is
    unknown until a read shows the new mode, then it is the unit's."""
    unit = kumo_units.unit(LIVING_ROOM)
    unit.write_delay = 0.2
    await call_climate(hass, SERVICE_SET_HVAC_MODE, LIVING, **{ATTR_HVAC_MODE: HVACMode.HEAT})
    state = hass.states.get(LIVING)
    assert state.state == "heat"
    assert state.attributes.get(ATTR_HVAC_ACTION) is None
    await asyncio.sleep(0.3)  # the adapter has applied the write by now
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=2))  # confirming read
    await hass.async_block_till_done()
    assert hass.states.get(LIVING).attributes[ATTR_HVAC_ACTION] == "idle"
