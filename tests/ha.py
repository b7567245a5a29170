"""What the Home Assistant tests of both device families share: actions, device look-ups and
snapshots. It is also the one place of the tests that knows the two test legs (the floor,
Home Assistant 2025.4.4, and the current one, 2026.10.4 in-process) differ, by feature:

* Devices: `device_registry.async_get_device` is deprecated on the current leg (it raises when
  a test calls it), and a device belongs to one entry there, so "Delete device" is another
  websocket command; `device_by_identifier` and `delete_device` use what each release offers.
* Snapshots are **normalised**, one file for both legs. Each registry entry, state and device is
  reduced to what the integration decides (unique id, names, translation key, device class,
  category, capabilities, features, unit, options; state and attributes; the device's maker,
  model, serial, identifiers, connections, parent) with plain values: strings for enums, sorted
  lists for sets. Home Assistant's own bookkeeping — fields it adds, renames or drops between
  releases (`aliases`, `object_id_base`, `suggested_object_id`, `config_entry_id` /
  `config_subentry_id`, `is_new`, `primary_config_entry`, …), the enum types it wraps attribute
  keys in, and the climate `temperature_unit` attribute its base class adds from the user's unit
  system — is left out. So a format change of a release shows no diff, and a real change (a name,
  a capability, a state attribute the integration sets) shows the same diff on both legs.
  Per-leg snapshot files were the alternative: every real change would have to be reviewed and
  updated twice, in two formats, and moving the current leg would rewrite all of them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from enum import Enum
import re
from typing import Any

from homeassistant.components.climate import DOMAIN as CLIMATE_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

# What the integration decides about an entity's registry entry (the rest is the user's or
# Home Assistant's).
ENTITY_ENTRY_FIELDS = (
    "entity_id",
    "unique_id",
    "platform",
    "has_entity_name",
    "original_name",
    "translation_key",
    "original_device_class",
    "original_icon",
    "entity_category",
    "disabled_by",
    "hidden_by",
    "capabilities",
    "supported_features",
    "unit_of_measurement",
    "options",
)
# What the integration decides about a device (DeviceInfo).
DEVICE_FIELDS = (
    "name",
    "manufacturer",
    "model",
    "model_id",
    "serial_number",
    "sw_version",
    "hw_version",
    "identifiers",
    "connections",
    "configuration_url",
    "entry_type",
    "disabled_by",
)
# State attributes Home Assistant adds by itself on some releases only.
HA_OWN_STATE_ATTRIBUTES = {
    # 2026.10+: the climate base class writes the user's unit system's unit; not overridable.
    "temperature_unit",
}


def plain(value: Any) -> Any:
    """`value` as the integration means it, whatever types a release wraps it in."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(plain(key)): plain(item) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((plain(item) for item in value), key=repr)
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def entity_entry_view(registry_entry: er.RegistryEntry) -> dict[str, Any]:
    """The integration's part of an entity registry entry."""
    return {field: plain(getattr(registry_entry, field)) for field in ENTITY_ENTRY_FIELDS}


def state_view(state: State) -> dict[str, Any]:
    """A state and the attributes the integration sets."""
    attributes = {
        key: value for key, value in state.attributes.items() if key not in HA_OWN_STATE_ATTRIBUTES
    }
    return {"entity_id": state.entity_id, "state": state.state, "attributes": plain(attributes)}


def device_view(device_registry: dr.DeviceRegistry, device: dr.DeviceEntry) -> dict[str, Any]:
    """The integration's part of a device entry; the parent device by its identifiers."""
    view = {field: plain(getattr(device, field)) for field in DEVICE_FIELDS}
    parent = device_registry.async_get(device.via_device_id) if device.via_device_id else None
    view["via_device"] = None if parent is None else plain(parent.identifiers)
    return view


async def delete_device(
    client: Any, device: dr.DeviceEntry, entry: MockConfigEntry
) -> dict[str, Any]:
    """Device page → ⋮ → Delete, through the test websocket client; the reply."""
    if hasattr(device, "config_entry_id"):  # 2026.x: a device has one entry, removed whole
        reply: dict[str, Any] = await client.remove_device(device.id)
    else:  # before: a device is removed from one of its entries
        reply = await client.remove_device(device.id, entry.entry_id)
    return reply


def device_by_identifier(
    device_registry: dr.DeviceRegistry, entry: MockConfigEntry, identifier: tuple[str, str]
) -> dr.DeviceEntry | None:
    """The entry's device with this identifier, through the lookup the release offers."""
    by_identifier = getattr(device_registry, "async_get_device_by_identifier", None)
    if by_identifier is not None:  # 2026.x: the unambiguous lookup (async_get_device deprecated)
        device: dr.DeviceEntry | None = by_identifier(identifier, entry.entry_id)
        return device
    # Before 2026.x the only lookup there is (deprecated, and raising in tests, from 2026.x on).
    floor_lookup = device_registry.async_get_device
    return floor_lookup(identifiers={identifier})


async def call_climate(hass: HomeAssistant, service: str, entity_id: str, **data: Any) -> None:
    """A climate action on one entity, waiting for it to finish (errors are raised)."""
    await hass.services.async_call(
        CLIMATE_DOMAIN, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
    )


def _platform_entries(
    entity_registry: er.EntityRegistry, entry: MockConfigEntry, platform: Platform
) -> list[er.RegistryEntry]:
    return sorted(
        (
            registry_entry
            for registry_entry in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
            if registry_entry.domain == platform
        ),
        key=lambda registry_entry: registry_entry.entity_id,
    )


async def assert_platform_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    entry: MockConfigEntry,
    platform: Platform,
    ready: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Every entity of one platform: registry entry and state, disabled-by-default ones too.

    The entry is set up; the platform's entities that start disabled are snapshotted as a list,
    then enabled (reload), so that every entity's state is captured. `ready` waits for what the
    states depend on (e.g. push) after the reload.
    """
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    disabled = [e for e in _platform_entries(entity_registry, entry, platform) if e.disabled_by]
    assert [(e.entity_id, plain(e.disabled_by)) for e in disabled] == snapshot(
        name="disabled-by-default"
    )
    if disabled:
        for registry_entry in disabled:
            entity_registry.async_update_entity(registry_entry.entity_id, disabled_by=None)
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
    if ready is not None:
        await ready()
    entries = _platform_entries(entity_registry, entry, platform)
    assert entries
    for registry_entry in entries:
        assert entity_entry_view(registry_entry) == snapshot(
            name=f"{registry_entry.entity_id}-entry"
        )
        assert registry_entry.disabled_by is None
        state = hass.states.get(registry_entry.entity_id)
        assert state, f"no state for {registry_entry.entity_id}"
        assert state_view(state) == snapshot(name=f"{registry_entry.entity_id}-state")
    assert await hass.config_entries.async_unload(entry.entry_id)


_PYTHON_REPRS = re.compile(r"""\bb['"]|\\x[0-9a-f]{2}|\w+(Error|Exception)\(|<\w[^>]* object at """)


def assert_readable(message: str) -> None:
    """An error a user reads: no Python reprs (`b'...'`, `\\xff`, `TimeoutError()`, objects)."""
    assert message
    assert _PYTHON_REPRS.search(message) is None, message
