"""What regulating on a Home Assistant sensor costs the adapter: requests per hour per unit.

Runs a real `HomeAssistant` core in this process with the Kumo simulators on loopback (as
`bench/ha_paths.py` does) and simulates one hour per scenario: the poll every 60 s (the pollers'
clock is simulated), the feed's keep-alive every 20 s, and the sensor changing at a given rate.
The Living Room (wireless sensor, 72 requests per hour on its own) is measured.

    .venv/bin/python -m bench.room_sensor

Numbers only; the test suite asserts the behaviour (tests/kumo_ha/test_room_sensor.py).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from unittest.mock import patch

from aiohttp.resolver import AsyncResolver
from homeassistant import loader
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import async_test_home_assistant

from bench.ha_paths import FakeClock, demo_kumo_entry
from custom_components.kumo_momit.kumo_ha.const import CONF_ROOM_SENSORS
from custom_components.kumo_momit.kumo_ha.settings import KUMO_SETTINGS, KumoSettings
from simulators.kumo_unit import KumoUnitSimulator
from simulators.kumo_units import demo_units

LIVING_ROOM = demo_units()[0].serial
SOFA = "sensor.sofa_temperature"
HOUR_S = 3600
STEP_S = 10


def _set_sofa(hass: HomeAssistant, celsius: float) -> None:
    attributes = {"device_class": "temperature", "unit_of_measurement": "°C"}
    hass.states.async_set(SOFA, f"{celsius:.1f}", attributes)


async def one_hour(hass: HomeAssistant, change_every_s: int | None) -> dict[str, Any]:
    """One simulated hour of the Living Room; with a sensor unless `change_every_s` is None."""
    clock = FakeClock()
    hass.data[KUMO_SETTINGS] = KumoSettings(clock=clock)
    with_sensor = change_every_s is not None
    async with KumoUnitSimulator(demo_units(), room_drift=False) as units:
        _set_sofa(hass, 21.0)
        options = {CONF_ROOM_SENSORS: {LIVING_ROOM: SOFA}} if with_sensor else {}
        entry = demo_kumo_entry(units, options)
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await asyncio.sleep(2)  # the confirming read after switching to the sensor
        await hass.async_block_till_done(wait_background_tasks=True)
        unit = units.unit(LIVING_ROOM)
        unit.reset_records()
        coordinator = entry.runtime_data.indoor_units[LIVING_ROOM]
        feed = entry.runtime_data.room_sensors.get(LIVING_ROOM)
        for second in range(STEP_S, HOUR_S + 1, STEP_S):
            clock.now += STEP_S
            if change_every_s and second % change_every_s == 0:
                _set_sofa(hass, 21.0 + (second // change_every_s) % 2 / 2)
            if feed is not None and second % 20 == 0:
                feed.async_tick()
            if second % 60 == 0:
                await coordinator.async_refresh()
            await hass.async_block_till_done(wait_background_tasks=True)
        row = {
            "changes": 0 if not change_every_s else HOUR_S // change_every_s,
            "requests": unit.request_count,
            "writes": unit.counts["write"],
            "reads": unit.request_count - unit.counts["write"],
            "max_in_flight": unit.max_in_flight,
            "active": unit.status["activeThermistor"],
        }
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        await hass.config_entries.async_remove(entry.entry_id)
    return row


async def main() -> None:
    """Baseline, then a sensor changing every 5 minutes and every 30 seconds."""
    # The change→send gap (5 s) is wall-clock time; the simulated changes here are at least
    # 30 s apart, so it never applies to them: let changes go out as they would in real time.
    with (
        patch(
            "homeassistant.helpers.aiohttp_client._async_make_resolver",
            return_value=AsyncResolver(),
        ),
        patch(
            "custom_components.kumo_momit.kumo_ha.room_sensor.ROOM_SENSOR_MIN_GAP",
            timedelta(0),
        ),
    ):
        async with async_test_home_assistant() as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            rows = {
                "own sensor (baseline)": await one_hour(hass, None),
                "HA sensor, changes every 5 min": await one_hour(hass, 300),
                "HA sensor, changes every 30 s": await one_hour(hass, 30),
            }
            await hass.async_stop(force=True)
    baseline = rows["own sensor (baseline)"]["requests"]
    print("Living Room, one simulated hour (poll every 60 s, keep-alive every 20 s):")
    print("| scenario | sensor changes | requests | reads | writes | extra vs own sensor |")
    print("|---|---|---|---|---|---|")
    for name, row in rows.items():
        print(
            f"| {name} | {row['changes']} | {row['requests']} | {row['reads']} |"
            f" {row['writes']} | {row['requests'] - baseline:+d} |"
        )
    print(f"max requests in flight: {max(row['max_in_flight'] for row in rows.values())}")
    print(f"source in effect at the end: {[row['active'] for row in rows.values()]}")


if __name__ == "__main__":
    asyncio.run(main())
