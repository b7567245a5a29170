"""Momit diagnostics carry push status and state, never the serial or the gateway address."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from simulators.momit_gateway import GatewaySimulator


async def test_momit_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    momit_gateway: GatewaySimulator,
    setup_momit: MockConfigEntry,
) -> None:
    """Push status and state are there; serial and host are not."""
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, setup_momit)
    text = json.dumps(diagnostics)
    assert momit_gateway.ac_serials[0] not in text
    assert "127.0.0.1" not in text
    [device] = diagnostics["devices"]
    assert device["push_active"] is True
    assert device["state"]["state"]["output"] == "off"
