"""Kumo binary sensors: the status flags of indoor units."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from tests.ha import assert_platform_snapshot


@pytest.mark.usefixtures("kumo_units")
async def test_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    ha_snapshot: SnapshotAssertion,
    kumo_entry: MockConfigEntry,
) -> None:
    """Flags of the demo account's indoor units: classes, categories, states."""
    await assert_platform_snapshot(
        hass, entity_registry, ha_snapshot, kumo_entry, Platform.BINARY_SENSOR
    )
