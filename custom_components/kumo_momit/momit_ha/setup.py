"""Setting up a Momit gateway entry: one client and coordinator per AC node."""

from __future__ import annotations

import asyncio
from collections.abc import Set
from dataclasses import replace
from typing import TYPE_CHECKING

from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant

from ..data import async_update_entry
from ..momit import CommandLimits, MomitCoolClient
from .const import (
    CONF_MAX_TEMP,
    CONF_MIN_TEMP,
    DEFAULT_MOMIT_MAX_TEMP,
    DEFAULT_MOMIT_MIN_TEMP,
)
from .coordinator import MomitNodeCoordinator
from .data import MomitRuntimeData, nodes_change, stored_nodes
from .settings import momit_settings

if TYPE_CHECKING:
    from ..data import KumoMomitConfigEntry


async def async_setup_momit_entry(hass: HomeAssistant, entry: KumoMomitConfigEntry) -> None:
    """Push starts once the first read of every node worked."""
    limits = CommandLimits(
        min_setpoint_c=entry.options.get(CONF_MIN_TEMP, DEFAULT_MOMIT_MIN_TEMP),
        max_setpoint_c=entry.options.get(CONF_MAX_TEMP, DEFAULT_MOMIT_MAX_TEMP),
    )
    options = replace(momit_settings(hass).client, limits=limits)
    runtime = MomitRuntimeData()
    for node in stored_nodes(entry.data):
        client = MomitCoolClient(
            entry.data[CONF_HOST], node.port, serial=node.serial, options=options
        )
        runtime.nodes[node.serial] = MomitNodeCoordinator(
            hass, entry, node, client, default_timer_minutes=limits.default_timer_minutes
        )
    entry.runtime_data = runtime
    coordinators = list(runtime.nodes.values())
    # A failure raises ConfigEntryNotReady; the coordinators' shutdown (registered on the
    # entry) then closes the clients and releases the shared CoAP context.
    await asyncio.gather(*(c.async_config_entry_first_refresh() for c in coordinators))
    for coordinator in coordinators:
        await coordinator.async_start_push()


def async_remove_momit_nodes(
    hass: HomeAssistant, entry: KumoMomitConfigEntry, device_ids: Set[str]
) -> None:
    """Drop the nodes of a deleted device from the gateway entry."""
    async_update_entry(
        hass,
        entry,
        data=nodes_change(lambda nodes: [n for n in nodes if n.device_id not in device_ids]),
    )
