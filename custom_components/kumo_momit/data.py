"""Typed runtime data of a config entry, and the Kumo units stored in its data."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry

from .const import CONF_UNITS
from .kumo.cloud import KumoUnitRecord

if TYPE_CHECKING:
    from .coordinator import KumoIndoorCoordinator, KumoStationCoordinator


@dataclass
class KumoRuntimeData:
    """What a loaded Kumo account entry holds."""

    indoor_units: dict[str, KumoIndoorCoordinator] = field(default_factory=dict)
    stations: dict[str, KumoStationCoordinator] = field(default_factory=dict)

    @property
    def coordinators(self) -> list[KumoIndoorCoordinator | KumoStationCoordinator]:
        """Every unit's coordinator, indoor units first."""
        return [*self.indoor_units.values(), *self.stations.values()]


type KumoMomitConfigEntry = ConfigEntry[KumoRuntimeData]


def stored_units(data: Any) -> list[KumoUnitRecord]:
    """The Kumo units kept in an entry's data: everything needed to run without the cloud."""
    return [KumoUnitRecord.from_storage(raw) for raw in data.get(CONF_UNITS, [])]


def units_for_storage(units: Iterable[KumoUnitRecord]) -> list[dict[str, Any]]:
    """The JSON form of units for entry data."""
    return [unit.to_storage() for unit in units]
