"""Setting up, unloading and trimming a Kumo account entry, with and without the cloud."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.kumo_momit.const import DOMAIN
from custom_components.kumo_momit.kumo_ha.data import KumoRuntimeData, stored_units
from simulators.kumo_cloud import KumoCloudSimulator
from simulators.kumo_unit import KumoUnitSimulator
from tests.ha import delete_device, device_by_identifier

from .conftest import BEDROOM, LIVING_ROOM, STATION


async def test_setup_runs_every_unit_locally_without_the_cloud(
    hass: HomeAssistant,
    kumo_units: KumoUnitSimulator,
    kumo_cloud: KumoCloudSimulator,
    kumo_entry: MockConfigEntry,
) -> None:
    """The entry holds all it needs: set-up reads each unit once and never asks the cloud."""
    assert await hass.config_entries.async_setup(kumo_entry.entry_id)
    await hass.async_block_till_done()

    assert kumo_entry.state is ConfigEntryState.LOADED
    runtime = kumo_entry.runtime_data
    assert isinstance(runtime, KumoRuntimeData)
    assert set(runtime.indoor_units) == {LIVING_ROOM, BEDROOM}
    assert set(runtime.stations) == {STATION}
    assert kumo_cloud.total_requests == 0
    assert hass.states.get("climate.living_room").state == "off"
    assert hass.states.get("climate.bedroom").state == "off"
    # A station has no climate entity, only its readings.
    assert hass.states.get("climate.kumo_station") is None
    assert hass.states.get("sensor.kumo_station_outdoor_temperature").state == "7.5"


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


async def test_unload_releases_everything(hass: HomeAssistant, setup_kumo: MockConfigEntry) -> None:
    """Unloading leaves no coordinator listeners, tasks or timers behind (the harness checks)."""
    assert await hass.config_entries.async_unload(setup_kumo.entry_id)
    await hass.async_block_till_done()
    assert setup_kumo.state is ConfigEntryState.NOT_LOADED
    assert hass.states.get("climate.living_room").state == "unavailable"


async def test_one_unit_down_does_not_block_the_others(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, kumo_entry: MockConfigEntry
) -> None:
    """A unit that is off at start-up is unavailable; the rest of the account works."""
    await kumo_units.unit(BEDROOM).go_offline()
    assert await hass.config_entries.async_setup(kumo_entry.entry_id)
    await hass.async_block_till_done()

    assert kumo_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("climate.living_room").state == "off"
    assert hass.states.get("climate.bedroom").state == "unavailable"


async def test_nothing_answers_retries_the_entry(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, kumo_entry: MockConfigEntry
) -> None:
    """With no unit reachable Home Assistant retries the entry later (ConfigEntryNotReady)."""
    for unit in kumo_units.units.values():
        await unit.go_offline()
    await hass.config_entries.async_setup(kumo_entry.entry_id)
    await hass.async_block_till_done()
    assert kumo_entry.state is ConfigEntryState.SETUP_RETRY


async def test_user_can_delete_a_unit_device(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    device_registry: dr.DeviceRegistry,
    setup_kumo: MockConfigEntry,
) -> None:
    """Deleting a unit's device drops the unit from the entry: it does not come back."""
    assert await async_setup_component(hass, "config", {})
    device = device_by_identifier(device_registry, setup_kumo, (DOMAIN, BEDROOM))
    assert device is not None
    client = await hass_ws_client(hass)
    response = await delete_device(client, device, setup_kumo)
    assert response["success"]
    await hass.async_block_till_done()
    assert {u.serial for u in stored_units(setup_kumo.data)} == {LIVING_ROOM, STATION}
    assert device_by_identifier(device_registry, setup_kumo, (DOMAIN, BEDROOM)) is None
    assert hass.states.get("climate.bedroom") is None or (
        hass.states.get("climate.bedroom").state == "unavailable"
    )
    assert hass.states.get("climate.living_room").state == "off"
