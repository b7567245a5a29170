"""Climate platform: one entity per Kumo indoor unit or Momit Cool node, set up by its family."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .data import KumoMomitConfigEntry
from .kumo_ha.climate import async_setup_kumo_climates
from .kumo_ha.data import KumoRuntimeData
from .momit_ha.climate import async_setup_momit_climates

# Commands go through each device's lock; HA need not add its own limit.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: KumoMomitConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Kumo indoor units and Momit Cool nodes each have one climate entity."""
    runtime = entry.runtime_data
    if isinstance(runtime, KumoRuntimeData):
        async_setup_kumo_climates(hass, runtime, async_add_entities)
    else:
        async_setup_momit_climates(entry, runtime, async_add_entities)
