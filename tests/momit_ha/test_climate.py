"""The Momit climate entity: every action as the exact payload on the wire."""

from __future__ import annotations

from homeassistant.components.climate import (
    ATTR_HVAC_MODE,
    DOMAIN as CLIMATE_DOMAIN,
    SERVICE_SET_HVAC_MODE,
    SERVICE_SET_TEMPERATURE,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    HVACMode,
)
from homeassistant.components.number import ATTR_VALUE, DOMAIN as NUMBER_DOMAIN, SERVICE_SET_VALUE
from homeassistant.const import ATTR_ENTITY_ID, ATTR_TEMPERATURE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from simulators.momit_gateway import GatewaySimulator
from tests.ha import assert_platform_snapshot, assert_readable, call_climate

from .conftest import entity, push_registered, puts


async def test_commands_on_the_wire(
    hass: HomeAssistant, momit_gateway: GatewaySimulator, setup_momit: MockConfigEntry
) -> None:
    """Every climate action becomes the exact `cm=…,t=…,sp=…` payload, state follows."""
    climate = entity(hass, CLIMATE_DOMAIN)
    await momit_gateway.clear_records()
    await call_climate(hass, SERVICE_SET_HVAC_MODE, climate, **{ATTR_HVAC_MODE: HVACMode.COOL})
    assert hass.states.get(climate).state == "cool"
    await call_climate(hass, SERVICE_SET_TEMPERATURE, climate, **{ATTR_TEMPERATURE: 21.5})
    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: entity(hass, NUMBER_DOMAIN), ATTR_VALUE: 90},
        blocking=True,
    )
    await call_climate(
        hass, SERVICE_SET_TEMPERATURE, climate, **{ATTR_TEMPERATURE: 23, ATTR_HVAC_MODE: "heat"}
    )
    await call_climate(hass, SERVICE_TURN_OFF, climate)
    await call_climate(hass, SERVICE_TURN_ON, climate)
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
        await call_climate(hass, SERVICE_SET_HVAC_MODE, climate, **{ATTR_HVAC_MODE: HVACMode.DRY})
    with pytest.raises(ServiceValidationError):
        await call_climate(
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
        await call_climate(hass, SERVICE_SET_HVAC_MODE, climate, **{ATTR_HVAC_MODE: HVACMode.COOL})
    assert err.value.translation_key == "momit_command_failed"
    # What the user reads names what was sent as the app writes it, with no Python reprs.
    assert "cm=cool,t=1440,sp=240" in str(err.value)
    assert_readable(str(err.value))
    # Nothing unconfirmed is shown as done.
    assert hass.states.get(climate).state != "cool"
    await momit_gateway.set_faults(blackhole=False)


async def test_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    ha_snapshot: SnapshotAssertion,
    momit_entry: MockConfigEntry,
) -> None:
    """The climate entity of a Momit Cool node, with the state the gateway reports."""
    await assert_platform_snapshot(
        hass,
        entity_registry,
        ha_snapshot,
        momit_entry,
        Platform.CLIMATE,
        lambda: push_registered(momit_entry),
    )
