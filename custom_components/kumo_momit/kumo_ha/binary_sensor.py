"""Binary sensors of Kumo indoor units: filter, defrost, standby."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import callback
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from ..kumo import IndoorUnitState
from .coordinator import KumoIndoorCoordinator
from .data import KumoRuntimeData
from .entity import KumoEntity, async_add_entities_when_known

if TYPE_CHECKING:
    from ..data import KumoMomitConfigEntry


@dataclass(frozen=True, kw_only=True)
class KumoBinarySensorDescription(BinarySensorEntityDescription):
    """A flag of a Kumo indoor unit's status (kumo.md §6.1)."""

    value_fn: Callable[[IndoorUnitState], bool | None]

    def exists_fn(self, state: IndoorUnitState) -> bool:
        """The unit reports this flag at all."""
        return self.value_fn(state) is not None


BINARY_SENSORS: tuple[KumoBinarySensorDescription, ...] = (
    KumoBinarySensorDescription(
        key="filter",
        translation_key="filter",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda s: s.status.filter_dirty,
    ),
    KumoBinarySensorDescription(
        key="defrost",
        translation_key="defrost",
        device_class=BinarySensorDeviceClass.RUNNING,
        value_fn=lambda s: s.status.defrost,
    ),
    KumoBinarySensorDescription(
        key="standby",
        translation_key="standby",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda s: s.status.standby,
    ),
)


@callback
def async_setup_kumo_binary_sensors(
    entry: KumoMomitConfigEntry, runtime: KumoRuntimeData, async_add_entities: AddEntitiesCallback
) -> None:
    """Flags appear once a poll shows the unit reports them."""
    for coordinator in runtime.indoor_units.values():
        async_add_entities_when_known(
            entry, coordinator, BINARY_SENSORS, KumoBinarySensor, async_add_entities
        )


class KumoBinarySensor(KumoEntity[KumoIndoorCoordinator], BinarySensorEntity):
    """A status flag of a Kumo indoor unit."""

    entity_description: KumoBinarySensorDescription

    def __init__(
        self, coordinator: KumoIndoorCoordinator, description: KumoBinarySensorDescription
    ) -> None:
        super().__init__(coordinator, description.key)
        self.entity_description = description

    @property
    def is_on(self) -> bool | None:
        """The flag."""
        return self.entity_description.value_fn(self.coordinator.data)
