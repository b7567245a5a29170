"""Number platform: the auto-off timer of Momit Cool nodes (Kumo units have none)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .data import KumoMomitConfigEntry
from .momit_ha.data import MomitRuntimeData
from .momit_ha.number import async_setup_momit_numbers

# Setting the timer sends nothing; the next "on" command carries it.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: KumoMomitConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Only Momit entries have numbers."""
    runtime = entry.runtime_data
    if isinstance(runtime, MomitRuntimeData):
        async_setup_momit_numbers(runtime, async_add_entities)
