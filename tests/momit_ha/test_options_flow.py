"""Momit options: the setpoint range and step of the air conditioner."""

from __future__ import annotations

from homeassistant.components.climate import ATTR_MAX_TEMP, ATTR_MIN_TEMP, DOMAIN as CLIMATE_DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.kumo_momit.momit_ha.const import CONF_MAX_TEMP, CONF_MIN_TEMP, CONF_TEMP_STEP
from simulators.momit_gateway import GatewaySimulator

from .conftest import entity


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
    # The form keeps what was typed, to be corrected.
    suggested = {
        str(key): key.description["suggested_value"] for key in result["data_schema"].schema
    }
    assert suggested == {CONF_MIN_TEMP: 25, CONF_MAX_TEMP: 18, CONF_TEMP_STEP: "1.0"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_MIN_TEMP: 18, CONF_MAX_TEMP: 28, CONF_TEMP_STEP: "1.0"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    state = hass.states.get(entity(hass, CLIMATE_DOMAIN))
    assert state.attributes[ATTR_MIN_TEMP] == 18
    assert state.attributes[ATTR_MAX_TEMP] == 28
