"""Repair issues of incomplete Kumo units, and their fix flow."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.kumo_momit.const import DOMAIN
from custom_components.kumo_momit.kumo_ha.const import (
    CONF_ADDRESS,
    CONF_CRYPTO_SERIAL,
    CONF_UNIT_PASSWORD,
)
from custom_components.kumo_momit.kumo_ha.data import stored_units
from simulators.kumo_cloud import KumoCloudSimulator
from simulators.kumo_unit import KumoUnitSimulator
from simulators.kumo_units import KumoUnitDefinition

from .conftest import (
    BEDROOM,
    LIVING_ROOM,
    STATION,
    add_kumo_entry,
    kumo_entry_data,
    record_for,
    servers,
)


async def _fix(
    hass: HomeAssistant, client: ClientSessionGenerator, issue_id: str
) -> tuple[object, str, dict[str, object]]:
    http = await client()
    response = await http.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    assert response.status == 200
    data = await response.json()
    return http, data["flow_id"], data


async def _step(http: object, flow_id: str, payload: dict[str, str]) -> dict[str, object]:
    response = await http.post(f"/api/repairs/issues/fix/{flow_id}", json=payload)  # type: ignore[attr-defined]
    assert response.status == 200
    return await response.json()  # type: ignore[no-any-return]


async def test_incomplete_units_raise_fixable_repair_issues(
    hass: HomeAssistant,
    unit_definitions: list[KumoUnitDefinition],
    kumo_units: KumoUnitSimulator,
    kumo_cloud: KumoCloudSimulator,
    issue_registry: ir.IssueRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A unit without keys, and one without address, each get a repair issue, not a crash.

    The unit without keys is no dead end: it is controlled through the Kumo Cloud, and its
    issue invites adding the keys (`test_cloud.py` follows it further).
    """
    living, bedroom, station = unit_definitions
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="demo@example.com",
        data=kumo_entry_data(
            [
                record_for(living, kumo_units.address(LIVING_ROOM)),
                record_for(bedroom, kumo_units.address(BEDROOM), secrets=False),
                record_for(station, None),
            ],
            **servers(kumo_cloud),
        ),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    secrets_issue = issue_registry.async_get_issue(DOMAIN, f"{entry.entry_id}_{BEDROOM}_incomplete")
    address_issue = issue_registry.async_get_issue(DOMAIN, f"{entry.entry_id}_{STATION}_incomplete")
    assert secrets_issue is not None
    assert secrets_issue.translation_key == "unit_cloud_controlled"
    assert secrets_issue.is_fixable
    assert address_issue is not None
    assert address_issue.translation_key == "unit_missing_address"
    assert hass.states.get("climate.living_room").state == "off"
    assert hass.states.get("climate.bedroom") is not None
    assert kumo_units.unit(BEDROOM).request_count == 0  # no keys: never asked locally


async def test_a_station_without_keys_asks_for_them(
    hass: HomeAssistant,
    unit_definitions: list[KumoUnitDefinition],
    kumo_units: KumoUnitSimulator,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Nothing is known to read a Kumo Station through the cloud: its issue asks for keys."""
    living, _bedroom, station = unit_definitions
    units = [
        record_for(living, kumo_units.address(LIVING_ROOM)),
        record_for(station, kumo_units.address(STATION), secrets=False),
    ]
    entry = add_kumo_entry(hass, units)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    issue = issue_registry.async_get_issue(DOMAIN, f"{entry.entry_id}_{STATION}_incomplete")
    assert issue is not None
    assert issue.translation_key == "unit_missing_secrets"
    assert issue.is_fixable
    assert entry.runtime_data.cloud is None  # no cloud unit: the cloud is not contacted
    assert hass.states.get("sensor.kumo_station_outdoor_temperature") is None


async def test_missing_keys_then_address_fixed_from_the_repair(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    issue_registry: ir.IssueRegistry,
    unit_definitions: list[KumoUnitDefinition],
    kumo_units: KumoUnitSimulator,
    kumo_cloud: KumoCloudSimulator,
) -> None:
    """The fix flow asks for exactly what is missing, probes it, and the unit comes up."""
    living, bedroom, _ = unit_definitions
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="demo@example.com",
        data=kumo_entry_data(
            [
                record_for(living, kumo_units.address(LIVING_ROOM)),
                record_for(bedroom, None, secrets=False),
            ],
            **servers(kumo_cloud),
        ),
    )
    entry.add_to_hass(hass)
    assert await async_setup_component(hass, "repairs", {})
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    issue_id = f"{entry.entry_id}_{BEDROOM}_incomplete"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None

    http, flow_id, data = await _fix(hass, hass_client, issue_id)
    assert data["step_id"] == "secrets"
    data = await _step(
        http, flow_id, {CONF_UNIT_PASSWORD: living.password_b64, CONF_CRYPTO_SERIAL: "00"}
    )
    assert data["errors"] == {"base": "invalid_secrets"}
    data = await _step(
        http,
        flow_id,
        {CONF_UNIT_PASSWORD: bedroom.password_b64, CONF_CRYPTO_SERIAL: bedroom.crypto_serial_hex},
    )
    assert data["step_id"] == "address"
    await hass.async_block_till_done()
    data = await _step(http, flow_id, {CONF_ADDRESS: kumo_units.address(LIVING_ROOM)})
    assert data["errors"] == {"base": "wrong_unit_secrets"}
    data = await _step(http, flow_id, {CONF_ADDRESS: kumo_units.address(BEDROOM)})
    assert data["type"] == "create_entry"
    await hass.async_block_till_done()

    unit = next(u for u in stored_units(entry.data) if u.serial == BEDROOM)
    assert unit.is_complete
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    assert hass.states.get("climate.bedroom").state == "off"
