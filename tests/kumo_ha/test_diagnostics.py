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
from custom_components.kumo_momit.kumo_ha.const import CONF_V3_BASE_URL
from simulators.kumo_cloud import DEMO_PASSWORD, DEMO_USERNAME
from simulators.kumo_unit import KumoUnitSimulator
from simulators.kumo_units import KumoUnitDefinition
from tests.ha import device_by_identifier

from .conftest import LIVING_ROOM, kumo_entry_data, record_for


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
    device = device_by_identifier(device_registry, setup_kumo, (DOMAIN, LIVING_ROOM))
    assert device is not None
    diagnostics = await get_diagnostics_for_device(hass, hass_client, setup_kumo, device)
    assert diagnostics["device"]["name"] == "Living Room"
    assert unit_definitions[0].password_b64 not in json.dumps(diagnostics)


async def test_entry_diagnostics_redact_credentials_in_custom_server_urls(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    unit_definitions: list[KumoUnitDefinition],
    kumo_units: KumoUnitSimulator,
) -> None:
    """A cloud server URL typed with `user:password@` keeps its host but loses the userinfo."""
    units = [record_for(d, kumo_units.address(d.serial)) for d in unit_definitions]
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="custom servers",
        unique_id="custom-servers",
        data=kumo_entry_data(
            units,
            **{CONF_V3_BASE_URL: "https://proxy-user:proxy-s3cret@cloud.example:8443/api"},
        ),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    text = json.dumps(diagnostics)
    assert "proxy-s3cret" not in text
    assert "proxy-user" not in text
    assert diagnostics["entry"]["data"][CONF_V3_BASE_URL] == (
        "https://**REDACTED**@cloud.example:8443/api"
    )
