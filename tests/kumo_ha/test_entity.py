"""Kumo devices: one per adapter, as entity.py describes it to the device registry."""

from __future__ import annotations

import itertools

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion


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
        assert device == ha_snapshot(name=f"{device.serial_number}-device")


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
