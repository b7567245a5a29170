"""Adding a Momit gateway (by port or by a scan) and moving it to a new address."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.kumo_momit.const import CONF_FAMILY, DOMAIN, FAMILY_MOMIT
from custom_components.kumo_momit.momit_ha.const import CONF_NODES
from custom_components.kumo_momit.momit_ha.data import stored_nodes
from simulators.momit_gateway import GatewaySimulator
from tests.momit.conftest import open_momit_links, scan_options

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
    await hass.async_block_till_done()
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
    await hass.async_block_till_done()
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
