"""What a Kumo account entry holds: its units as stored in entry data, and its coordinators."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback

from ..kumo import KumoUnitRecord
from .const import CONF_UNITS

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


@callback
def async_store_unit(hass: HomeAssistant, entry: ConfigEntry[Any], updated: KumoUnitRecord) -> None:
    """Save one changed unit in its entry (the entry then reloads: update listener)."""
    units = replace_unit(stored_units(entry.data), updated)
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_UNITS: units_for_storage(units)}
    )
