"""Momit Cool in Home Assistant: config flow, entities, push, fallback, wire payloads."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from homeassistant.components.climate import (
    ATTR_CURRENT_HUMIDITY,
    ATTR_CURRENT_TEMPERATURE,
    ATTR_HVAC_MODE,
    ATTR_HVAC_MODES,
    ATTR_MAX_TEMP,
    ATTR_MIN_TEMP,
    DOMAIN as CLIMATE_DOMAIN,
    SERVICE_SET_HVAC_MODE,
    SERVICE_SET_TEMPERATURE,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    HVACMode,
)
from homeassistant.components.number import (
    ATTR_VALUE,
    DOMAIN as NUMBER_DOMAIN,
    SERVICE_SET_VALUE,
)
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, ATTR_TEMPERATURE, CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.kumo_momit.const import CONF_FAMILY, DOMAIN, FAMILY_MOMIT
from custom_components.kumo_momit.momit_ha.const import (
    CONF_MAX_TEMP,
    CONF_MIN_TEMP,
    CONF_NODES,
    CONF_TEMP_STEP,
)
from custom_components.kumo_momit.momit_ha.data import MomitRuntimeData, stored_nodes
from simulators.momit_gateway import GatewaySimulator
from tests.momit.conftest import client_options, open_momit_links, scan_options, wait_until

from .conftest import use_momit_settings


def entity(hass: HomeAssistant, domain: str, suffix: str = "") -> str:
    """The entity id of the node's `domain` entity (names carry the serial's tail)."""
    ids = [s.entity_id for s in hass.states.async_all(domain) if s.entity_id.endswith(suffix)]
    assert len(ids) == 1, ids
    return ids[0]


async def puts(gateway: GatewaySimulator) -> list[str]:
    """The command payloads the AC node received, in order."""
    return [put["payload"] for put in await gateway.puts_received()]


async def call(hass: HomeAssistant, service: str, entity_id: str, **data: Any) -> None:
    await hass.services.async_call(
        CLIMATE_DOMAIN, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
    )


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


async def test_entities_show_pushed_state_and_readings(
    hass: HomeAssistant, momit_gateway: GatewaySimulator, setup_momit: MockConfigEntry
) -> None:
    """Climate, sensors and timer exist; a room change arrives by push, without a poll."""
    climate = entity(hass, CLIMATE_DOMAIN)
    state = hass.states.get(climate)
    assert state.state == "off"
    assert state.attributes[ATTR_HVAC_MODES] == ["off", "cool", "heat"]
    assert state.attributes[ATTR_MIN_TEMP] == 16
    assert state.attributes[ATTR_MAX_TEMP] == 30
    assert hass.states.get(entity(hass, NUMBER_DOMAIN)).state == "1440"

    counts_before = await momit_gateway.request_counts()
    await momit_gateway.set_room(temperature_c=27.3, humidity_percent=61.5, battery_percent=88)
    await wait_until(lambda: hass.states.get(climate).attributes[ATTR_CURRENT_TEMPERATURE] == 27.3)
    state = hass.states.get(climate)
    assert state.attributes[ATTR_CURRENT_HUMIDITY] == 61.5
    assert hass.states.get(entity(hass, "sensor", "_temperature")).state == "27.3"
    assert hass.states.get(entity(hass, "sensor", "_humidity")).state == "61.5"
    assert hass.states.get(entity(hass, "sensor", "_battery")).state == "88"
    # It came by notification: no GET was sent for it.
    counts_after = await momit_gateway.request_counts()
    gets = [k for k in counts_after if "GET" in k]
    assert all(counts_after[k] == counts_before.get(k, 0) for k in gets)


async def test_commands_on_the_wire(
    hass: HomeAssistant, momit_gateway: GatewaySimulator, setup_momit: MockConfigEntry
) -> None:
    """Every climate action becomes the exact `cm=…,t=…,sp=…` payload, state follows."""
    climate = entity(hass, CLIMATE_DOMAIN)
    await momit_gateway.clear_records()
    await call(hass, SERVICE_SET_HVAC_MODE, climate, **{ATTR_HVAC_MODE: HVACMode.COOL})
    assert hass.states.get(climate).state == "cool"
    await call(hass, SERVICE_SET_TEMPERATURE, climate, **{ATTR_TEMPERATURE: 21.5})
    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: entity(hass, NUMBER_DOMAIN), ATTR_VALUE: 90},
        blocking=True,
    )
    await call(
        hass, SERVICE_SET_TEMPERATURE, climate, **{ATTR_TEMPERATURE: 23, ATTR_HVAC_MODE: "heat"}
    )
    await call(hass, SERVICE_TURN_OFF, climate)
    await call(hass, SERVICE_TURN_ON, climate)
    assert await puts(momit_gateway) == [
        "cm=cool,t=1440,sp=240",
        "cm=cool,t=1440,sp=215",
        "cm=heat,t=90,sp=230",
        "cm=cool,t=0,sp=off",
        "cm=heat,t=90,sp=230",
    ]
    state = hass.states.get(climate)
    assert state.state == "heat"
    assert state.attributes[ATTR_TEMPERATURE] == 23


async def test_invalid_values_send_nothing(
    hass: HomeAssistant, momit_gateway: GatewaySimulator, setup_momit: MockConfigEntry
) -> None:
    """Out-of-range values and unknown modes are refused before anything is encoded."""
    climate = entity(hass, CLIMATE_DOMAIN)
    await momit_gateway.clear_records()
    with pytest.raises(ServiceValidationError):
        await call(hass, SERVICE_SET_HVAC_MODE, climate, **{ATTR_HVAC_MODE: HVACMode.DRY})
    with pytest.raises(ServiceValidationError):
        await call(
            hass, SERVICE_SET_TEMPERATURE, climate, **{ATTR_TEMPERATURE: 45, ATTR_HVAC_MODE: "cool"}
        )
    assert await puts(momit_gateway) == []


async def test_dead_node_command_is_a_clear_error(
    hass: HomeAssistant, momit_gateway: GatewaySimulator, setup_momit: MockConfigEntry
) -> None:
    """A node that does not answer gives a translated error, within the bounded timings."""
    climate = entity(hass, CLIMATE_DOMAIN)
    await momit_gateway.set_faults(blackhole=True)
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, SERVICE_SET_HVAC_MODE, climate, **{ATTR_HVAC_MODE: HVACMode.COOL})
    assert err.value.translation_key == "momit_command_failed"
    # Nothing unconfirmed is shown as done.
    assert hass.states.get(climate).state != "cool"
    await momit_gateway.set_faults(blackhole=False)


async def test_push_down_falls_back_to_polling_and_recovers(
    hass: HomeAssistant,
    momit_gateway: GatewaySimulator,
    momit_entry: MockConfigEntry,
) -> None:
    """A node reboot loses the observers: polling resumes until push is registered again."""
    # Notice the lost observation quickly.
    use_momit_settings(hass, client=replace(client_options(momit_gateway), silence_timeout_s=1.0))
    assert await hass.config_entries.async_setup(momit_entry.entry_id)
    await hass.async_block_till_done()
    runtime = momit_entry.runtime_data
    assert isinstance(runtime, MomitRuntimeData)
    coordinator = next(iter(runtime.nodes.values()))
    await wait_until(lambda: coordinator.client.push_active)
    assert coordinator.update_interval is None

    await momit_gateway.reboot_node()
    await wait_until(lambda: coordinator.update_interval is not None)
    await momit_gateway.set_room(temperature_c=19.0)
    climate = entity(hass, CLIMATE_DOMAIN)
    await wait_until(lambda: coordinator.client.push_active)
    await wait_until(lambda: hass.states.get(climate).attributes[ATTR_CURRENT_TEMPERATURE] == 19.0)
    assert coordinator.update_interval is None
    observers = await momit_gateway.observer_counts()
    assert all(count <= 1 for count in observers.values())


async def test_setup_retries_when_the_gateway_is_silent(
    hass: HomeAssistant, momit_gateway: GatewaySimulator, momit_entry: MockConfigEntry
) -> None:
    """A silent node: ConfigEntryNotReady, and the shared CoAP context is released."""
    await momit_gateway.set_faults(blackhole=True)
    await hass.config_entries.async_setup(momit_entry.entry_id)
    await hass.async_block_till_done()
    assert momit_entry.state is ConfigEntryState.SETUP_RETRY
    assert open_momit_links() == 0
    await momit_gateway.set_faults(blackhole=False)


async def test_options_set_the_setpoint_range(
    hass: HomeAssistant, momit_gateway: GatewaySimulator, setup_momit: MockConfigEntry
) -> None:
    """Range and step come from the options; an inverted range is refused."""
    result = await hass.config_entries.options.async_init(setup_momit.entry_id)
    assert result["step_id"] == "momit"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_MIN_TEMP: 25, CONF_MAX_TEMP: 18, CONF_TEMP_STEP: "1.0"}
    )
    assert result["errors"] == {"base": "invalid_range"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_MIN_TEMP: 18, CONF_MAX_TEMP: 28, CONF_TEMP_STEP: "1.0"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    state = hass.states.get(entity(hass, CLIMATE_DOMAIN))
    assert state.attributes[ATTR_MIN_TEMP] == 18
    assert state.attributes[ATTR_MAX_TEMP] == 28


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
    device = device_registry.async_get_device(identifiers={(DOMAIN, f"momit-{serial}")})
    assert device is not None
    client = await hass_ws_client(hass)
    response = await client.remove_device(device.id, setup_momit.entry_id)
    assert response["success"]
    await hass.async_block_till_done()
    assert stored_nodes(setup_momit.data) == []
