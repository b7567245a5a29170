"""Adding a Kumo account against the cloud and unit simulators: every branch, every error."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
import json
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, flush_store
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

import custom_components.kumo_momit
from custom_components.kumo_momit.const import CONF_FAMILY, DOMAIN, FAMILY_KUMO
from custom_components.kumo_momit.kumo import (
    DEFAULT_SOCKET_URL,
    DEFAULT_V2_BASE_URL,
    DEFAULT_V2_CANADA_BASE_URL,
    DEFAULT_V3_BASE_URL,
    build_kumo_cache,
)
from custom_components.kumo_momit.kumo_ha.const import (
    CONF_ADDRESS,
    CONF_CLOUD_SERVERS,
    CONF_CRYPTO_SERIAL,
    CONF_SKIP,
    CONF_SOCKET_BASE_URL,
    CONF_UNIT_PASSWORD,
    CONF_V2_BASE_URL,
    CONF_V2_CA_BASE_URL,
    CONF_V3_BASE_URL,
)
from custom_components.kumo_momit.kumo_ha.data import stored_units
from simulators.kumo_cloud import DEMO_PASSWORD, DEMO_USERNAME, CloudAccountKind, KumoCloudSimulator
from simulators.kumo_unit import KumoUnitSimulator
from simulators.kumo_units import KumoUnitDefinition

from .conftest import (
    BEDROOM,
    LIVING_ROOM,
    STATION,
    kumo_entry_data,
    record_for,
    servers,
    sign_in,
    start_kumo_flow,
)

EN = json.loads(
    (Path(custom_components.kumo_momit.__file__).parent / "translations" / "en.json").read_text()
)


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


async def test_cloud_servers_are_a_collapsed_section_holding_the_real_hosts(
    hass: HomeAssistant,
) -> None:
    """Every user sees the sign-in fields; the servers wait, closed, with the real hosts in."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "kumo"}
    )
    schema = result["data_schema"].schema
    assert [str(key) for key in schema] == [CONF_USERNAME, CONF_PASSWORD, CONF_CLOUD_SERVERS]
    servers_section = next(value for key, value in schema.items() if key == CONF_CLOUD_SERVERS)
    assert servers_section.options["collapsed"] is True
    defaults = {str(key): key.default() for key in servers_section.schema.schema}
    assert defaults == {
        CONF_V3_BASE_URL: DEFAULT_V3_BASE_URL,
        CONF_V2_BASE_URL: DEFAULT_V2_BASE_URL,
        CONF_V2_CA_BASE_URL: DEFAULT_V2_CANADA_BASE_URL,
        CONF_SOCKET_BASE_URL: DEFAULT_SOCKET_URL,
    }


async def test_sign_in_without_the_section_uses_the_real_cloud(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """A submission without the (unopened) section signs in at the real v3 host, nowhere else.

    The real host is mocked: it answers "too many attempts", so nothing more is asked.
    """
    aioclient_mock.post(f"{DEFAULT_V3_BASE_URL}/v3/login", status=429)
    flow_id = await start_kumo_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_USERNAME: DEMO_USERNAME, CONF_PASSWORD: DEMO_PASSWORD}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "throttled"}
    assert [(method, str(url)) for method, url, *_ in aioclient_mock.mock_calls] == [
        ("POST", f"{DEFAULT_V3_BASE_URL}/v3/login")
    ]


@pytest.mark.parametrize(
    ("fault", "value", "error"),
    [
        ("password", None, "invalid_auth"),
        # The cloud's answer to a wrong password, reportedly also to the right one in a burst.
        ("throttle_logins", True, "invalid_auth"),
        ("rate_limit", 0, "throttled"),
        ("server_error", True, "cannot_connect"),
    ],
)
async def test_cloud_errors_are_form_errors_and_recoverable(
    hass: HomeAssistant,
    kumo_cloud: KumoCloudSimulator,
    freezer: FrozenDateTimeFactory,
    fault: str,
    value: object,
    error: str,
) -> None:
    """Each cloud failure is its own form error; fixing it finishes the flow."""
    password = DEMO_PASSWORD
    if fault == "password":
        password = "wrong"
    else:
        setattr(kumo_cloud, fault, value)
    flow_id = await start_kumo_flow(hass)
    result = await sign_in(hass, flow_id, kumo_cloud, password)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    kumo_cloud.throttle_logins = False
    kumo_cloud.server_error = False
    kumo_cloud.rate_limit = 50
    if fault == "rate_limit":
        # HTTP 429: one login, and none again for 15 minutes (more would prolong it).
        assert kumo_cloud.count("POST", "/v3/login") == 1
        result = await sign_in(hass, flow_id, kumo_cloud)
        assert result["errors"] == {"base": "sign_in_paused"}
        assert result["description_placeholders"] == {"minutes": "15"}
        assert kumo_cloud.count("POST", "/v3/login") == 1
        freezer.tick(timedelta(minutes=16))
    result = await sign_in(hass, flow_id, kumo_cloud)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_a_rejected_sign_in_can_be_corrected_at_once(
    hass: HomeAssistant, kumo_cloud: KumoCloudSimulator
) -> None:
    """A typo: the cloud rejects it, the form says so honestly, the right password works now."""
    flow_id = await start_kumo_flow(hass)
    result = await sign_in(hass, flow_id, kumo_cloud, "typo")
    assert result["errors"] == {"base": "invalid_auth"}
    assert EN["config"]["error"]["invalid_auth"] == (
        "The Kumo Cloud rejected the email or password. If you are sure they are right, the "
        "cloud may be refusing sign-ins for 15\u201330 minutes after several attempts; wait and "
        "try again."
    )
    result = await sign_in(hass, flow_id, kumo_cloud)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert kumo_cloud.count("POST", "/v3/login") == 2


async def test_repeated_rejections_pause_sign_ins_and_say_for_how_long(
    hass: HomeAssistant, kumo_cloud: KumoCloudSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Only several rejections in a short while pause sign-ins; the form counts down."""
    kumo_cloud.throttle_logins = True  # even the right password is rejected
    flow_id = await start_kumo_flow(hass)
    for _ in range(2):
        result = await sign_in(hass, flow_id, kumo_cloud)
        assert result["errors"] == {"base": "invalid_auth"}
    result = await sign_in(hass, flow_id, kumo_cloud)
    assert result["errors"] == {"base": "sign_in_paused"}
    assert result["description_placeholders"] == {"minutes": "15"}
    assert kumo_cloud.count("POST", "/v3/login") == 3
    assert "{minutes}" in EN["config"]["error"]["sign_in_paused"]

    kumo_cloud.throttle_logins = False
    freezer.tick(timedelta(minutes=6))
    result = await sign_in(hass, flow_id, kumo_cloud)
    assert result["errors"] == {"base": "sign_in_paused"}
    assert result["description_placeholders"] == {"minutes": "9"}
    assert kumo_cloud.count("POST", "/v3/login") == 3  # the cloud was not asked

    freezer.tick(timedelta(minutes=9, seconds=1))
    result = await sign_in(hass, flow_id, kumo_cloud)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_rejections_far_apart_never_pause(
    hass: HomeAssistant, kumo_cloud: KumoCloudSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Three typos over an hour are three typos, not a burst."""
    flow_id = await start_kumo_flow(hass)
    for _ in range(3):
        result = await sign_in(hass, flow_id, kumo_cloud, "typo")
        assert result["errors"] == {"base": "invalid_auth"}
        freezer.tick(timedelta(minutes=20))
    result = await sign_in(hass, flow_id, kumo_cloud)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_an_unexpected_cloud_answer_is_unknown(
    hass: HomeAssistant, kumo_cloud: KumoCloudSimulator
) -> None:
    """A server that answers nothing Kumo-like is an 'unknown' error, not a crash."""
    flow_id = await start_kumo_flow(hass)
    nowhere = f"{kumo_cloud.base_url}/nowhere"
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {
            "username": DEMO_USERNAME,
            "password": DEMO_PASSWORD,
            CONF_CLOUD_SERVERS: {
                CONF_V3_BASE_URL: nowhere,
                CONF_V2_BASE_URL: nowhere,
                CONF_V2_CA_BASE_URL: nowhere,
            },
        },
    )
    assert result["errors"] == {"base": "unknown"}


async def test_text_home_assistant_cannot_store_never_reaches_the_entry(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    kumo_cloud: KumoCloudSimulator,
) -> None:
    """A name with a lone surrogate (valid JSON: `"\\udcff"`) is cleaned before it is stored.

    Home Assistant writes every entry into one file; text UTF-8 cannot encode would make that
    write fail and lose every entry's pending change.
    """
    kumo_cloud.units[0] = replace(kumo_cloud.units[0], label="Living \udcff")
    flow_id = await start_kumo_flow(hass)
    result = await sign_in(hass, flow_id, kumo_cloud)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    await hass.async_block_till_done()
    await flush_store(hass.config_entries._store)
    [saved] = hass_storage["core.config_entries"]["data"]["entries"]
    assert saved["entry_id"] == entry.entry_id
    names = {unit["serial"]: unit["name"] for unit in saved["data"]["units"]}
    assert names[LIVING_ROOM] == "Living \ufffd"


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
