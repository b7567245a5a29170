"""Helpers of the Kumo flows that a flow test does not reach: reading a hass-kumo cache."""

from __future__ import annotations

import json
from pathlib import Path

from homeassistant.core import HomeAssistant

from custom_components.kumo_momit.kumo_ha.flow_helpers import read_kumo_cache


def test_cache_reading_failures(hass: HomeAssistant, tmp_path: Path) -> None:
    """Missing, unreadable and oversized caches are reported, never raised."""
    hass.config.config_dir = str(tmp_path)
    assert read_kumo_cache(hass) == "cache_not_found"
    (tmp_path / "kumo_cache.json").mkdir()
    assert read_kumo_cache(hass) == "cache_unreadable"
    (tmp_path / "kumo_cache.json").rmdir()
    (tmp_path / "kumo_cache.json").write_text(json.dumps([{}] * 100_000))
    assert read_kumo_cache(hass) == "cache_unreadable"
