"""What the Home Assistant tests of both device families share: actions and snapshots."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from homeassistant.components.climate import DOMAIN as CLIMATE_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion


async def call_climate(hass: HomeAssistant, service: str, entity_id: str, **data: Any) -> None:
    """A climate action on one entity, waiting for it to finish (errors are raised)."""
    await hass.services.async_call(
        CLIMATE_DOMAIN, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
    )


def _platform_entries(
    entity_registry: er.EntityRegistry, entry: MockConfigEntry, platform: Platform
) -> list[er.RegistryEntry]:
    return sorted(
        (
            registry_entry
            for registry_entry in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
            if registry_entry.domain == platform
        ),
        key=lambda registry_entry: registry_entry.entity_id,
    )


async def assert_platform_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    entry: MockConfigEntry,
    platform: Platform,
    ready: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Every entity of one platform: registry entry and state, disabled-by-default ones too.

    The entry is set up; the platform's entities that start disabled are snapshotted as a list,
    then enabled (reload), so that every entity's state is captured. `ready` waits for what the
    states depend on (e.g. push) after the reload.
    """
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    disabled = [e for e in _platform_entries(entity_registry, entry, platform) if e.disabled_by]
    assert [(e.entity_id, e.disabled_by) for e in disabled] == snapshot(name="disabled-by-default")
    if disabled:
        for registry_entry in disabled:
            entity_registry.async_update_entity(registry_entry.entity_id, disabled_by=None)
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
    if ready is not None:
        await ready()
    entries = _platform_entries(entity_registry, entry, platform)
    assert entries
    for registry_entry in entries:
        assert registry_entry == snapshot(name=f"{registry_entry.entity_id}-entry")
        assert registry_entry.disabled_by is None
        state = hass.states.get(registry_entry.entity_id)
        assert state, f"no state for {registry_entry.entity_id}"
        assert state == snapshot(name=f"{registry_entry.entity_id}-state")
    assert await hass.config_entries.async_unload(entry.entry_id)
