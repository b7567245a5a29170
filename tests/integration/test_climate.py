"""Kumo climate entities: state from the unit, every command asserted on the wire."""

from __future__ import annotations

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
    ATTR_SWING_MODE,
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
    ClimateEntityFeature,
    HVACMode,
)
from homeassistant.const import ATTR_ENTITY_ID, ATTR_SUPPORTED_FEATURES, ATTR_TEMPERATURE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from simulators.kumo_unit import KumoUnitSimulator

from .conftest import BEDROOM, LIVING_ROOM

LIVING = "climate.living_room"
BED = "climate.bedroom"


def writes(kumo_units: KumoUnitSimulator, serial: str) -> list[Any]:
    """The status values written to a unit, one dict per request, in order."""
    return [
        json.loads(body)["c"]["indoorUnit"]["status"]
        for body in kumo_units.unit(serial).bodies("write")
    ]


async def call(hass: HomeAssistant, service: str, entity_id: str, **data: Any) -> None:
    await hass.services.async_call(
        CLIMATE_DOMAIN, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
    )


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


async def test_set_hvac_mode_is_one_write_and_shows_at_once(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """The new mode shows immediately (optimistic), before any confirming read."""
    kumo_units.unit(LIVING_ROOM).reset_records()
    await call(hass, SERVICE_SET_HVAC_MODE, LIVING, **{ATTR_HVAC_MODE: HVACMode.HEAT})
    assert writes(kumo_units, LIVING_ROOM) == [{"mode": "heat"}]
    state = hass.states.get(LIVING)
    assert state.state == "heat"
    assert state.attributes[ATTR_HVAC_ACTION] == "heating"
    assert kumo_units.unit(LIVING_ROOM).status["mode"] == "heat"


async def test_burst_of_commands_is_confirmed_by_one_read(
    hass: HomeAssistant,
    kumo_units: KumoUnitSimulator,
    setup_kumo: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Three commands in a row, then one debounced status read confirms them all."""
    unit = kumo_units.unit(LIVING_ROOM)
    await call(hass, SERVICE_SET_HVAC_MODE, LIVING, **{ATTR_HVAC_MODE: HVACMode.COOL})
    await call(hass, SERVICE_SET_FAN_MODE, LIVING, **{ATTR_FAN_MODE: "powerful"})
    await call(hass, SERVICE_SET_SWING_MODE, LIVING, **{ATTR_SWING_MODE: "swing"})
    unit.reset_records()
    freezer.tick(2)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert unit.counts["status"] == 1
    assert unit.counts["write"] == 0
    state = hass.states.get(LIVING)
    assert state.state == "cool"
    assert state.attributes[ATTR_FAN_MODE] == "powerful"
    assert state.attributes[ATTR_SWING_MODE] == "swing"


async def test_set_temperature_with_mode_is_one_request(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """`set_temperature` with `hvac_mode` sends mode and setpoint in one body."""
    kumo_units.unit(LIVING_ROOM).reset_records()
    await call(
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
    await call(hass, SERVICE_SET_HVAC_MODE, LIVING, **{ATTR_HVAC_MODE: HVACMode.HEAT_COOL})
    kumo_units.unit(LIVING_ROOM).reset_records()
    await call(
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
        await call(hass, SERVICE_SET_TEMPERATURE, LIVING, **{ATTR_TEMPERATURE: 22})
    assert err.value.translation_key == "range_required"


async def test_single_setpoint_in_heat_goes_to_sp_heat(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """In heat mode a single temperature is the heating setpoint."""
    await call(hass, SERVICE_SET_HVAC_MODE, BED, **{ATTR_HVAC_MODE: HVACMode.HEAT})
    kumo_units.unit(BEDROOM).reset_records()
    await call(hass, SERVICE_SET_TEMPERATURE, BED, **{ATTR_TEMPERATURE: 21})
    assert writes(kumo_units, BEDROOM) == [{"spHeat": 21}]
    assert hass.states.get(BED).attributes[ATTR_TEMPERATURE] == 21


async def test_turn_off_then_on_restores_the_last_mode(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """`turn_on` goes back to the mode the unit last ran in."""
    await call(hass, SERVICE_SET_HVAC_MODE, LIVING, **{ATTR_HVAC_MODE: HVACMode.DRY})
    kumo_units.unit(LIVING_ROOM).reset_records()
    await call(hass, SERVICE_TURN_OFF, LIVING)
    await call(hass, SERVICE_TURN_ON, LIVING)
    assert writes(kumo_units, LIVING_ROOM) == [{"mode": "off"}, {"mode": "dry"}]
    assert hass.states.get(LIVING).state == "dry"


async def test_unsupported_values_are_refused_before_anything_is_sent(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """Bad input is a ServiceValidationError, and the unit receives nothing."""
    unit = kumo_units.unit(BEDROOM)
    unit.reset_records()
    with pytest.raises(ServiceValidationError):
        await call(hass, SERVICE_SET_HVAC_MODE, BED, **{ATTR_HVAC_MODE: HVACMode.HEAT_COOL})
    with pytest.raises(ServiceValidationError):
        await call(hass, SERVICE_SET_FAN_MODE, BED, **{ATTR_FAN_MODE: "turbo"})
    assert unit.counts["write"] == 0


async def test_command_to_an_unreachable_unit_is_a_clear_error(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """A failed command raises a translated HomeAssistantError naming the unit."""
    await kumo_units.unit(LIVING_ROOM).go_offline()
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, SERVICE_SET_HVAC_MODE, LIVING, **{ATTR_HVAC_MODE: HVACMode.COOL})
    assert err.value.translation_key == "kumo_unreachable_command"
    assert "Living Room" in str(err.value)
    assert hass.states.get(LIVING).state == "off"


async def test_unavailable_after_repeated_failures_and_back(
    hass: HomeAssistant,
    kumo_units: KumoUnitSimulator,
    setup_kumo: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One missed poll is ridden through; the second makes it unavailable; it comes back."""
    unit = kumo_units.unit(LIVING_ROOM)
    coordinator = setup_kumo.runtime_data.indoor_units[LIVING_ROOM]
    await unit.go_offline()

    async def poll() -> None:
        await coordinator.async_refresh()
        await hass.async_block_till_done()

    await poll()
    assert hass.states.get(LIVING).state == "off"
    await poll()
    assert hass.states.get(LIVING).state == "unavailable"
    await poll()
    assert hass.states.get(LIVING).state == "unavailable"
    await unit.go_online()
    await poll()
    assert hass.states.get(LIVING).state == "off"
    # Logged once when it went, once when it came back.
    assert caplog.text.count("Error fetching Kumo Living Room data") == 1
    assert caplog.text.count("Fetching Kumo Living Room data recovered") == 1
