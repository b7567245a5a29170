"""The config flow against the Kumo Cloud and unit simulators: every branch, every error."""

from __future__ import annotations

from datetime import timedelta
import json
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_DHCP, SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.kumo_momit.const import CONF_FAMILY, CONF_SERIAL, DOMAIN, FAMILY_KUMO
from custom_components.kumo_momit.kumo import build_kumo_cache
from custom_components.kumo_momit.kumo_ha.const import (
    CONF_ADDRESS,
    CONF_CLOUD_SERVERS,
    CONF_CRYPTO_SERIAL,
    CONF_REFRESH_FROM_CLOUD,
    CONF_SCAN_INTERVAL,
    CONF_SKIP,
    CONF_UNIT_PASSWORD,
    CONF_UNITS,
    CONF_V2_BASE_URL,
    CONF_V2_CA_BASE_URL,
    CONF_V3_BASE_URL,
)
from custom_components.kumo_momit.kumo_ha.data import stored_units
from simulators.kumo_cloud import (
    DEMO_PASSWORD,
    DEMO_USERNAME,
    CloudAccountKind,
    KumoCloudSimulator,
)
from simulators.kumo_unit import KumoUnitSimulator
from simulators.kumo_units import KumoUnitDefinition

from .conftest import BEDROOM, LIVING_ROOM, STATION, kumo_entry_data, record_for


def servers(cloud: KumoCloudSimulator) -> dict[str, str]:
    """The advanced-mode section pointing every cloud service at the simulator."""
    return {
        CONF_V3_BASE_URL: cloud.base_url,
        CONF_V2_BASE_URL: cloud.base_url,
        CONF_V2_CA_BASE_URL: cloud.base_url,
    }


async def start_kumo_flow(hass: HomeAssistant) -> str:
    """Open the flow as an advanced user and pick the Kumo branch."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER, "show_advanced_options": True}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["kumo", "momit"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "kumo"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "kumo"
    return str(result["flow_id"])


async def sign_in(
    hass: HomeAssistant, flow_id: str, cloud: KumoCloudSimulator, password: str = DEMO_PASSWORD
) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {
            CONF_USERNAME: DEMO_USERNAME,
            CONF_PASSWORD: password,
            CONF_CLOUD_SERVERS: servers(cloud),
        },
    )
    return dict(result)


async def test_legacy_account_gets_every_unit_complete(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, kumo_cloud: KumoCloudSimulator
) -> None:
    """v2 still hands out keys and addresses: one form, then every unit runs locally."""
    flow_id = await start_kumo_flow(hass)
    result = await sign_in(hass, flow_id, kumo_cloud)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == DEMO_USERNAME
    entry = result["result"]
    assert entry.unique_id == DEMO_USERNAME.lower()
    assert entry.data[CONF_FAMILY] == FAMILY_KUMO
    assert entry.data[CONF_V3_BASE_URL] == kumo_cloud.base_url
    units = {u.serial: u for u in stored_units(entry.data)}
    assert set(units) == {LIVING_ROOM, BEDROOM, STATION}
    for serial, unit in units.items():
        assert unit.is_complete
        assert unit.address == kumo_units.address(serial)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get("climate.living_room").state == "off"


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("password", "invalid_auth"),
        ("throttle_logins", "throttled"),
        ("server_error", "cannot_connect"),
    ],
)
async def test_cloud_errors_are_form_errors_and_recoverable(
    hass: HomeAssistant,
    kumo_cloud: KumoCloudSimulator,
    freezer: FrozenDateTimeFactory,
    fault: str,
    error: str,
) -> None:
    """Each cloud failure is its own form error; fixing it finishes the flow."""
    password = DEMO_PASSWORD
    if fault == "password":
        password = "wrong"
    else:
        setattr(kumo_cloud, fault, True)
    flow_id = await start_kumo_flow(hass)
    result = await sign_in(hass, flow_id, kumo_cloud, password)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    kumo_cloud.throttle_logins = False
    kumo_cloud.server_error = False
    if fault == "throttle_logins":
        # Throttled: one login, and none again for 15 minutes (more would prolong it).
        assert kumo_cloud.count("POST", "/v3/login") == 1
        result = await sign_in(hass, flow_id, kumo_cloud)
        assert result["errors"] == {"base": "throttled"}
        assert kumo_cloud.count("POST", "/v3/login") == 1
        freezer.tick(timedelta(minutes=16))
    result = await sign_in(hass, flow_id, kumo_cloud)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_account_with_no_units(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, kumo_cloud: KumoCloudSimulator
) -> None:
    """Signing in to an empty account says so instead of creating an empty entry."""
    kumo_cloud.units = []
    flow_id = await start_kumo_flow(hass)
    result = await sign_in(hass, flow_id, kumo_cloud)
    assert result["errors"] == {"base": "no_units"}


async def test_same_account_twice_aborts(
    hass: HomeAssistant, kumo_cloud: KumoCloudSimulator, kumo_entry: MockConfigEntry
) -> None:
    """One entry per account (the username, case-insensitively)."""
    flow_id = await start_kumo_flow(hass)
    result = await sign_in(hass, flow_id, kumo_cloud)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_comfort_account_asks_for_keys_and_addresses_unit_by_unit(
    hass: HomeAssistant,
    unit_definitions: list[KumoUnitDefinition],
    kumo_units: KumoUnitSimulator,
    kumo_cloud: KumoCloudSimulator,
) -> None:
    """No keys and no addresses anywhere: ask per unit, probe everything, allow skipping."""
    kumo_cloud.account = CloudAccountKind.COMFORT_NATIVE
    living, bedroom, _station = unit_definitions
    flow_id = await start_kumo_flow(hass)
    result = await sign_in(hass, flow_id, kumo_cloud)
    assert result["step_id"] == "unit_secrets"
    assert result["description_placeholders"]["name"] == "Living Room"

    # Both fields are needed; malformed keys are refused before any probe.
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_UNIT_PASSWORD: living.password_b64}
    )
    assert result["errors"] == {"base": "secrets_required"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_UNIT_PASSWORD: "not base64!", CONF_CRYPTO_SERIAL: "zz"}
    )
    assert result["errors"] == {"base": "invalid_secrets"}
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {CONF_UNIT_PASSWORD: living.password_b64, CONF_CRYPTO_SERIAL: living.crypto_serial_hex},
    )
    assert result["step_id"] == "unit_secrets"
    assert result["description_placeholders"]["name"] == "Bedroom"
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {CONF_UNIT_PASSWORD: bedroom.password_b64, CONF_CRYPTO_SERIAL: bedroom.crypto_serial_hex},
    )
    # The station: left for later (its repair issue).
    assert result["step_id"] == "unit_secrets"
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_SKIP: True})

    # Addresses: the cloud never has them.
    assert result["step_id"] == "unit_address"
    assert result["description_placeholders"]["name"] == "Living Room"
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_ADDRESS: kumo_units.address(BEDROOM)}
    )
    assert result["errors"] == {"base": "wrong_unit_secrets"}
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_ADDRESS: "not an ip/x"})
    assert result["errors"] == {"base": "invalid_address"}
    await kumo_units.unit(LIVING_ROOM).go_offline()
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_ADDRESS: kumo_units.address(LIVING_ROOM)}
    )
    assert result["errors"] == {"base": "unit_unreachable"}
    await kumo_units.unit(LIVING_ROOM).go_online()
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_ADDRESS: kumo_units.address(LIVING_ROOM)}
    )
    assert result["step_id"] == "unit_address"
    assert result["description_placeholders"]["name"] == "Bedroom"
    # Empty: leave it to DHCP discovery.
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.CREATE_ENTRY

    units = {u.serial: u for u in stored_units(result["result"].data)}
    assert units[LIVING_ROOM].is_complete
    assert units[LIVING_ROOM].sources.address == "user"
    assert units[BEDROOM].has_secrets
    assert units[BEDROOM].address is None
    assert not units[STATION].has_secrets


async def test_hass_kumo_cache_is_offered_and_imported(
    hass: HomeAssistant,
    tmp_path: Path,
    unit_definitions: list[KumoUnitDefinition],
    kumo_units: KumoUnitSimulator,
    kumo_cloud: KumoCloudSimulator,
) -> None:
    """A cloud without keys + a kumo_cache.json in the config folder: one click imports it."""
    hass.config.config_dir = str(tmp_path)
    cached = [record_for(d, kumo_units.address(d.serial)) for d in unit_definitions]
    (tmp_path / "kumo_cache.json").write_text(json.dumps(build_kumo_cache(cached)))
    kumo_cloud.account = CloudAccountKind.COMFORT_NATIVE

    flow_id = await start_kumo_flow(hass)
    result = await sign_in(hass, flow_id, kumo_cloud)
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "import_cache"
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"next_step_id": "import_cache_file"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    units = stored_units(result["result"].data)
    assert all(unit.is_complete for unit in units)
    assert {unit.sources.password for unit in units} == {"cache"}


async def test_unreadable_cache_aborts_with_a_reason(
    hass: HomeAssistant, tmp_path: Path, kumo_cloud: KumoCloudSimulator
) -> None:
    """A file that is not a hass-kumo cache is reported, not half-imported."""
    hass.config.config_dir = str(tmp_path)
    (tmp_path / "kumo_cache.json").write_text("{not json")
    kumo_cloud.account = CloudAccountKind.COMFORT_NATIVE
    flow_id = await start_kumo_flow(hass)
    await sign_in(hass, flow_id, kumo_cloud)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"next_step_id": "import_cache_file"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cache_unreadable"


async def test_reauth_updates_the_password(
    hass: HomeAssistant, kumo_cloud: KumoCloudSimulator, kumo_units: KumoUnitSimulator
) -> None:
    """Reauth checks the new password with the cloud and keeps every stored key."""
    units = [record_for(d, kumo_units.address(d.serial)) for d in kumo_cloud.units]
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=DEMO_USERNAME,
        data=kumo_entry_data(
            units,
            **{CONF_PASSWORD: "old", **servers(kumo_cloud)},
        ),
    )
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "still-wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: DEMO_PASSWORD}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_PASSWORD] == DEMO_PASSWORD
    assert all(unit.is_complete for unit in stored_units(entry.data))


async def test_reconfigure_changes_one_address_after_a_probe(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, kumo_entry: MockConfigEntry
) -> None:
    """The new address must answer with that unit's own keys."""
    result = await kumo_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_SERIAL: LIVING_ROOM, CONF_ADDRESS: kumo_units.address(BEDROOM)},
    )
    assert result["errors"] == {"base": "wrong_unit_secrets"}
    new_address = kumo_units.address(LIVING_ROOM).replace("127.0.0.1", "127.0.0.1")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SERIAL: LIVING_ROOM, CONF_ADDRESS: f" {new_address} "}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"


async def test_reconfigure_needs_a_unit_with_keys(
    hass: HomeAssistant, unit_definitions: list[KumoUnitDefinition]
) -> None:
    """Without keys nothing can be probed, so there is nothing to reconfigure."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=DEMO_USERNAME,
        data=kumo_entry_data([record_for(d, None, secrets=False) for d in unit_definitions]),
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["reason"] == "no_units_with_secrets"


async def test_options_poll_interval_reloads(
    hass: HomeAssistant, setup_kumo: MockConfigEntry
) -> None:
    """A new poll interval is applied by reloading the entry."""
    result = await hass.config_entries.options.async_init(setup_kumo.entry_id)
    assert result["step_id"] == "init"
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    assert result["step_id"] == "settings"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 30}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert setup_kumo.options == {CONF_SCAN_INTERVAL: 30}
    coordinator = setup_kumo.runtime_data.indoor_units[LIVING_ROOM]
    assert coordinator.update_interval is not None
    assert coordinator.update_interval.total_seconds() == 30


async def test_options_refresh_from_cloud_keeps_local_facts(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, kumo_cloud: KumoCloudSimulator
) -> None:
    """Refreshing renames units and never erases stored keys, even from a keyless cloud."""
    units = [record_for(d, kumo_units.address(d.serial)) for d in kumo_cloud.units]
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=DEMO_USERNAME,
        data=kumo_entry_data(units, **servers(kumo_cloud)),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    kumo_cloud.account = CloudAccountKind.COMFORT_NATIVE
    kumo_cloud.units[0] = KumoUnitDefinition(**{**vars(kumo_cloud.units[0]), "label": "Lounge"})
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 60, CONF_REFRESH_FROM_CLOUD: True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    refreshed = {u.serial: u for u in stored_units(entry.data)}
    assert refreshed[LIVING_ROOM].name == "Lounge"
    assert all(unit.is_complete for unit in refreshed.values())


async def test_options_refresh_with_a_rejected_password_starts_reauth(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, kumo_cloud: KumoCloudSimulator
) -> None:
    """The stored password no longer works: a form error, and a reauth flow is started."""
    units = [record_for(d, kumo_units.address(d.serial)) for d in kumo_cloud.units]
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=DEMO_USERNAME,
        data=kumo_entry_data(units, **{CONF_PASSWORD: "changed", **servers(kumo_cloud)}),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 60, CONF_REFRESH_FROM_CLOUD: True}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


def dhcp(mac: str, ip: str) -> DhcpServiceInfo:
    return DhcpServiceInfo(ip=ip, hostname="kumo", macaddress=mac.replace(":", ""))


async def test_dhcp_moves_a_known_unit_to_its_new_address(
    hass: HomeAssistant,
    unit_definitions: list[KumoUnitDefinition],
    kumo_units: KumoUnitSimulator,
    setup_kumo: MockConfigEntry,
) -> None:
    """A known MAC at a new IP: probed with its keys, stored, entry reloaded; no user action."""
    living = unit_definitions[0]
    units = stored_units(setup_kumo.data)
    moved = [
        u.with_address("127.0.0.1:9", u.sources.address) if u.serial == LIVING_ROOM else u
        for u in units
    ]
    hass.config_entries.async_update_entry(
        setup_kumo, data={**setup_kumo.data, CONF_UNITS: [u.to_storage() for u in moved]}
    )
    await hass.async_block_till_done()
    host, port = kumo_units.address(LIVING_ROOM).split(":")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=dhcp(living.mac, f"{host}:{port}")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    await hass.async_block_till_done()
    unit = next(u for u in stored_units(setup_kumo.data) if u.serial == LIVING_ROOM)
    assert unit.address == kumo_units.address(LIVING_ROOM)
    assert unit.sources.address == "dhcp"
    assert hass.states.get("climate.living_room").state == "off"


async def test_dhcp_for_a_foreign_adapter_is_ignored(
    hass: HomeAssistant, kumo_entry: MockConfigEntry
) -> None:
    """An adapter of no configured account is not offered."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=dhcp("50:26:ef:aa:bb:cc", "127.0.0.1")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_kumo_unit"


async def test_dhcp_confirms_a_unit_whose_mac_the_cloud_did_not_give(
    hass: HomeAssistant,
    unit_definitions: list[KumoUnitDefinition],
    kumo_units: KumoUnitSimulator,
) -> None:
    """A unit with keys but no MAC/address: the adapter answering with its keys is offered."""
    living = unit_definitions[0]
    record = record_for(living, None)
    record = type(record)(**{**vars(record), "mac": None})
    entry = MockConfigEntry(domain=DOMAIN, unique_id=DEMO_USERNAME, data=kumo_entry_data([record]))
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_DHCP},
        data=dhcp(living.mac, kumo_units.address(LIVING_ROOM)),
    )
    assert result["step_id"] == "dhcp_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["reason"] == "address_updated"
    unit = stored_units(entry.data)[0]
    assert unit.address == kumo_units.address(LIVING_ROOM)
    assert unit.mac == living.mac


async def test_unit_without_address_and_no_dhcp_sighting_is_asked_for(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, kumo_cloud: KumoCloudSimulator
) -> None:
    """Keys from the cloud but no address, and DHCP has not seen it yet: ask the user."""
    del kumo_cloud.addresses[LIVING_ROOM]
    flow_id = await start_kumo_flow(hass)
    result = await sign_in(hass, flow_id, kumo_cloud)
    assert result["step_id"] == "unit_address"
    assert result["description_placeholders"]["name"] == "Living Room"
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_ADDRESS: kumo_units.address(LIVING_ROOM)}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
