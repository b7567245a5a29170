"""Climate details: °F users, what the unit is doing, the HA 2026.11 names, failure kinds."""

from __future__ import annotations

from typing import Any

from homeassistant.components.climate import (
    ATTR_HVAC_ACTION,
    ATTR_HVAC_MODE,
    ATTR_MAX_TEMP,
    ATTR_MIN_TEMP,
    ATTR_TARGET_TEMP_STEP,
    DOMAIN as CLIMATE_DOMAIN,
    SERVICE_SET_HVAC_MODE,
    SERVICE_SET_SWING_MODE,
    SERVICE_SET_TEMPERATURE,
    SERVICE_TURN_ON,
    ClimateEntity,
    HVACMode,
)
from homeassistant.const import ATTR_TEMPERATURE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.entity_component import EntityComponent
from homeassistant.util.unit_system import US_CUSTOMARY_SYSTEM
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulators.kumo_unit import KumoUnitSimulator

from .test_climate import call, writes

LIVING = "climate.living_room"
BED = "climate.bedroom"
LIVING_ROOM = "0Y34P008Q100142F"
BEDROOM = "0Y34P008Q100277B"


def climate_entity(hass: HomeAssistant, entity_id: str) -> ClimateEntity:
    component: EntityComponent[ClimateEntity] = hass.data[CLIMATE_DOMAIN]
    entity = component.get_entity(entity_id)
    assert entity is not None
    return entity


async def refresh(hass: HomeAssistant, entry: MockConfigEntry, serial: str) -> None:
    await entry.runtime_data.indoor_units[serial].async_refresh()
    await hass.async_block_till_done()


async def test_fahrenheit_users_see_the_apps_numbers(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, kumo_entry: MockConfigEntry
) -> None:
    """In °F the entity works in whole degrees through the Kumo app's table, both ways."""
    hass.config.units = US_CUSTOMARY_SYSTEM
    assert await hass.config_entries.async_setup(kumo_entry.entry_id)
    await hass.async_block_till_done()
    await call(hass, SERVICE_SET_HVAC_MODE, LIVING, **{ATTR_HVAC_MODE: HVACMode.HEAT})
    kumo_units.unit(LIVING_ROOM).reset_records()
    await call(hass, SERVICE_SET_TEMPERATURE, LIVING, **{ATTR_TEMPERATURE: 69})
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
    await call(hass, SERVICE_SET_HVAC_MODE, LIVING, **{ATTR_HVAC_MODE: HVACMode.HEAT_COOL})
    entity: Any = climate_entity(hass, LIVING)
    assert entity.native_temperature_unit == entity.temperature_unit == "°C"
    assert entity.native_current_temperature == entity.current_temperature == 22
    assert entity.native_target_temperature_low == entity.target_temperature_low
    assert entity.native_target_temperature_high == entity.target_temperature_high
    assert entity.native_target_temperature is None
    await call(hass, SERVICE_SET_HVAC_MODE, LIVING, **{ATTR_HVAC_MODE: HVACMode.DRY})
    assert entity.native_target_temperature == entity.target_temperature
    assert entity.target_temperature is not None


async def test_turn_on_of_a_unit_that_never_ran(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """No last mode yet: heat/cool where the unit has auto, else cool."""
    kumo_units.unit(LIVING_ROOM).reset_records()
    kumo_units.unit(BEDROOM).reset_records()
    await call(hass, SERVICE_TURN_ON, LIVING)
    await call(hass, SERVICE_TURN_ON, BED)
    assert writes(kumo_units, LIVING_ROOM) == [{"mode": "auto"}]
    assert writes(kumo_units, BEDROOM) == [{"mode": "cool"}]
    # Already on: nothing is sent.
    await call(hass, SERVICE_TURN_ON, BED)
    assert len(writes(kumo_units, BEDROOM)) == 1


async def test_setpoint_requests_that_make_no_sense_are_refused(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """Fan mode has no setpoint; an unknown vane position is refused."""
    await call(hass, SERVICE_SET_HVAC_MODE, LIVING, **{ATTR_HVAC_MODE: HVACMode.FAN_ONLY})
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, SERVICE_SET_TEMPERATURE, LIVING, **{ATTR_TEMPERATURE: 22})
    assert err.value.translation_key == "no_setpoint_in_mode"
    with pytest.raises(ServiceValidationError):
        await call(hass, SERVICE_SET_SWING_MODE, LIVING, swing_mode="left")
    kumo_units.unit(LIVING_ROOM).reset_records()
    await call(
        hass, SERVICE_SET_TEMPERATURE, LIVING, **{ATTR_TEMPERATURE: 22, ATTR_HVAC_MODE: "off"}
    )
    assert writes(kumo_units, LIVING_ROOM) == [{"mode": "off"}]
    await call(hass, SERVICE_SET_TEMPERATURE, LIVING, target_temp_low=19, target_temp_high=25)
    assert writes(kumo_units, LIVING_ROOM)[-1] == {"mode": "off", "spHeat": 19, "spCool": 25}


@pytest.mark.parametrize(
    ("fault", "key"),
    [
        ("auth_error", "kumo_auth_failed_command"),
        ("serializer_error", "kumo_adapter_busy_command"),
        ("set_out_of_bounds", "kumo_command_rejected_command"),
    ],
)
async def test_each_failure_kind_has_its_own_message(
    hass: HomeAssistant,
    kumo_units: KumoUnitSimulator,
    setup_kumo: MockConfigEntry,
    fault: str,
    key: str,
) -> None:
    """Stale keys, a busy adapter and a refused write are told apart for the user."""
    setattr(kumo_units.unit(BEDROOM).faults, fault, 10)
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, SERVICE_SET_HVAC_MODE, BED, **{ATTR_HVAC_MODE: HVACMode.COOL})
    assert err.value.translation_key == key
    kumo_units.unit(BEDROOM).faults.clear()


async def test_poll_failure_kinds_are_reported(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """After repeated failed polls the coordinator error names the kind of failure."""
    coordinator = setup_kumo.runtime_data.indoor_units[BEDROOM]
    kumo_units.unit(BEDROOM).faults.auth_error = 100
    await coordinator.async_refresh()
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    assert coordinator.last_exception is not None
    assert coordinator.last_exception.translation_key == "kumo_auth_failed"
    kumo_units.unit(BEDROOM).faults.clear()
