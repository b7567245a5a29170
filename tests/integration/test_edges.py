"""Edge paths of the flows, the coordinators, repairs and diagnostics."""

from __future__ import annotations

from dataclasses import replace
import json
from pathlib import Path

from homeassistant.config_entries import SOURCE_DHCP, SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.kumo_momit.const import DOMAIN
from custom_components.kumo_momit.kumo_ha.const import (
    CONF_CLOUD_SERVERS,
    CONF_V2_BASE_URL,
    CONF_V2_CA_BASE_URL,
    CONF_V3_BASE_URL,
)
from custom_components.kumo_momit.kumo_ha.data import stored_units
from custom_components.kumo_momit.kumo_ha.flow_helpers import read_kumo_cache
from custom_components.kumo_momit.momit import AcMode, AcOutput, AcState
from custom_components.kumo_momit.momit_ha.data import MomitRuntimeData, stored_nodes
from simulators.kumo_cloud import DEMO_PASSWORD, DEMO_USERNAME, KumoCloudSimulator
from simulators.kumo_unit import KumoUnitSimulator
from simulators.kumo_units import KumoUnitDefinition
from simulators.momit_gateway import GatewaySimulator
from tests.momit.conftest import client_options, wait_until

from .conftest import BEDROOM, LIVING_ROOM, use_momit_settings
from .test_config_flow import sign_in, start_kumo_flow


async def test_basic_users_do_not_see_the_server_fields(hass: HomeAssistant) -> None:
    """Cloud server URLs are an advanced option."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "kumo"}
    )
    fields = {str(key) for key in result["data_schema"].schema}
    assert fields == {"username", "password"}


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


def dhcp(mac: str, ip: str) -> DhcpServiceInfo:
    return DhcpServiceInfo(ip=ip, hostname="kumo", macaddress=mac.replace(":", ""))


async def test_dhcp_sightings_give_addresses_the_cloud_lacks(
    hass: HomeAssistant,
    unit_definitions: list[KumoUnitDefinition],
    kumo_units: KumoUnitSimulator,
    kumo_cloud: KumoCloudSimulator,
) -> None:
    """An adapter DHCP saw earlier is matched by MAC and confirmed with its keys."""
    living = unit_definitions[0]
    del kumo_cloud.addresses[LIVING_ROOM]
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_DHCP},
        data=dhcp(living.mac, kumo_units.address(LIVING_ROOM)),
    )
    assert result["reason"] == "not_kumo_unit"
    flow_id = await start_kumo_flow(hass)
    result = await sign_in(hass, flow_id, kumo_cloud)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    unit = next(u for u in stored_units(result["result"].data) if u.serial == LIVING_ROOM)
    assert unit.address == kumo_units.address(LIVING_ROOM)
    assert unit.sources.address == "dhcp"


async def test_dhcp_edge_cases(
    hass: HomeAssistant,
    unit_definitions: list[KumoUnitDefinition],
    kumo_units: KumoUnitSimulator,
    kumo_entry: MockConfigEntry,
) -> None:
    """Garbage MAC, the same address again, and an address that is another unit's."""
    living = unit_definitions[0]
    for info, reason in (
        (DhcpServiceInfo(ip="127.0.0.1", hostname="x", macaddress="zz"), "not_kumo_unit"),
        (dhcp(living.mac, kumo_units.address(LIVING_ROOM)), "already_configured"),
        (dhcp(living.mac, kumo_units.address(BEDROOM)), "already_configured"),
    ):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_DHCP}, data=info
        )
        assert result["reason"] == reason
    # The other unit's address was probed with this unit's keys and not taken.
    unit = next(u for u in stored_units(kumo_entry.data) if u.serial == LIVING_ROOM)
    assert unit.address == kumo_units.address(LIVING_ROOM)


def test_cache_reading_failures(hass: HomeAssistant, tmp_path: Path) -> None:
    """Missing, unreadable and oversized caches are reported, never raised."""
    hass.config.config_dir = str(tmp_path)
    assert read_kumo_cache(hass) == "cache_not_found"
    (tmp_path / "kumo_cache.json").mkdir()
    assert read_kumo_cache(hass) == "cache_unreadable"
    (tmp_path / "kumo_cache.json").rmdir()
    (tmp_path / "kumo_cache.json").write_text(json.dumps([{}] * 100_000))
    assert read_kumo_cache(hass) == "cache_unreadable"


async def test_coordinator_refuses_invalid_values(
    hass: HomeAssistant, setup_kumo: MockConfigEntry
) -> None:
    """A value the unit does not take is a ServiceValidationError from the write path."""
    coordinator = setup_kumo.runtime_data.indoor_units[BEDROOM]
    with pytest.raises(ServiceValidationError) as err:
        await coordinator.async_command(lambda device: device.set_vane_direction("swing"))
    assert err.value.translation_key == "kumo_invalid_value"


async def test_momit_value_checks_and_refresh_without_push(
    hass: HomeAssistant, momit_gateway: GatewaySimulator, setup_momit: MockConfigEntry
) -> None:
    """Library validation maps to ServiceValidationError; without push a read confirms."""
    runtime = setup_momit.runtime_data
    assert isinstance(runtime, MomitRuntimeData)
    coordinator = next(iter(runtime.nodes.values()))
    expected = AcState(output=AcOutput.COOL, mode=AcMode.COOL, timer_minutes=5, setpoint_c=22)
    with pytest.raises(ServiceValidationError):
        await coordinator.async_command(
            lambda client: client.turn_on(AcMode.COOL, 99.0, 5), expected
        )
    await coordinator.client.stop_push()
    await momit_gateway.clear_records()
    await coordinator.async_command(lambda client: client.turn_on(AcMode.COOL, 22.0, 5), expected)
    await hass.async_block_till_done()
    assert [p["payload"] for p in await momit_gateway.puts_received()] == ["cm=cool,t=5,sp=220"]


async def test_momit_node_moved_is_followed_and_remembered(
    hass: HomeAssistant,
    momit_gateway: GatewaySimulator,
    momit_entry: MockConfigEntry,
) -> None:
    """The node shows up on a new gateway port: found again by serial, stored in the entry."""
    use_momit_settings(hass, client=replace(client_options(momit_gateway), silence_timeout_s=1.0))
    assert await hass.config_entries.async_setup(momit_entry.entry_id)
    await hass.async_block_till_done()
    new_port = await momit_gateway.move_node()
    await wait_until(lambda: stored_nodes(momit_entry.data)[0].port == new_port, limit_s=20)


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


async def test_second_observer_falls_back_to_polling(
    hass: HomeAssistant, momit_gateway: GatewaySimulator, setup_momit: MockConfigEntry
) -> None:
    """The same node in a second entry cannot observe too: it polls, with a warning."""
    second = MockConfigEntry(domain=DOMAIN, unique_id="momit-second", data=dict(setup_momit.data))
    second.add_to_hass(hass)
    assert await hass.config_entries.async_setup(second.entry_id)
    await hass.async_block_till_done()
    runtime = second.runtime_data
    assert isinstance(runtime, MomitRuntimeData)
    coordinator = next(iter(runtime.nodes.values()))
    assert coordinator.update_interval is not None
    assert not coordinator.client.push_active
