"""Sensors of Kumo indoor units and Kumo Stations: temperatures, humidity, battery, signal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import callback
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import StateType

from ..kumo import IndoorUnitState, StationState
from ..sensor_kinds import BATTERY, HUMIDITY, SIGNAL, TEMPERATURE
from .const import CONNECTION_CLOUD, CONNECTION_LOCAL
from .coordinator import KumoIndoorCoordinator, KumoStationCoordinator
from .data import KumoRuntimeData
from .entity import KumoEntity, async_add_entities_when_known

if TYPE_CHECKING:
    from ..data import KumoMomitConfigEntry


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


UNIT_SENSORS: tuple[KumoUnitSensorDescription, ...] = (
    KumoUnitSensorDescription(
        key="room_temperature",
        translation_key="room_temperature",
        value_fn=lambda s: _rounded(s.status.room_temp),
        exists_fn=lambda s: s.status.room_temp is not None,
        **TEMPERATURE,
    ),
    KumoUnitSensorDescription(
        key="sensor_temperature",
        translation_key="sensor_temperature",
        value_fn=lambda s: _rounded(s.sensor_temperature),
        exists_fn=lambda s: s.sensor_temperature is not None,
        **TEMPERATURE,
    ),
    KumoUnitSensorDescription(
        key="humidity",
        value_fn=lambda s: _rounded(s.humidity),
        exists_fn=lambda s: s.has_humidity,
        **HUMIDITY,
    ),
    KumoUnitSensorDescription(
        key="sensor_battery",
        translation_key="sensor_battery",
        value_fn=lambda s: s.sensor_battery,
        exists_fn=lambda s: s.sensor_battery is not None,
        **BATTERY,
    ),
    KumoUnitSensorDescription(
        key="sensor_signal",
        translation_key="sensor_signal",
        value_fn=lambda s: s.sensor_rssi,
        exists_fn=lambda s: s.sensor_rssi is not None,
        **SIGNAL,
    ),
    KumoUnitSensorDescription(
        key="wifi_signal",
        translation_key="wifi_signal",
        value_fn=lambda s: s.wifi_rssi,
        exists_fn=lambda s: s.wifi_rssi is not None,
        **SIGNAL,
    ),
)

STATION_SENSORS: tuple[KumoStationSensorDescription, ...] = (
    KumoStationSensorDescription(
        key="outdoor_temperature",
        translation_key="outdoor_temperature",
        value_fn=lambda s: _rounded(s.outdoor_temperature),
        exists_fn=lambda s: s.outdoor_temperature is not None,
        **TEMPERATURE,
    ),
    KumoStationSensorDescription(
        key="sensor_temperature",
        translation_key="sensor_temperature",
        value_fn=lambda s: _rounded(s.sensor_temperature),
        exists_fn=lambda s: s.sensor_temperature is not None,
        **TEMPERATURE,
    ),
    KumoStationSensorDescription(
        key="humidity",
        value_fn=lambda s: _rounded(s.humidity),
        exists_fn=lambda s: s.humidity is not None,
        **HUMIDITY,
    ),
    KumoStationSensorDescription(
        key="sensor_battery",
        translation_key="sensor_battery",
        value_fn=lambda s: s.sensor_battery,
        exists_fn=lambda s: s.sensor_battery is not None,
        **BATTERY,
    ),
    KumoStationSensorDescription(
        key="wifi_signal",
        translation_key="wifi_signal",
        value_fn=lambda s: s.wifi_rssi,
        exists_fn=lambda s: s.wifi_rssi is not None,
        **SIGNAL,
    ),
)


@callback
def async_setup_kumo_sensors(
    entry: KumoMomitConfigEntry, runtime: KumoRuntimeData, async_add_entities: AddEntitiesCallback
) -> None:
    """Sensors appear once a poll shows the unit has what they report; every unit says at once
    how it is reached."""
    async_add_entities(KumoConnectionSensor(coordinator) for coordinator in runtime.coordinators)
    for coordinator in runtime.indoor_units.values():
        async_add_entities_when_known(
            entry, coordinator, UNIT_SENSORS, KumoSensor, async_add_entities
        )
    for station in runtime.stations.values():
        async_add_entities_when_known(
            entry, station, STATION_SENSORS, KumoSensor, async_add_entities
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


CONNECTION_SENSOR = SensorEntityDescription(
    key="connection",
    translation_key="connection",
    device_class=SensorDeviceClass.ENUM,
    options=[CONNECTION_LOCAL, CONNECTION_CLOUD],
    entity_category=EntityCategory.DIAGNOSTIC,
)


class KumoConnectionSensor(
    KumoEntity[KumoIndoorCoordinator | KumoStationCoordinator], SensorEntity
):
    """How the unit is reached: on the LAN with its own keys, or through the Kumo Cloud."""

    entity_description = CONNECTION_SENSOR

    def __init__(self, coordinator: KumoIndoorCoordinator | KumoStationCoordinator) -> None:
        super().__init__(coordinator, CONNECTION_SENSOR.key)

    @property
    def native_value(self) -> str:
        """`local` or `cloud`."""
        return self.coordinator.via
