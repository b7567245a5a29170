"""Kumo sensors of indoor units and stations: what each reading shows."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from simulators.kumo_unit import KumoUnitSimulator
from tests.ha import assert_platform_snapshot

from .conftest import STATION


@pytest.mark.usefixtures("kumo_units")
async def test_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    ha_snapshot: SnapshotAssertion,
    kumo_entry: MockConfigEntry,
) -> None:
    """Sensors of the demo account: classes, units, categories, which start disabled."""
    await assert_platform_snapshot(hass, entity_registry, ha_snapshot, kumo_entry, Platform.SENSOR)


async def test_station_reading_comes_from_the_first_sensor_that_reports_one(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, kumo_entry: MockConfigEntry
) -> None:
    """A station whose first paired sensor reports nothing shows the second one's values."""
    kumo_units.unit(STATION).tree["sensors"].update(
        {
            "0": {"uuid": "a" * 32, "temperature": None, "battery": None, "rssi": -70},
            "1": {"uuid": "b" * 32, "temperature": 18.6, "battery": 64, "rssi": -58},
        }
    )
    assert await hass.config_entries.async_setup(kumo_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.kumo_station_wireless_sensor_temperature").state == "18.6"
    assert hass.states.get("sensor.kumo_station_wireless_sensor_battery").state == "64"
