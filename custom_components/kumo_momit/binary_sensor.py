"""Binary sensor platform: status flags of Kumo indoor units (Momit Cool nodes have none)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .data import KumoMomitConfigEntry
from .kumo_ha.binary_sensor import async_setup_kumo_binary_sensors
from .kumo_ha.data import KumoRuntimeData

# Read-only: the coordinators centralise updates.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: KumoMomitConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Only Kumo entries have binary sensors."""
    runtime = entry.runtime_data
    if isinstance(runtime, KumoRuntimeData):
        async_setup_kumo_binary_sensors(entry, runtime, async_add_entities)
