"""Each injected adapter fault, as Home Assistant users see it."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulators.kumo_cloud import KumoCloudSimulator
from simulators.kumo_unit import KumoUnitSimulator

from .conftest import BEDROOM

BED = "climate.bedroom"


async def poll(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    await entry.runtime_data.indoor_units[BEDROOM].async_refresh()
    await hass.async_block_till_done()
    return hass.states.get(BED).state


@pytest.mark.parametrize("fault", ["auth_error", "malformed_json"])
async def test_persistent_fault_makes_the_unit_unavailable_then_it_recovers(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry, fault: str
) -> None:
    """Stale keys or garbage replies: one poll ridden through, then unavailable, then back."""
    unit = kumo_units.unit(BEDROOM)
    setattr(unit.faults, fault, 1000)
    assert await poll(hass, setup_kumo) == "off"
    assert await poll(hass, setup_kumo) == "unavailable"
    unit.faults.clear()
    assert await poll(hass, setup_kumo) == "off"


@pytest.mark.parametrize("fault", ["no_memory", "serializer_error"])
async def test_out_of_memory_adapter_gets_one_reboot_request(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry, fault: str
) -> None:
    """Memory errors: one reboot request per 30 minutes at most, never a storm of them."""
    unit = kumo_units.unit(BEDROOM)
    unit.reset_records()
    setattr(unit.faults, fault, 1000)
    states = [await poll(hass, setup_kumo) for _ in range(3)]
    assert states == ["off", "unavailable", "unavailable"]
    assert len(unit.bodies("reboot")) == 1
    unit.faults.clear()
    assert await poll(hass, setup_kumo) == "off"


async def test_restart_with_the_cloud_down_sets_up_every_unit(
    hass: HomeAssistant,
    kumo_units: KumoUnitSimulator,
    kumo_cloud: KumoCloudSimulator,
    setup_kumo: MockConfigEntry,
) -> None:
    """The cloud is never needed to run: a reload with it stopped brings every unit back."""
    await kumo_cloud.close()
    assert await hass.config_entries.async_reload(setup_kumo.entry_id)
    await hass.async_block_till_done()
    assert setup_kumo.state is ConfigEntryState.LOADED
    for entity_id in ("climate.living_room", "climate.bedroom"):
        assert hass.states.get(entity_id).state == "off"
    assert hass.states.get("sensor.kumo_station_outdoor_temperature").state == "7.5"
