"""Setting up a Kumo account entry: every unit runs locally from what the entry stores."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Set
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ..const import LOGGER
from ..kumo import KumoIndoorUnit, KumoStation, KumoUnitClient, KumoUnitKind, KumoUnitRecord
from .cloud import KumoCloudLink
from .const import (
    CONF_CLOUD_FOR_UNADDRESSED,
    CONF_SCAN_INTERVAL,
    DEFAULT_SCAN_INTERVAL,
)
from .coordinator import KumoIndoorCoordinator, KumoStationCoordinator
from .data import KumoRuntimeData, stored_units
from .keys import async_delete_units
from .repairs import async_delete_unit_issue, async_update_unit_issue
from .room_sensor import RoomSensorFeed, async_watch_stray_api_source, room_sensor_of
from .settings import kumo_settings

if TYPE_CHECKING:
    from ..data import KumoMomitConfigEntry


async def async_setup_kumo_entry(hass: HomeAssistant, entry: KumoMomitConfigEntry) -> None:
    """One client and coordinator per complete unit, polled locally; units without local keys
    (and, if the user chose so, units with keys but no address yet) through the cloud.

    Local units never wait for the cloud: set-up reads them, then starts cloud control in the
    background, so a restart without internet sets local units up as before.
    """
    session = async_get_clientsession(hass)
    clock = kumo_settings(hass).clock
    interval = timedelta(
        seconds=entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL.total_seconds())
    )
    runtime = KumoRuntimeData()
    cloud_units: list[KumoUnitRecord] = []
    for unit in stored_units(entry.data):
        credentials = unit.credentials
        if credentials is None or not unit.address:
            through_cloud = _controlled_through_cloud(entry, unit)
            if through_cloud:
                cloud_units.append(unit)
            # A unit with keys but no address needs an address, wherever it is controlled.
            async_update_unit_issue(hass, entry, unit, cloud=through_cloud and credentials is None)
            continue
        async_update_unit_issue(hass, entry, unit)
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
    if cloud_units:
        link = KumoCloudLink(hass, entry)
        for unit in cloud_units:
            runtime.indoor_units[unit.serial] = link.add_unit(unit)
        runtime.cloud = link
        entry.async_on_unload(link.async_stop)
        # Home Assistant stopping does not unload entries: disconnect then too.
        entry.async_on_unload(
            hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, _stop_link(link))
        )
        await link.async_start()
    entry.runtime_data = runtime
    _async_start_room_sensors(hass, entry, runtime)


@callback
def _async_start_room_sensors(
    hass: HomeAssistant, entry: KumoMomitConfigEntry, runtime: KumoRuntimeData
) -> None:
    """Feed each unit its chosen sensor; restore units left on `api` without one (§6.1)."""
    for serial, coordinator in runtime.indoor_units.items():
        if not isinstance(coordinator.device, KumoIndoorUnit):
            continue  # injection is local-only: nothing shows the cloud accepts it
        if room_sensor_of(entry, serial) is None:
            entry.async_on_unload(async_watch_stray_api_source(hass, entry, coordinator))
            continue
        feed = RoomSensorFeed(hass, entry, coordinator)
        runtime.room_sensors[serial] = feed
        feed.async_start()
        # Unloading (also: the option cleared, which reloads) gives the unit its sensor back.
        entry.async_on_unload(partial(feed.async_stop, restore=True))


def _stop_link(link: KumoCloudLink) -> Callable[[Event], Coroutine[Any, Any, None]]:
    async def _async_stop(_event: Event) -> None:
        await link.async_stop()

    return _async_stop


def _controlled_through_cloud(entry: KumoMomitConfigEntry, unit: KumoUnitRecord) -> bool:
    """Indoor units without keys; with keys but no address only if the user chose so."""
    if unit.kind is KumoUnitKind.STATION:
        return False  # nothing is known to read a Station through the cloud
    if unit.credentials is None:
        return True
    return bool(entry.options.get(CONF_CLOUD_FOR_UNADDRESSED, False))


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
