"""Setting up and trimming a Momit gateway entry."""

from __future__ import annotations

from dataclasses import replace

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.kumo_momit.const import DOMAIN
from custom_components.kumo_momit.momit_ha.data import stored_nodes
from custom_components.kumo_momit.momit_ha.settings import momit_settings
from simulators.momit_gateway import GatewaySimulator
from tests.ha import assert_readable, delete_device, device_by_identifier
from tests.momit.conftest import open_momit_links

from .conftest import use_momit_settings


async def test_setup_retries_when_the_gateway_is_silent(
    hass: HomeAssistant, momit_gateway: GatewaySimulator, momit_entry: MockConfigEntry
) -> None:
    """A silent node: ConfigEntryNotReady, and the shared CoAP context is released."""
    await momit_gateway.set_faults(blackhole=True)
    await hass.config_entries.async_setup(momit_entry.entry_id)
    await hass.async_block_till_done()
    assert momit_entry.state is ConfigEntryState.SETUP_RETRY
    assert_readable(str(momit_entry.reason))  # the "retrying set-up" reason users see
    assert open_momit_links() == 0
    await momit_gateway.set_faults(blackhole=False)


async def test_a_node_that_moved_while_home_assistant_was_down_is_found_at_set_up(
    hass: HomeAssistant, momit_gateway: GatewaySimulator, momit_entry: MockConfigEntry
) -> None:
    """The stored port is dead; set-up finds the node by serial, remembers the port, loads."""
    serial = momit_gateway.ac_serials[0]
    old_port = stored_nodes(momit_entry.data)[0].port
    new_port = await momit_gateway.move_node(serial)
    assert new_port != old_port
    assert await hass.config_entries.async_setup(momit_entry.entry_id)
    await hass.async_block_till_done()
    assert momit_entry.state is ConfigEntryState.LOADED
    assert [node.port for node in stored_nodes(momit_entry.data)] == [new_port]
    climate = next(iter(hass.states.async_all("climate")))
    assert climate.state != "unavailable"


async def test_a_silent_gateway_is_searched_once_per_interval_across_retries(
    hass: HomeAssistant, momit_gateway: GatewaySimulator, momit_entry: MockConfigEntry
) -> None:
    """Set-up retries do not each start a search of the whole gateway."""
    use_momit_settings(hass, client=replace(momit_settings(hass).client, relocate_interval_s=300))
    # A search by serial asks the node's last port for its serial first (then the others).
    search_probe = "CON GET /3/0/2"
    await momit_gateway.set_faults(blackhole=True)
    await momit_gateway.clear_records()
    await hass.config_entries.async_setup(momit_entry.entry_id)
    await hass.async_block_till_done()
    assert momit_entry.state is ConfigEntryState.SETUP_RETRY
    assert (await momit_gateway.request_counts()).get(search_probe)
    await momit_gateway.clear_records()
    await hass.config_entries.async_reload(momit_entry.entry_id)
    await hass.async_block_till_done()
    assert momit_entry.state is ConfigEntryState.SETUP_RETRY
    counts = await momit_gateway.request_counts()
    assert counts.get("dropped")  # the retry asked the node at its port...
    assert search_probe not in counts  # ...and did not search the gateway again
    await momit_gateway.set_faults(blackhole=False)


async def test_user_can_delete_a_node_device(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    device_registry: dr.DeviceRegistry,
    momit_gateway: GatewaySimulator,
    setup_momit: MockConfigEntry,
) -> None:
    """Deleting a Momit Cool's device drops the node from the gateway entry."""
    assert await async_setup_component(hass, "config", {})
    serial = momit_gateway.ac_serials[0]
    device = device_by_identifier(device_registry, setup_momit, (DOMAIN, f"momit-{serial}"))
    assert device is not None
    client = await hass_ws_client(hass)
    response = await delete_device(client, device, setup_momit)
    assert response["success"]
    await hass.async_block_till_done()
    assert stored_nodes(setup_momit.data) == []
