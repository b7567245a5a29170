"""The Momit node coordinator: push, the polling fallback, port changes, the write path."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from homeassistant.components.climate import (
    ATTR_CURRENT_HUMIDITY,
    ATTR_CURRENT_TEMPERATURE,
    ATTR_HVAC_MODES,
    ATTR_MAX_TEMP,
    ATTR_MIN_TEMP,
    DOMAIN as CLIMATE_DOMAIN,
)
from homeassistant.components.number import DOMAIN as NUMBER_DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.kumo_momit.const import DOMAIN
from custom_components.kumo_momit.momit import AcMode, AcOutput, AcState
from custom_components.kumo_momit.momit_ha.coordinator import MomitNodeCoordinator
from custom_components.kumo_momit.momit_ha.data import MomitRuntimeData, stored_nodes
from simulators.momit_gateway import GatewaySimulator
from tests.momit.conftest import client_options, wait_until

from .conftest import entity, use_momit_settings


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


async def _set_up_with_quick_refreshes(
    hass: HomeAssistant, gateway: GatewaySimulator, entry: MockConfigEntry
) -> MomitNodeCoordinator:
    """The entry set up with push up; quiet observations refreshed every 1 s (50 s in
    production)."""
    use_momit_settings(hass, client=replace(client_options(gateway), refresh_interval_s=1.0))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    coordinator: MomitNodeCoordinator = next(iter(entry.runtime_data.nodes.values()))
    await wait_until(lambda: coordinator.client.push_active)
    return coordinator


async def test_after_a_short_outage_the_state_shown_is_read_again(
    hass: HomeAssistant, momit_gateway: GatewaySimulator, momit_entry: MockConfigEntry
) -> None:
    """The node loses power for a moment and forgets its observers silently; what changes
    after that reaches Home Assistant through the next refresh of the observation (every 50 s
    in production, 1 s here), not after the 300 s silence timeout."""
    await _set_up_with_quick_refreshes(hass, momit_gateway, momit_entry)
    climate = entity(hass, CLIMATE_DOMAIN)

    await momit_gateway.outage(duration_s=0.2)
    await asyncio.sleep(0.4)  # the node is back, without observers
    await momit_gateway.set_room(temperature_c=18.5)  # notifies nobody
    await wait_until(
        lambda: hass.states.get(climate).attributes[ATTR_CURRENT_TEMPERATURE] == 18.5,
        limit_s=10,
    )
    assert hass.states.get(climate).state != "unavailable"


async def test_a_node_that_stops_answering_is_shown_unavailable(
    hass: HomeAssistant, momit_gateway: GatewaySimulator, momit_entry: MockConfigEntry
) -> None:
    """Silent while its observation is refreshed: push is down, the read fails, the entity is
    unavailable (not the old reading shown as current); back when the node answers again."""
    coordinator = await _set_up_with_quick_refreshes(hass, momit_gateway, momit_entry)
    climate = entity(hass, CLIMATE_DOMAIN)

    await momit_gateway.set_faults(blackhole=True)
    await wait_until(lambda: hass.states.get(climate).state == "unavailable", limit_s=20)
    await momit_gateway.set_faults(blackhole=False)
    await wait_until(lambda: coordinator.client.push_active, limit_s=20)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(climate).state != "unavailable"
