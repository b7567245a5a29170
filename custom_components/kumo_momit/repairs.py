"""Fix flows of repair issues: a Kumo unit without keys or address (the only fixable issues)."""

from __future__ import annotations

from homeassistant.components.repairs import RepairsFlow
from homeassistant.core import HomeAssistant

from .kumo_ha.repairs import create_kumo_fix_flow


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """The fix flow of an issue; its data names the entry and the unit."""
    assert data is not None
    return create_kumo_fix_flow(data)
