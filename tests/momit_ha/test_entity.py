"""Momit devices: one per Momit Cool node, as entity.py describes it to the device registry."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion


async def test_devices(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    ha_snapshot: SnapshotAssertion,
    setup_momit: MockConfigEntry,
) -> None:
    """One device per Momit Cool node, keyed by its serial."""
    devices = dr.async_entries_for_config_entry(device_registry, setup_momit.entry_id)
    assert len(devices) == 1
    assert devices[0] == ha_snapshot(name="momit-device")
