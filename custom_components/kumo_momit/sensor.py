"""Sensor entities: temperatures, humidity, batteries and signal strengths."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypedDict

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
    UnitOfTemperature,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import StateType

from .coordinator import KumoIndoorCoordinator, KumoStationCoordinator, MomitNodeCoordinator
from .data import KumoMomitConfigEntry, KumoRuntimeData, MomitRuntimeData
from .entity import KumoEntity, MomitEntity
from .helpers import async_add_entities_when_known
from .kumo import IndoorUnitState, StationState
from .momit import RoomReading

# Read-only: the coordinators centralise updates.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class KumoUnitSensorDescription(SensorEntityDescription):
    """A sensor of a Kumo indoor unit."""

    value_fn: Callable[[IndoorUnitState], StateType]
    exists_fn: Callable[[IndoorUnitState], bool]


@dataclass(frozen=True, kw_only=True)
class KumoStationSensorDescription(SensorEntityDescription):
    """A sensor of a Kumo Station."""

    value_fn: Callable[[StationState], StateType]
    exists_fn: Callable[[StationState], bool]


def _rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


class _Presentation(TypedDict, total=False):
    """How a kind of reading is presented; shared by units and stations."""

    device_class: SensorDeviceClass
    native_unit_of_measurement: str
    state_class: SensorStateClass
    suggested_display_precision: int
    entity_category: EntityCategory
    entity_registry_enabled_default: bool


_TEMPERATURE: _Presentation = {
    "device_class": SensorDeviceClass.TEMPERATURE,
    "native_unit_of_measurement": UnitOfTemperature.CELSIUS,
    "state_class": SensorStateClass.MEASUREMENT,
    "suggested_display_precision": 1,
}
_HUMIDITY: _Presentation = {
    "device_class": SensorDeviceClass.HUMIDITY,
    "native_unit_of_measurement": PERCENTAGE,
    "state_class": SensorStateClass.MEASUREMENT,
    "suggested_display_precision": 0,
}
_BATTERY: _Presentation = {
    "device_class": SensorDeviceClass.BATTERY,
    "native_unit_of_measurement": PERCENTAGE,
    "state_class": SensorStateClass.MEASUREMENT,
    "entity_category": EntityCategory.DIAGNOSTIC,
}
_SIGNAL: _Presentation = {
    "device_class": SensorDeviceClass.SIGNAL_STRENGTH,
    "native_unit_of_measurement": SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    "state_class": SensorStateClass.MEASUREMENT,
    "entity_category": EntityCategory.DIAGNOSTIC,
    "entity_registry_enabled_default": False,
}

UNIT_SENSORS: tuple[KumoUnitSensorDescription, ...] = (
    KumoUnitSensorDescription(
        key="room_temperature",
        translation_key="room_temperature",
        value_fn=lambda s: _rounded(s.status.room_temp),
        exists_fn=lambda s: s.status.room_temp is not None,
        **_TEMPERATURE,
    ),
    KumoUnitSensorDescription(
        key="sensor_temperature",
        translation_key="sensor_temperature",
        value_fn=lambda s: _rounded(s.sensor_temperature),
        exists_fn=lambda s: s.sensor_temperature is not None,
        **_TEMPERATURE,
    ),
    KumoUnitSensorDescription(
        key="humidity",
        value_fn=lambda s: _rounded(s.humidity),
        exists_fn=lambda s: s.has_humidity,
        **_HUMIDITY,
    ),
    KumoUnitSensorDescription(
        key="sensor_battery",
        translation_key="sensor_battery",
        value_fn=lambda s: s.sensor_battery,
        exists_fn=lambda s: s.sensor_battery is not None,
        **_BATTERY,
    ),
    KumoUnitSensorDescription(
        key="sensor_signal",
        translation_key="sensor_signal",
        value_fn=lambda s: s.sensor_rssi,
        exists_fn=lambda s: s.sensor_rssi is not None,
        **_SIGNAL,
    ),
    KumoUnitSensorDescription(
        key="wifi_signal",
        translation_key="wifi_signal",
        value_fn=lambda s: s.wifi_rssi,
        exists_fn=lambda s: s.wifi_rssi is not None,
        **_SIGNAL,
    ),
)

STATION_SENSORS: tuple[KumoStationSensorDescription, ...] = (
    KumoStationSensorDescription(
        key="outdoor_temperature",
        translation_key="outdoor_temperature",
        value_fn=lambda s: _rounded(s.outdoor_temperature),
        exists_fn=lambda s: s.outdoor_temperature is not None,
        **_TEMPERATURE,
    ),
    KumoStationSensorDescription(
        key="sensor_temperature",
        translation_key="sensor_temperature",
        value_fn=lambda s: _rounded(next((x.temperature for x in s.sensors), None)),
        exists_fn=lambda s: any(x.temperature is not None for x in s.sensors),
        **_TEMPERATURE,
    ),
    KumoStationSensorDescription(
        key="humidity",
        value_fn=lambda s: _rounded(s.humidity),
        exists_fn=lambda s: s.humidity is not None,
        **_HUMIDITY,
    ),
    KumoStationSensorDescription(
        key="sensor_battery",
        translation_key="sensor_battery",
        value_fn=lambda s: next((x.battery for x in s.sensors if x.battery is not None), None),
        exists_fn=lambda s: any(x.battery is not None for x in s.sensors),
        **_BATTERY,
    ),
    KumoStationSensorDescription(
        key="wifi_signal",
        translation_key="wifi_signal",
        value_fn=lambda s: s.wifi_rssi,
        exists_fn=lambda s: s.wifi_rssi is not None,
        **_SIGNAL,
    ),
)


@dataclass(frozen=True, kw_only=True)
class MomitSensorDescription(SensorEntityDescription):
    """A reading of a Momit Cool node's `/10241/0/0` resource."""

    value_fn: Callable[[RoomReading], StateType]


MOMIT_SENSORS: tuple[MomitSensorDescription, ...] = (
    MomitSensorDescription(
        key="temperature",
        value_fn=lambda r: r.temperature_c,
        **_TEMPERATURE,
    ),
    # Humidity and battery units are unknown (momit.md §6): the raw values are read the least
    # surprising way (RoomReading.humidity_percent / battery_percent) and are None otherwise.
    MomitSensorDescription(
        key="humidity",
        value_fn=lambda r: r.humidity_percent,
        **_HUMIDITY,
    ),
    MomitSensorDescription(
        key="battery",
        value_fn=lambda r: r.battery_percent,
        **_BATTERY,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: KumoMomitConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Sensors appear once a poll shows the unit has what they report."""
    runtime = entry.runtime_data
    if isinstance(runtime, MomitRuntimeData):
        async_add_entities(
            MomitSensor(coordinator, description)
            for coordinator in runtime.nodes.values()
            for description in MOMIT_SENSORS
        )
        return
    if isinstance(runtime, KumoRuntimeData):
        for unit in runtime.indoor_units.values():
            async_add_entities_when_known(
                entry,
                unit,
                UNIT_SENSORS,
                KumoSensor,
                async_add_entities,
            )
        for station in runtime.stations.values():
            async_add_entities_when_known(
                entry,
                station,
                STATION_SENSORS,
                KumoSensor,
                async_add_entities,
            )


class KumoSensor[C: KumoIndoorCoordinator | KumoStationCoordinator](KumoEntity[C], SensorEntity):
    """A reading of a Kumo indoor unit or Kumo Station."""

    entity_description: SensorEntityDescription

    def __init__(
        self,
        coordinator: C,
        description: KumoUnitSensorDescription | KumoStationSensorDescription,
    ) -> None:
        super().__init__(coordinator, description.key)
        self.entity_description = description
        self._value: Callable[[Any], StateType] = description.value_fn

    @property
    def native_value(self) -> StateType:
        """The reading."""
        return self._value(self.coordinator.data)


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
