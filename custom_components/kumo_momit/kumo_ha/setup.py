"""Setting up a Kumo account entry: every unit runs locally from what the entry stores."""

from __future__ import annotations

import asyncio
from collections.abc import Set
from datetime import timedelta
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ..const import LOGGER
from ..kumo import KumoIndoorUnit, KumoStation, KumoUnitClient, KumoUnitKind
from .const import CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL
from .coordinator import KumoIndoorCoordinator, KumoStationCoordinator
from .data import KumoRuntimeData, async_drop_units, stored_units
from .repairs import async_delete_unit_issue, async_update_unit_issue
from .settings import kumo_settings

if TYPE_CHECKING:
    from ..data import KumoMomitConfigEntry


async def async_setup_kumo_entry(hass: HomeAssistant, entry: KumoMomitConfigEntry) -> None:
    """One client and coordinator per complete unit; the cloud is never contacted here."""
    session = async_get_clientsession(hass)
    clock = kumo_settings(hass).clock
    interval = timedelta(
        seconds=entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL.total_seconds())
    )
    runtime = KumoRuntimeData()
    for unit in stored_units(entry.data):
        async_update_unit_issue(hass, entry, unit)
        credentials = unit.credentials
        if credentials is None or not unit.address:
            continue
        client = KumoUnitClient(session, unit.address, credentials, clock=clock)
        if unit.kind is KumoUnitKind.STATION:
            runtime.stations[unit.serial] = KumoStationCoordinator(
                hass,
                entry,
                unit,
                KumoStation(unit.serial, unit.display_name, client, clock=clock),
                interval,
            )
        else:
            runtime.indoor_units[unit.serial] = KumoIndoorCoordinator(
                hass,
                entry,
                unit,
                KumoIndoorUnit(unit.serial, unit.display_name, client, clock=clock),
                interval,
            )
    await _async_first_refresh(runtime)
    entry.runtime_data = runtime


async def _async_first_refresh(runtime: KumoRuntimeData) -> None:
    """Read every unit in parallel: 20 units set up in about the time of one."""
    coordinators = runtime.coordinators
    results = await asyncio.gather(
        *(c.async_config_entry_first_refresh() for c in coordinators), return_exceptions=True
    )
    failed = [r for r in results if isinstance(r, BaseException)]
    for result in failed:
        if not isinstance(result, ConfigEntryNotReady):
            raise result
    if coordinators and len(failed) == len(coordinators):
        # Nothing answered: let Home Assistant retry the whole entry with back-off.
        raise failed[0]
    for coordinator, outcome in zip(coordinators, results, strict=True):
        if isinstance(outcome, BaseException):
            # The rest of the account works; this unit stays unavailable and keeps polling.
            LOGGER.warning(
                "%s did not answer at start-up: %s", coordinator.unit.display_name, outcome
            )


def async_remove_kumo_units(
    hass: HomeAssistant, entry: KumoMomitConfigEntry, device_ids: Set[str]
) -> None:
    """Drop the units of a deleted device from the entry, with their repair issue."""
    for serial in device_ids:
        async_delete_unit_issue(hass, entry, serial)
    async_drop_units(hass, entry, device_ids)
