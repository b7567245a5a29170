"""Kumo devices: one per adapter, as entity.py describes it to the device registry."""

from __future__ import annotations

from dataclasses import replace
import itertools

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from simulators.kumo_cloud import KumoCloudSimulator
from simulators.kumo_units import KumoUnitDefinition
from tests.ha import device_view

from .conftest import sign_in, start_kumo_flow


async def test_devices(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    ha_snapshot: SnapshotAssertion,
    setup_kumo: MockConfigEntry,
) -> None:
    """One device per adapter: maker, model, serial and MAC connection."""
    devices = dr.async_entries_for_config_entry(device_registry, setup_kumo.entry_id)
    assert len(devices) == 3
    for device in sorted(devices, key=lambda d: d.serial_number or ""):
        assert device_view(device_registry, device) == ha_snapshot(
            name=f"{device.serial_number}-device"
        )


async def test_entity_names_read_well_after_the_room_named_device(
    hass: HomeAssistant, setup_kumo: MockConfigEntry
) -> None:
    """Devices are named after rooms: no entity name says a word twice ("Room Room")."""
    names = [
        state.name
        for state in hass.states.async_all()
        if state.entity_id.split(".")[1].startswith(("living_room", "bedroom", "kumo_station"))
    ]
    assert "Living Room Temperature" in names
    for name in names:
        words = name.lower().split()
        assert all(a != b for a, b in itertools.pairwise(words)), name


async def test_devices_carry_the_firmware_the_cloud_reports(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    unit_definitions: list[KumoUnitDefinition],
    kumo_cloud: KumoCloudSimulator,
) -> None:
    """The adapters' firmware versions (v3 device status, v2 zone table) reach the devices."""
    firmware = {d.serial: f"03.0{i}.17" for i, d in enumerate(unit_definitions)}
    kumo_cloud.units = [replace(d, firmware_version=firmware[d.serial]) for d in unit_definitions]
    flow_id = await start_kumo_flow(hass)
    result = await sign_in(hass, flow_id, kumo_cloud)
    await hass.async_block_till_done()
    devices = dr.async_entries_for_config_entry(device_registry, result["result"].entry_id)
    assert {device.serial_number: device.sw_version for device in devices} == firmware
