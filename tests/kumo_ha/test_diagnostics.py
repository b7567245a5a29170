"""Kumo diagnostics carry the state, never a secret."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
    get_diagnostics_for_device,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.kumo_momit.const import DOMAIN
from simulators.kumo_cloud import DEMO_PASSWORD, DEMO_USERNAME
from simulators.kumo_units import KumoUnitDefinition

from .conftest import LIVING_ROOM


async def test_entry_diagnostics_redact_every_secret(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    unit_definitions: list[KumoUnitDefinition],
    setup_kumo: MockConfigEntry,
) -> None:
    """Passwords, crypto serials, the username, MACs, serials and addresses are redacted."""
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, setup_kumo)
    text = json.dumps(diagnostics)
    forbidden = [DEMO_PASSWORD, DEMO_USERNAME, "127.0.0.1"]
    for unit in unit_definitions:
        forbidden += [unit.password_b64, unit.crypto_serial_hex, unit.serial, unit.mac]
    for secret in forbidden:
        assert secret not in text, secret
    devices = diagnostics["devices"]
    assert [d["name"] for d in devices] == ["Living Room", "Bedroom", "Kumo Station"]
    assert devices[0]["state"]["status"]["mode"] == "off"
    assert devices[0]["last_update_success"] is True


async def test_device_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    device_registry: dr.DeviceRegistry,
    unit_definitions: list[KumoUnitDefinition],
    setup_kumo: MockConfigEntry,
) -> None:
    """One device's state, redacted the same way."""
    device = device_registry.async_get_device(identifiers={(DOMAIN, LIVING_ROOM)})
    assert device is not None
    diagnostics = await get_diagnostics_for_device(hass, hass_client, setup_kumo, device)
    assert diagnostics["device"]["name"] == "Living Room"
    assert unit_definitions[0].password_b64 not in json.dumps(diagnostics)
