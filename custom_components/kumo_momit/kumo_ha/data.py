"""What a Kumo account entry holds: its units as stored in entry data, and its coordinators."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_PASSWORD
from homeassistant.core import HomeAssistant, callback

from ..data import DataChange, async_update_entry
from ..kumo import KumoUnitRecord, merge_unit_record, merge_unit_records
from .const import CONF_DELETED_UNITS, CONF_UNITS

if TYPE_CHECKING:
    from .cloud import KumoCloudLink
    from .coordinator import KumoIndoorCoordinator, KumoStationCoordinator
    from .room_sensor import RoomSensorFeed


@dataclass
class KumoRuntimeData:
    """What a loaded Kumo account entry holds: one coordinator per controllable unit (local
    or, for units without local keys, through the cloud), and the account's cloud link."""

    indoor_units: dict[str, KumoIndoorCoordinator] = field(default_factory=dict)
    stations: dict[str, KumoStationCoordinator] = field(default_factory=dict)
    # Indoor units regulating on a Home Assistant sensor, by serial.
    room_sensors: dict[str, RoomSensorFeed] = field(default_factory=dict)
    cloud: KumoCloudLink | None = None

    @property
    def coordinators(self) -> list[KumoIndoorCoordinator | KumoStationCoordinator]:
        """Every unit's coordinator, indoor units first."""
        return [*self.indoor_units.values(), *self.stations.values()]


def stored_units(data: Any) -> list[KumoUnitRecord]:
    """The Kumo units kept in an entry's data: everything needed to run without the cloud."""
    return [KumoUnitRecord.from_storage(raw) for raw in data.get(CONF_UNITS, [])]


def units_for_storage(units: Iterable[KumoUnitRecord]) -> list[dict[str, Any]]:
    """The JSON form of units for entry data."""
    return [unit.to_storage() for unit in units]


def replace_unit(units: Iterable[KumoUnitRecord], updated: KumoUnitRecord) -> list[KumoUnitRecord]:
    """`units` with the one of the same serial replaced by `updated`."""
    return [updated if unit.serial == updated.serial else unit for unit in units]


# Facts a flow learns about a stored unit, as `KumoUnitRecord` fields, and their sources.
ADDRESS: Final = ("address",)
MAC_AND_ADDRESS: Final = ("mac", "address")
SECRETS: Final = ("password_b64", "crypto_serial_hex")
_SOURCE_OF: Final = {
    "address": "address",
    "mac": "mac",
    "password_b64": "password",
    "crypto_serial_hex": "crypto_serial",
}


def with_facts(
    current: KumoUnitRecord, learned: KumoUnitRecord, facts: Iterable[str]
) -> KumoUnitRecord:
    """`current` with the named facts (and where they came from) taken from `learned`."""
    names = tuple(facts)
    sources = {_SOURCE_OF[name]: getattr(learned.sources, _SOURCE_OF[name]) for name in names}
    return replace(
        current,
        **{name: getattr(learned, name) for name in names},
        sources=replace(current.sources, **sources),
    )


@callback
def async_store_unit(
    hass: HomeAssistant, entry: ConfigEntry[Any], learned: KumoUnitRecord, facts: Iterable[str]
) -> bool:
    """Save what a flow learnt about one unit (e.g. its address) into the unit as stored now.

    Only the named facts are taken: a flow's copy of the unit is as old as the flow, and other
    facts may have been saved since. False (and nothing saved) when the unit has left the entry
    meanwhile (its device was deleted). The entry then reloads (update listener).
    """
    names = tuple(facts)
    if all(unit.serial != learned.serial for unit in stored_units(entry.data)):
        return False

    def change(data: Mapping[str, Any]) -> dict[str, Any]:
        units = [
            with_facts(unit, learned, names) if unit.serial == learned.serial else unit
            for unit in stored_units(data)
        ]
        return {**data, CONF_UNITS: units_for_storage(units)}

    async_update_entry(hass, entry, data=change)
    return True


def deleted_units(data: Mapping[str, Any]) -> list[KumoUnitRecord]:
    """Units whose device was deleted, kept out of sight with their keys, MAC and address."""
    return [KumoUnitRecord.from_storage(raw) for raw in data.get(CONF_DELETED_UNITS, [])]


def restore_deleted(
    units: Iterable[KumoUnitRecord], deleted: Iterable[KumoUnitRecord]
) -> tuple[list[KumoUnitRecord], list[KumoUnitRecord]]:
    """A deleted unit listed again comes back with what was kept (keys, address, MAC).

    The kept record is the known one: its keys and address win, names follow the newcomer.
    Returns the units and the deleted units still out of sight.
    """
    kept = {unit.serial: unit for unit in deleted}
    restored = [merge_unit_record(kept[u.serial], u) if u.serial in kept else u for u in units]
    live = {unit.serial for unit in restored}
    return restored, [unit for unit in kept.values() if unit.serial not in live]


def _with_units(
    data: Mapping[str, Any], units: Iterable[KumoUnitRecord], deleted: list[KumoUnitRecord]
) -> dict[str, Any]:
    changed = {**data, CONF_UNITS: units_for_storage(units)}
    changed.pop(CONF_DELETED_UNITS, None)
    if deleted:
        changed[CONF_DELETED_UNITS] = units_for_storage(deleted)
    return changed


def units_change(
    units: Iterable[KumoUnitRecord], *, deleted: Iterable[KumoUnitRecord] | None = None
) -> DataChange:
    """The entry change that replaces its units by `units`, a list just made over the entry as
    it is (a restored unit, an import planned at its confirmation). Deleted units listed again
    come back with their kept keys; `deleted` (default: the entry's) stay out of sight."""
    new_units = list(units)
    new_deleted = None if deleted is None else list(deleted)

    def change(data: Mapping[str, Any]) -> dict[str, Any]:
        kept = deleted_units(data) if new_deleted is None else new_deleted
        return _with_units(data, *restore_deleted(new_units, kept))

    return change


def cloud_units_change(
    refreshed: Iterable[KumoUnitRecord],
    asked_with: Collection[str],
    *,
    password: str | None = None,
) -> DataChange:
    """The entry change that merges what the cloud said into the units stored *now*.

    `refreshed` was built from the units stored when the cloud was asked (serials
    `asked_with`). Keys and addresses saved since then win over it, as the merge rules keep
    local facts; a unit whose device was deleted since then stays deleted. Units the cloud
    lists that were not stored when it was asked are new, or come back from an earlier
    deletion with their kept keys. For a refresh and a reauth (which also saves `password`).
    """
    cloud_units = list(refreshed)

    def change(data: Mapping[str, Any]) -> dict[str, Any]:
        current = stored_units(data)
        deleted_meanwhile = set(asked_with) - {unit.serial for unit in current}
        listed = [unit for unit in cloud_units if unit.serial not in deleted_meanwhile]
        merged = merge_unit_records(current, listed)
        changed = _with_units(data, *restore_deleted(merged, deleted_units(data)))
        if password is not None:
            changed[CONF_PASSWORD] = password
        return changed

    return change
