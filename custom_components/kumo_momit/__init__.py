"""Mitsubishi Kumo & Momit Cool (local) integration: set-up and unload only."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import (
    CONF_FAMILY,
    CONF_MAX_TEMP,
    CONF_MIN_TEMP,
    CONF_NODES,
    CONF_SCAN_INTERVAL,
    CONF_UNITS,
    DEFAULT_MOMIT_MAX_TEMP,
    DEFAULT_MOMIT_MIN_TEMP,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    FAMILY_MOMIT,
    LOGGER,
    PLATFORMS,
)
from .coordinator import KumoIndoorCoordinator, KumoStationCoordinator, MomitNodeCoordinator
from .data import (
    KumoMomitConfigEntry,
    KumoRuntimeData,
    MomitRuntimeData,
    stored_nodes,
    stored_units,
    units_for_storage,
)
from .kumo import KumoIndoorUnit, KumoStation, KumoUnitClient, KumoUnitKind, KumoUnitRecord
from .kumo_ha.settings import kumo_settings
from .momit import CommandLimits, MomitCoolClient
from .momit_ha.settings import momit_settings


async def async_setup_entry(hass: HomeAssistant, entry: KumoMomitConfigEntry) -> bool:
    """Set up a Kumo account or a Momit gateway."""
    if entry.data.get(CONF_FAMILY) == FAMILY_MOMIT:
        await _async_setup_momit_entry(hass, entry)
    else:
        await _async_setup_kumo_entry(hass, entry)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    entry.async_on_unload(entry.add_update_listener(_async_reload_on_change))
    return True


async def async_unload_entry(hass: HomeAssistant, entry: KumoMomitConfigEntry) -> bool:
    """Unload platforms; the coordinators and shared clients go with the entry."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: KumoMomitConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user delete a unit's device (e.g. a unit that was sold or replaced).

    The unit is dropped from the entry too, so it does not come back at the next start; a
    later "refresh units from the cloud" adds it again if the account still has it.
    """
    identifiers = {value for domain, value in device.identifiers if domain == DOMAIN}
    if entry.data.get(CONF_FAMILY) == FAMILY_MOMIT:
        nodes = [n for n in stored_nodes(entry.data) if f"momit-{n.serial}" not in identifiers]
        data = {**entry.data, CONF_NODES: [n.to_storage() for n in nodes]}
    else:
        units = [u for u in stored_units(entry.data) if u.serial not in identifiers]
        ir.async_delete_issue(
            hass, DOMAIN, f"{entry.entry_id}_{next(iter(identifiers), '')}_incomplete"
        )
        data = {**entry.data, CONF_UNITS: units_for_storage(units)}
    if data != entry.data:
        hass.config_entries.async_update_entry(entry, data=data)
    return True


async def _async_reload_on_change(hass: HomeAssistant, entry: KumoMomitConfigEntry) -> None:
    """Options, a new address or new secrets take effect by reloading the entry."""
    await hass.config_entries.async_reload(entry.entry_id)


async def _async_setup_kumo_entry(hass: HomeAssistant, entry: KumoMomitConfigEntry) -> None:
    """Everything comes from the entry: the cloud is never contacted here."""
    session = async_get_clientsession(hass)
    interval = timedelta(
        seconds=entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL.total_seconds())
    )
    clock = kumo_settings(hass).clock
    runtime = KumoRuntimeData()
    for unit in stored_units(entry.data):
        _async_update_missing_issue(hass, entry, unit)
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
    coordinators = runtime.coordinators
    # All units are read in parallel: 20 units set up in about the time of one.
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
    entry.runtime_data = runtime


async def _async_setup_momit_entry(hass: HomeAssistant, entry: KumoMomitConfigEntry) -> None:
    """One client and coordinator per AC node; push starts once the first read worked."""
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


def _async_update_missing_issue(
    hass: HomeAssistant, entry: KumoMomitConfigEntry, unit: KumoUnitRecord
) -> None:
    """A fixable repair issue while a unit lacks its address or its local keys."""
    issue_id = f"{entry.entry_id}_{unit.serial}_incomplete"
    if unit.is_complete:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=True,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="unit_missing_secrets" if not unit.has_secrets else "unit_missing_address",
        translation_placeholders={"name": unit.display_name},
        data={"entry_id": entry.entry_id, "serial": unit.serial},
    )
