"""Kumo coordinators: polling cost, riding through a missed poll, failure kinds, the write path."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.climate import (
    ATTR_FAN_MODE,
    ATTR_HVAC_MODE,
    ATTR_SWING_MODE,
    SERVICE_SET_FAN_MODE,
    SERVICE_SET_HVAC_MODE,
    SERVICE_SET_SWING_MODE,
    HVACMode,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.kumo_momit.kumo_ha.settings import KUMO_SETTINGS, KumoSettings
from simulators.kumo_unit import KumoUnitSimulator
from tests.ha import assert_readable, call_climate

from .conftest import BEDROOM, LIVING_ROOM, STATION

LIVING = "climate.living_room"
BED = "climate.bedroom"
POLL_INTERVAL_S = 60
POLLS_PER_HOUR = 3600 // POLL_INTERVAL_S


class FakeClock:
    """Monotonic seconds that the test advances (an hour of polls in milliseconds)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def poll(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    """One poll of the Bedroom; what its climate entity shows after it."""
    await entry.runtime_data.indoor_units[BEDROOM].async_refresh()
    await hass.async_block_till_done()
    return hass.states.get(BED).state


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


async def test_burst_of_commands_is_confirmed_by_one_read(
    hass: HomeAssistant,
    kumo_units: KumoUnitSimulator,
    setup_kumo: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Three commands in a row, then one debounced status read confirms them all."""
    unit = kumo_units.unit(LIVING_ROOM)
    await call_climate(hass, SERVICE_SET_HVAC_MODE, LIVING, **{ATTR_HVAC_MODE: HVACMode.COOL})
    await call_climate(hass, SERVICE_SET_FAN_MODE, LIVING, **{ATTR_FAN_MODE: "powerful"})
    await call_climate(hass, SERVICE_SET_SWING_MODE, LIVING, **{ATTR_SWING_MODE: "swing"})
    unit.reset_records()
    freezer.tick(2)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert unit.counts["status"] == 1
    assert unit.counts["write"] == 0
    state = hass.states.get(LIVING)
    assert state.state == "cool"
    assert state.attributes[ATTR_FAN_MODE] == "powerful"
    assert state.attributes[ATTR_SWING_MODE] == "swing"


async def test_unavailable_after_repeated_failures_and_back(
    hass: HomeAssistant,
    kumo_units: KumoUnitSimulator,
    setup_kumo: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One missed poll is ridden through; the second makes it unavailable; it comes back."""
    unit = kumo_units.unit(LIVING_ROOM)
    coordinator = setup_kumo.runtime_data.indoor_units[LIVING_ROOM]
    await unit.go_offline()

    async def poll() -> None:
        await coordinator.async_refresh()
        await hass.async_block_till_done()

    await poll()
    assert hass.states.get(LIVING).state == "off"
    await poll()
    assert hass.states.get(LIVING).state == "unavailable"
    await poll()
    assert hass.states.get(LIVING).state == "unavailable"
    await unit.go_online()
    await poll()
    assert hass.states.get(LIVING).state == "off"
    # Logged once when it went, once when it came back.
    assert caplog.text.count("Error fetching Kumo Living Room data") == 1
    assert caplog.text.count("Fetching Kumo Living Room data recovered") == 1


@pytest.mark.parametrize("fault", ["auth_error", "malformed_json"])
async def test_persistent_fault_makes_the_unit_unavailable_then_it_recovers(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry, fault: str
) -> None:
    """Stale keys or garbage replies: one poll ridden through, then unavailable, then back."""
    unit = kumo_units.unit(BEDROOM)
    setattr(unit.faults, fault, 1000)
    assert await poll(hass, setup_kumo) == "off"
    assert await poll(hass, setup_kumo) == "unavailable"
    unit.faults.clear()
    assert await poll(hass, setup_kumo) == "off"


@pytest.mark.parametrize("fault", ["no_memory", "serializer_error"])
async def test_out_of_memory_adapter_gets_one_reboot_request(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry, fault: str
) -> None:
    """Memory errors: one reboot request per 30 minutes at most, never a storm of them."""
    unit = kumo_units.unit(BEDROOM)
    unit.reset_records()
    setattr(unit.faults, fault, 1000)
    states = [await poll(hass, setup_kumo) for _ in range(3)]
    assert states == ["off", "unavailable", "unavailable"]
    assert len(unit.bodies("reboot")) == 1
    unit.faults.clear()
    assert await poll(hass, setup_kumo) == "off"


async def test_poll_failure_kinds_are_reported(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """After repeated failed polls the coordinator error names the kind of failure."""
    coordinator = setup_kumo.runtime_data.indoor_units[BEDROOM]
    kumo_units.unit(BEDROOM).faults.auth_error = 100
    await coordinator.async_refresh()
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    assert coordinator.last_exception is not None
    assert coordinator.last_exception.translation_key == "kumo_auth_failed"
    kumo_units.unit(BEDROOM).faults.clear()


async def test_command_to_an_unreachable_unit_is_a_clear_error(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, setup_kumo: MockConfigEntry
) -> None:
    """A failed command raises a translated HomeAssistantError naming the unit."""
    await kumo_units.unit(LIVING_ROOM).go_offline()
    with pytest.raises(HomeAssistantError) as err:
        await call_climate(hass, SERVICE_SET_HVAC_MODE, LIVING, **{ATTR_HVAC_MODE: HVACMode.COOL})
    assert err.value.translation_key == "kumo_unreachable_command"
    assert "Living Room" in str(err.value)
    assert_readable(str(err.value))
    assert hass.states.get(LIVING).state == "off"


@pytest.mark.parametrize(
    ("fault", "key"),
    [
        ("auth_error", "kumo_auth_failed_command"),
        ("serializer_error", "kumo_adapter_busy_command"),
        ("set_out_of_bounds", "kumo_command_rejected_command"),
    ],
)
async def test_each_failure_kind_has_its_own_message(
    hass: HomeAssistant,
    kumo_units: KumoUnitSimulator,
    setup_kumo: MockConfigEntry,
    fault: str,
    key: str,
) -> None:
    """Stale keys, a busy adapter and a refused write are told apart for the user."""
    setattr(kumo_units.unit(BEDROOM).faults, fault, 10)
    with pytest.raises(HomeAssistantError) as err:
        await call_climate(hass, SERVICE_SET_HVAC_MODE, BED, **{ATTR_HVAC_MODE: HVACMode.COOL})
    assert err.value.translation_key == key
    assert_readable(str(err.value))
    kumo_units.unit(BEDROOM).faults.clear()


async def test_coordinator_refuses_invalid_values(
    hass: HomeAssistant, setup_kumo: MockConfigEntry
) -> None:
    """A value the unit does not take is a ServiceValidationError from the write path."""
    coordinator = setup_kumo.runtime_data.indoor_units[BEDROOM]
    with pytest.raises(ServiceValidationError) as err:
        await coordinator.async_command(lambda device: device.set_vane_direction("swing"))
    assert err.value.translation_key == "kumo_invalid_value"
