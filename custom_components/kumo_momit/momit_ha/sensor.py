"""Sensors of a Momit Cool node: its own thermometer, hygrometer and battery, pushed by observe."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.sensor import SensorEntity, SensorEntityDescription
from homeassistant.core import callback
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import StateType

from ..momit import RoomReading
from ..sensor_kinds import BATTERY, HUMIDITY, TEMPERATURE
from .coordinator import MomitNodeCoordinator
from .data import MomitRuntimeData
from .entity import MomitEntity


@dataclass(frozen=True, kw_only=True)
class MomitSensorDescription(SensorEntityDescription):
    """A reading of a Momit Cool node's `/10241/0/0` resource."""

    value_fn: Callable[[RoomReading], StateType]


MOMIT_SENSORS: tuple[MomitSensorDescription, ...] = (
    MomitSensorDescription(
        key="temperature",
        value_fn=lambda r: r.temperature_c,
        **TEMPERATURE,
    ),
    # Humidity and battery units are unknown (momit.md §6): the raw values are read the least
    # surprising way (RoomReading.humidity_percent / battery_percent) and are None otherwise.
    MomitSensorDescription(
        key="humidity",
        value_fn=lambda r: r.humidity_percent,
        **HUMIDITY,
    ),
    MomitSensorDescription(
        key="battery",
        value_fn=lambda r: r.battery_percent,
        **BATTERY,
    ),
)


@callback
def async_setup_momit_sensors(
    runtime: MomitRuntimeData, async_add_entities: AddEntitiesCallback
) -> None:
    """Every node has all three readings (None until it reports one)."""
    async_add_entities(
        MomitSensor(coordinator, description)
        for coordinator in runtime.nodes.values()
        for description in MOMIT_SENSORS
    )


class MomitSensor(MomitEntity, SensorEntity):
    """A reading of a Momit Cool node, pushed by observe."""

    entity_description: MomitSensorDescription

    def __init__(
        self, coordinator: MomitNodeCoordinator, description: MomitSensorDescription
    ) -> None:
        super().__init__(coordinator, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> StateType:
        """The reading (None while the node has not reported one)."""
        reading = self.coordinator.data.reading if self.coordinator.data else None
        return None if reading is None else self.entity_description.value_fn(reading)
