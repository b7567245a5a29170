"""Sensor platform: readings of Kumo units and stations and of Momit Cool nodes, by family."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .data import KumoMomitConfigEntry
from .kumo_ha.data import KumoRuntimeData
from .kumo_ha.sensor import async_setup_kumo_sensors
from .momit_ha.sensor import async_setup_momit_sensors

# Read-only: the coordinators centralise updates.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: KumoMomitConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Each family adds the sensors its devices have."""
    runtime = entry.runtime_data
    if isinstance(runtime, KumoRuntimeData):
        async_setup_kumo_sensors(entry, runtime, async_add_entities)
    else:
        async_setup_momit_sensors(runtime, async_add_entities)
