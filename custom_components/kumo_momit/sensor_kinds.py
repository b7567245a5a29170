"""How each kind of reading is presented, for the sensors of both device families."""

from __future__ import annotations

from typing import TypedDict

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import (
    PERCENTAGE,
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
    UnitOfTemperature,
)


class SensorPresentation(TypedDict, total=False):
    """Device class, unit, precision and category of a kind of reading."""

    device_class: SensorDeviceClass
    native_unit_of_measurement: str
    state_class: SensorStateClass
    suggested_display_precision: int
    entity_category: EntityCategory
    entity_registry_enabled_default: bool


TEMPERATURE: SensorPresentation = {
    "device_class": SensorDeviceClass.TEMPERATURE,
    "native_unit_of_measurement": UnitOfTemperature.CELSIUS,
    "state_class": SensorStateClass.MEASUREMENT,
    "suggested_display_precision": 1,
}
HUMIDITY: SensorPresentation = {
    "device_class": SensorDeviceClass.HUMIDITY,
    "native_unit_of_measurement": PERCENTAGE,
    "state_class": SensorStateClass.MEASUREMENT,
    "suggested_display_precision": 0,
}
BATTERY: SensorPresentation = {
    "device_class": SensorDeviceClass.BATTERY,
    "native_unit_of_measurement": PERCENTAGE,
    "state_class": SensorStateClass.MEASUREMENT,
    "entity_category": EntityCategory.DIAGNOSTIC,
}
SIGNAL: SensorPresentation = {
    "device_class": SensorDeviceClass.SIGNAL_STRENGTH,
    "native_unit_of_measurement": SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    "state_class": SensorStateClass.MEASUREMENT,
    "entity_category": EntityCategory.DIAGNOSTIC,
    "entity_registry_enabled_default": False,
}
