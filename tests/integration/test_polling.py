"""Requests per poll at steady state, counted by the simulated adapters (never timed)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.kumo_momit.kumo_ha.settings import KUMO_SETTINGS, KumoSettings
from simulators.kumo_unit import KumoUnitSimulator

from .conftest import BEDROOM, LIVING_ROOM, STATION

POLL_INTERVAL_S = 60
POLLS_PER_HOUR = 3600 // POLL_INTERVAL_S


class FakeClock:
    """Monotonic seconds that the test advances (an hour of polls in milliseconds)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_an_hour_of_polls_costs_one_status_read_each(
    hass: HomeAssistant,
    kumo_units: KumoUnitSimulator,
    kumo_entry: MockConfigEntry,
) -> None:
    """Steady state is one status read per poll; profile/adapter every 30 min, sensors 5 min."""
    clock = FakeClock()
    hass.data[KUMO_SETTINGS] = KumoSettings(clock=clock)
    assert await hass.config_entries.async_setup(kumo_entry.entry_id)
    await hass.async_block_till_done()
    for unit in kumo_units.units.values():
        unit.reset_records()
    runtime = kumo_entry.runtime_data
    for _ in range(POLLS_PER_HOUR):
        clock.now += POLL_INTERVAL_S
        for coordinator in runtime.coordinators:
            await coordinator.async_refresh()
    await hass.async_block_till_done()

    living, bedroom = kumo_units.unit(LIVING_ROOM), kumo_units.unit(BEDROOM)
    assert living.counts["status"] == bedroom.counts["status"] == POLLS_PER_HOUR
    # Bedroom (no accessories): profile + adapter status re-read twice an hour, in one request.
    assert bedroom.request_count == POLLS_PER_HOUR + 2
    # Living Room (wireless sensor): sensors every 5 min, combined with the 30-min reads.
    assert living.request_count == POLLS_PER_HOUR + 12
    assert living.request_count <= 75  # issue target: ≤ 75 requests per unit per hour
    # Station: the outdoor temperature each poll, plus its adapter status twice an hour.
    assert kumo_units.unit(STATION).request_count == POLLS_PER_HOUR + 2
    assert all(not unit.overlaps for unit in kumo_units.units.values())
