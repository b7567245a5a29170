"""Typed runtime data of a config entry, and the Kumo units stored in its data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_MODEL, CONF_PORT
from homeassistant.core import HomeAssistant, callback

from .const import CONF_FIRMWARE, CONF_MANUFACTURER, CONF_NODES, CONF_SERIAL, CONF_UNITS
from .kumo import KumoUnitRecord

if TYPE_CHECKING:
    from .coordinator import (
        KumoIndoorCoordinator,
        KumoStationCoordinator,
        MomitNodeCoordinator,
    )


@dataclass
class KumoRuntimeData:
    """What a loaded Kumo account entry holds."""

    indoor_units: dict[str, KumoIndoorCoordinator] = field(default_factory=dict)
    stations: dict[str, KumoStationCoordinator] = field(default_factory=dict)

    @property
    def coordinators(self) -> list[KumoIndoorCoordinator | KumoStationCoordinator]:
        """Every unit's coordinator, indoor units first."""
        return [*self.indoor_units.values(), *self.stations.values()]


@dataclass
class MomitRuntimeData:
    """What a loaded Momit gateway entry holds: one coordinator per AC node."""

    nodes: dict[str, MomitNodeCoordinator] = field(default_factory=dict)


type KumoMomitConfigEntry = ConfigEntry[KumoRuntimeData | MomitRuntimeData]


@dataclass(frozen=True, kw_only=True)
class StoredMomitNode:
    """One Momit Cool AC node of a gateway entry, found by the config flow."""

    serial: str
    port: int
    model: str | None = None
    manufacturer: str | None = None
    firmware: str | None = None

    @classmethod
    def from_storage(cls, raw: Mapping[str, Any]) -> StoredMomitNode:
        """Read one node back from entry data."""
        return cls(
            serial=str(raw[CONF_SERIAL]),
            port=int(raw[CONF_PORT]),
            model=raw.get(CONF_MODEL),
            manufacturer=raw.get(CONF_MANUFACTURER),
            firmware=raw.get(CONF_FIRMWARE),
        )

    def to_storage(self) -> dict[str, Any]:
        """The JSON form kept in entry data."""
        return {
            CONF_SERIAL: self.serial,
            CONF_PORT: self.port,
            CONF_MODEL: self.model,
            CONF_MANUFACTURER: self.manufacturer,
            CONF_FIRMWARE: self.firmware,
        }


def stored_nodes(data: Mapping[str, Any]) -> list[StoredMomitNode]:
    """The Momit AC nodes kept in a gateway entry's data."""
    return [StoredMomitNode.from_storage(raw) for raw in data.get(CONF_NODES, [])]


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
