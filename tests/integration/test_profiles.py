"""Profiles the demo account does not have: a 4-speed unit and an MHK2 wall controller."""

from __future__ import annotations

import json

from homeassistant.components.climate import (
    ATTR_CURRENT_HUMIDITY,
    ATTR_FAN_MODE,
    ATTR_FAN_MODES,
    DOMAIN as CLIMATE_DOMAIN,
    SERVICE_SET_FAN_MODE,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulators.kumo_unit import KumoUnitSimulator
from simulators.kumo_units import KumoUnitDefinition, make_crypto_serial_hex, make_password_b64

FOUR_SPEED = "1A11P001Q1000004"


@pytest.fixture
def unit_definitions() -> list[KumoUnitDefinition]:
    """One 4-speed ducted unit with an MHK2 and no vane."""
    return [
        KumoUnitDefinition(
            serial=FOUR_SPEED,
            label="Office",
            mac="50:26:ef:12:34:09",
            password_b64=make_password_b64("office"),
            crypto_serial_hex=make_crypto_serial_hex("office"),
            number_of_fan_speeds=4,
            has_vane_dir=False,
            has_vane_swing=False,
            mhk2=True,
        )
    ]


async def test_four_speed_unit_with_mhk2(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """4-speed units spell low `Low` on the wire; the MHK2 gives the humidity."""
    state = hass.states.get("climate.office")
    assert state is not None
    assert state.attributes[ATTR_FAN_MODES] == [
        "quiet", "low", "powerful", "super_powerful", "auto"
    ]  # fmt: skip
    assert state.attributes[ATTR_CURRENT_HUMIDITY] is not None
    assert hass.states.get("sensor.office_humidity") is not None
    # No wireless sensor: no sensor entities for one.
    assert hass.states.get("sensor.office_wireless_sensor_battery") is None

    kumo_units.unit(FOUR_SPEED).reset_records()
    await hass.services.async_call(
        CLIMATE_DOMAIN,
        SERVICE_SET_FAN_MODE,
        {ATTR_ENTITY_ID: "climate.office", ATTR_FAN_MODE: "low"},
        blocking=True,
    )
    [body] = kumo_units.unit(FOUR_SPEED).bodies("write")
    assert json.loads(body)["c"]["indoorUnit"]["status"] == {"fanSpeed": "Low"}
    assert hass.states.get("climate.office").attributes[ATTR_FAN_MODE] == "low"
