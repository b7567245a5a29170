"""Shared pytest configuration.

Importing the integration package first matters: Home Assistant's loader otherwise binds the
name `custom_components` to the test plugin's bundled testing config, and ours is "not found".
"""

from __future__ import annotations

import pytest
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

import custom_components.kumo_momit  # noqa: F401


@pytest.fixture
def ha_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots with Home Assistant's serializer (registry entries, states), kept in the
    test module's `snapshots/` folder (syrupy's own fixture has neither)."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)
