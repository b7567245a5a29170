"""Sensors of a Momit Cool node."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from tests.ha import assert_platform_snapshot

from .conftest import push_registered


async def test_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    ha_snapshot: SnapshotAssertion,
    momit_entry: MockConfigEntry,
) -> None:
    """Temperature, humidity and battery of a node: classes, units, states."""
    await assert_platform_snapshot(
        hass,
        entity_registry,
        ha_snapshot,
        momit_entry,
        Platform.SENSOR,
        lambda: push_registered(momit_entry),
    )
