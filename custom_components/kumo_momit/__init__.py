"""Mitsubishi Kumo & Momit Cool (local): set-up and unload, each entry by its device family."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from .const import DOMAIN, FAMILY_MOMIT, PLATFORMS
from .data import KumoMomitConfigEntry, entry_family
from .kumo_ha.data import KumoRuntimeData
from .kumo_ha.setup import async_remove_kumo_units, async_setup_kumo_entry
from .momit_ha.setup import async_remove_momit_nodes, async_setup_momit_entry


async def async_setup_entry(hass: HomeAssistant, entry: KumoMomitConfigEntry) -> bool:
    """Set up a Kumo account or a Momit gateway."""
    if entry_family(entry.data) == FAMILY_MOMIT:
        await async_setup_momit_entry(hass, entry)
    else:
        await async_setup_kumo_entry(hass, entry)
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

    The unit leaves the entry, so it does not come back at the next start. A Kumo unit's local
    keys, MAC and address stay stored out of sight: a cloud refresh, a DHCP sighting or a cache
    import brings it back with them (the options can purge them).
    """
    device_ids = {value for domain, value in device.identifiers if domain == DOMAIN}
    if entry_family(entry.data) == FAMILY_MOMIT:
        async_remove_momit_nodes(hass, entry, device_ids)
    else:
        runtime = getattr(entry, "runtime_data", None)  # absent while the entry is not loaded
        kumo_runtime = runtime if isinstance(runtime, KumoRuntimeData) else None
        await async_remove_kumo_units(hass, entry, device_ids, kumo_runtime)
    return True


async def _async_reload_on_change(hass: HomeAssistant, entry: KumoMomitConfigEntry) -> None:
    """Options, a new address or new secrets take effect by reloading the entry."""
    await hass.config_entries.async_reload(entry.entry_id)
