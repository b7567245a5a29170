"""Snapshots of every entity (registry entry and state) and every device, per platform.

Kumo: the demo account (two indoor units and a Kumo Station). Momit: a gateway with one AC
node whose serial is fixed here, so the snapshots do not depend on the test process.
Disabled-by-default entities are listed in their own snapshot, then enabled, so that every
entity's state is captured too.
"""

from __future__ import annotations

from collections.abc import Iterator
from unittest.mock import patch

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from simulators.momit_gateway import GatewaySimulator
from tests.momit.conftest import wait_until


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Home Assistant's serializer (registry entries, states) and its `snapshots/` folder.

    The test plugin's own `snapshot` fixture loses to syrupy's, which has neither.
    """
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture(scope="module")
def momit_gateway_process() -> Iterator[GatewaySimulator]:
    """The gateway simulator with a fixed serial prefix (the default one has the PID in it)."""
    simulator = GatewaySimulator(ac_nodes=1, other_nodes=1, serial_prefix="SNAP")
    simulator.start()
    yield simulator
    simulator.stop()


async def _set_up_platform(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """Set the entry up, snapshot what starts disabled, then enable it and reload."""
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    disabled = sorted(
        (
            registry_entry
            for registry_entry in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
            if registry_entry.disabled_by is not None
        ),
        key=lambda registry_entry: registry_entry.entity_id,
    )
    assert [
        (registry_entry.entity_id, registry_entry.disabled_by) for registry_entry in disabled
    ] == snapshot(name="disabled-by-default")
    if disabled:
        for registry_entry in disabled:
            entity_registry.async_update_entity(registry_entry.entity_id, disabled_by=None)
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()


@pytest.mark.parametrize(
    "platform", [Platform.BINARY_SENSOR, Platform.CLIMATE, Platform.SENSOR], ids=str
)
async def test_kumo_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    kumo_entry: MockConfigEntry,
    platform: Platform,
) -> None:
    """Entities of the Kumo demo account: names, classes, units, categories, states."""
    with patch("custom_components.kumo_momit.PLATFORMS", [platform]):
        await _set_up_platform(hass, entity_registry, kumo_entry, snapshot)
        await snapshot_platform(hass, entity_registry, snapshot, kumo_entry.entry_id)
        assert await hass.config_entries.async_unload(kumo_entry.entry_id)


async def test_kumo_devices(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
    setup_kumo: MockConfigEntry,
) -> None:
    """One device per adapter: maker, model, serial and MAC connection."""
    devices = dr.async_entries_for_config_entry(device_registry, setup_kumo.entry_id)
    assert len(devices) == 3
    for device in sorted(devices, key=lambda d: d.serial_number or ""):
        assert device == snapshot(name=f"{device.serial_number}-device")


@pytest.mark.parametrize("platform", [Platform.CLIMATE, Platform.NUMBER, Platform.SENSOR], ids=str)
async def test_momit_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    momit_entry: MockConfigEntry,
    platform: Platform,
) -> None:
    """Entities of a Momit Cool node, with the state the gateway reports."""
    with patch("custom_components.kumo_momit.PLATFORMS", [platform]):
        await _set_up_platform(hass, entity_registry, momit_entry, snapshot)
        coordinator = next(iter(momit_entry.runtime_data.nodes.values()))
        await wait_until(lambda: coordinator.client.push_active)
        await snapshot_platform(hass, entity_registry, snapshot, momit_entry.entry_id)
        assert await hass.config_entries.async_unload(momit_entry.entry_id)


async def test_momit_devices(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
    setup_momit: MockConfigEntry,
) -> None:
    """One device per Momit Cool node, keyed by its serial."""
    devices = dr.async_entries_for_config_entry(device_registry, setup_momit.entry_id)
    assert len(devices) == 1
    assert devices[0] == snapshot(name="momit-device")
