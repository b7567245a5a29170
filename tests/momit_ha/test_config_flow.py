"""Adding a Momit gateway (by port or by a scan) and moving it to a new address."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import pytest_socket

from custom_components.kumo_momit.const import CONF_FAMILY, DOMAIN, FAMILY_MOMIT
from custom_components.kumo_momit.momit_ha.const import CONF_NODES
from custom_components.kumo_momit.momit_ha.data import (
    StoredMomitNode,
    nodes_for_storage,
    stored_nodes,
)
from custom_components.kumo_momit.momit_ha.settings import MOMIT_SETTINGS, MomitSettings
from simulators.momit_gateway import GatewaySimulator
from tests.momit.conftest import LOOPBACK_HOSTS, client_options, open_momit_links, scan_options

from .conftest import use_momit_settings


async def test_flow_finds_the_ac_node_by_scanning(
    hass: HomeAssistant, momit_gateway: GatewaySimulator
) -> None:
    """Host only: the gateway is scanned, the AC node told from the decoy by its listing."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["menu_options"] == ["kumo", "momit"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "momit"}
    )
    flow_id = result["flow_id"]
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_HOST: "gateway"})
    assert result["errors"] == {"base": "invalid_host"}
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_HOST: "127.0.0.1"})
    # The scan runs in the background behind a progress screen.
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["progress_action"] == "scan_gateway"
    await hass.async_block_till_done(wait_background_tasks=True)
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["step_id"] == "momit_confirm"
    serial = momit_gateway.ac_serials[0]
    assert serial in result["description_placeholders"]["nodes"]
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.data[CONF_FAMILY] == FAMILY_MOMIT
    [node] = stored_nodes(entry.data)
    assert node.serial == serial
    assert node.port == momit_gateway.ac_port(serial)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert open_momit_links() == 0


async def test_flow_with_a_port_and_its_errors(
    hass: HomeAssistant, momit_gateway: GatewaySimulator
) -> None:
    """Another node's port is not an AC; a dead port cannot connect; the AC's port works."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "momit"}
    )
    flow_id = result["flow_id"]
    other_port = momit_gateway.ac_port(momit_gateway.other_serials[0])
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOST: "127.0.0.1", CONF_PORT: other_port}
    )
    assert result["errors"] == {"base": "no_ac_found"}
    await momit_gateway.set_faults(blackhole=True)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOST: "127.0.0.1", CONF_PORT: momit_gateway.ac_port()}
    )
    assert result["errors"] == {"base": "cannot_connect_gateway"}
    await momit_gateway.set_faults(blackhole=False)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOST: "127.0.0.1", CONF_PORT: momit_gateway.ac_port()}
    )
    assert result["step_id"] == "momit_confirm"


@pytest.mark.parametrize(
    ("window", "error"), [("nothing", "cannot_connect_gateway"), ("other", "no_ac_found")]
)
async def test_scan_that_finds_no_ac(
    hass: HomeAssistant,
    momit_gateway: GatewaySimulator,
    window: str,
    error: str,
) -> None:
    """Nothing answering, or only another kind of node: the form says which."""
    other_port = momit_gateway.ac_port(momit_gateway.other_serials[0])
    ports = range(1, 2) if window == "nothing" else range(other_port, other_port + 1)
    use_momit_settings(hass, scan=scan_options(momit_gateway, primary_ports=(ports,)))
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "momit"}
    )
    flow_id = result["flow_id"]
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_HOST: "127.0.0.1"})
    await hass.async_block_till_done(wait_background_tasks=True)
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["step_id"] == "momit"
    assert result["errors"] == {"base": error}


async def test_same_gateway_twice_aborts(hass: HomeAssistant, momit_entry: MockConfigEntry) -> None:
    """One entry per gateway."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "momit"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reconfigure_to_a_new_address(
    hass: HomeAssistant, momit_gateway: GatewaySimulator, momit_entry: MockConfigEntry
) -> None:
    """The same nodes must answer at the new address; the entry follows them."""
    result = await momit_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_momit"
    flow_id = result["flow_id"]
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_HOST: "gateway.lan"})
    assert result["errors"] == {"base": "invalid_host"}
    other_port = momit_gateway.ac_port(momit_gateway.other_serials[0])
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOST: "127.0.0.1", CONF_PORT: other_port}
    )
    assert result["errors"] == {"base": "no_ac_found"}
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_HOST: "127.0.0.1"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert momit_entry.data[CONF_HOST] == "127.0.0.1"


async def test_reconfigure_refuses_another_gateway(
    hass: HomeAssistant, momit_gateway: GatewaySimulator, momit_entry: MockConfigEntry
) -> None:
    """A gateway without this entry's controllers is not taken for it."""
    hass.config_entries.async_update_entry(
        momit_entry,
        data={
            **momit_entry.data,
            CONF_NODES: [{"serial": "SOMEONE-ELSES", "port": momit_gateway.ac_port()}],
        },
    )
    result = await momit_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: momit_gateway.ac_port()}
    )
    assert result["errors"] == {"base": "different_gateway"}


@pytest.fixture(scope="module")
def two_ac_gateway_process() -> Iterator[GatewaySimulator]:
    """A gateway with two Momit Cool nodes, each on its own port."""
    simulator = GatewaySimulator(ac_nodes=2, other_nodes=0, decoys=False, serial_prefix="TWO")
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def two_ac_entry(hass: HomeAssistant, two_ac_gateway_process: GatewaySimulator) -> MockConfigEntry:
    """The two-node gateway's entry, as after the config flow."""
    gateway = two_ac_gateway_process
    gateway.reset_sync()
    pytest_socket.socket_allow_hosts(LOOPBACK_HOSTS, allow_unix_socket=True)
    hass.data[MOMIT_SETTINGS] = MomitSettings(
        client=client_options(gateway), scan=scan_options(gateway)
    )
    nodes = [StoredMomitNode(serial=s, port=gateway.ac_port(s)) for s in gateway.ac_serials]
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Momit Gateway 127.0.0.2",
        unique_id="momit-127.0.0.2",
        data={
            CONF_FAMILY: FAMILY_MOMIT,
            CONF_HOST: "127.0.0.2",
            CONF_NODES: nodes_for_storage(nodes),
        },
    )
    entry.add_to_hass(hass)
    return entry


@pytest.mark.parametrize("with_port", [True, False], ids=["port", "no-port"])
async def test_reconfigure_keeps_the_nodes_on_other_ports(
    hass: HomeAssistant,
    two_ac_gateway_process: GatewaySimulator,
    two_ac_entry: MockConfigEntry,
    with_port: bool,
) -> None:
    """Two Momit Cools on two ports; the gateway moves: neither node leaves the entry."""
    gateway = two_ac_gateway_process
    first, second = gateway.ac_serials
    result = await two_ac_entry.start_reconfigure_flow(hass)
    form = {CONF_HOST: "127.0.0.1"} | ({CONF_PORT: gateway.ac_port(first)} if with_port else {})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert result["reason"] == "reconfigure_successful"
    assert two_ac_entry.data[CONF_HOST] == "127.0.0.1"
    assert two_ac_entry.unique_id == "momit-127.0.0.1"
    ports = {node.serial: node.port for node in stored_nodes(two_ac_entry.data)}
    assert ports == {first: gateway.ac_port(first), second: gateway.ac_port(second)}


async def _start_slow_search(hass: HomeAssistant, gateway: GatewaySimulator) -> str:
    """A flow searching the gateway: one silent port with a long timeout keeps it busy."""
    use_momit_settings(
        hass, scan=scan_options(gateway, primary_ports=(range(1, 2),), probe_timeout_s=60)
    )
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "momit"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1"}
    )
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    return str(result["flow_id"])


async def test_a_new_attempt_replaces_an_abandoned_search(
    hass: HomeAssistant, momit_gateway: GatewaySimulator
) -> None:
    """The user left the search screen; the next attempt for that gateway just works."""
    abandoned = await _start_slow_search(hass, momit_gateway)
    search = hass.config_entries.flow._progress[abandoned].async_get_progress_task()
    assert search is not None

    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "momit"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: momit_gateway.ac_port()}
    )
    assert result["step_id"] == "momit_confirm"
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["flow_id"] for flow in flows] == [result["flow_id"]]
    await asyncio.sleep(0)
    assert search.cancelled()


async def test_a_search_stops_with_home_assistant(
    hass: HomeAssistant, momit_gateway: GatewaySimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Stopping Home Assistant ends a search at once, without shutdown warnings."""
    flow_id = await _start_slow_search(hass, momit_gateway)
    search = hass.config_entries.flow._progress[flow_id].async_get_progress_task()
    assert search is not None
    async with asyncio.timeout(10):
        await hass.async_stop()
    assert search.cancelled()
    assert "shutdown stage" not in caplog.text
