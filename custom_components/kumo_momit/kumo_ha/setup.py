"""Setting up a Kumo account entry: every unit runs locally from what the entry stores."""

from __future__ import annotations

import asyncio
from collections.abc import Set
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ..const import LOGGER
from ..kumo import KumoIndoorUnit, KumoStation, KumoUnitClient, KumoUnitKind
from .const import CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL
from .coordinator import KumoIndoorCoordinator, KumoStationCoordinator
from .data import KumoRuntimeData, stored_units
from .keys import async_delete_units
from .repairs import async_delete_unit_issue, async_update_unit_issue
from .room_sensor import RoomSensorFeed, async_watch_stray_api_source, room_sensor_of
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
    _async_start_room_sensors(hass, entry, runtime)


@callback
def _async_start_room_sensors(
    hass: HomeAssistant, entry: KumoMomitConfigEntry, runtime: KumoRuntimeData
) -> None:
    """Feed each unit its chosen sensor; restore units left on `api` without one (§6.1)."""
    for serial, coordinator in runtime.indoor_units.items():
        if room_sensor_of(entry, serial) is None:
            entry.async_on_unload(async_watch_stray_api_source(hass, entry, coordinator))
            continue
        feed = RoomSensorFeed(hass, entry, coordinator)
        runtime.room_sensors[serial] = feed
        feed.async_start()
        # Unloading (also: the option cleared, which reloads) gives the unit its sensor back.
        entry.async_on_unload(partial(feed.async_stop, restore=True))


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


async def async_remove_kumo_units(
    hass: HomeAssistant,
    entry: KumoMomitConfigEntry,
    device_ids: Set[str],
    runtime: KumoRuntimeData | None,
) -> None:
    """A deleted device's unit goes out of sight with its repair issue; its keys stay.

    A unit regulating on a Home Assistant sensor gets its own sensor back first (`runtime`:
    the loaded entry's, None while it is not loaded).
    """
    feeds = runtime.room_sensors if runtime is not None else {}
    for serial in device_ids:
        if (feed := feeds.pop(serial, None)) is not None:
            await feed.async_stop(restore=True)
        async_delete_unit_issue(hass, entry, serial)
    async_delete_units(hass, entry, set(device_ids))
