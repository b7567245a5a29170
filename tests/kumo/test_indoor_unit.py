"""Indoor-unit poller: request economy, cadences, fallbacks, commands and their wire bodies."""

from __future__ import annotations

from collections.abc import Callable
import json
import logging

import pytest

from custom_components.kumo_momit.kumo import (
    FanSpeed,
    KumoAdapterBusyError,
    KumoAuthenticationError,
    KumoConnectionError,
    KumoIndoorUnit,
    KumoProtocolError,
    KumoValidationError,
    OperationMode,
    VaneDirection,
    kumo_token,
)
from simulators.kumo_unit import KumoUnitSimulator

from .conftest import BEDROOM, FOUR_SPEED, LIVING_ROOM, FakeClock

MakeUnit = Callable[..., KumoIndoorUnit]

STATUS_BODY = b'{"c":{"indoorUnit":{"status":{}}}}'
FIRST_INFO_BODY = (
    b'{"c":{"indoorUnit":{"profile":{}},"adapter":{"status":{}},"sensors":{},"mhk2":{"status":{}}}}'
)
REBOOT_BODY = b'{"c":{"adapter":{"status":{"runState":"reboot"}}}}'
MINUTE = 60.0


def status_write(**values: object) -> bytes:
    """The compact body of a status write."""
    return json.dumps({"c": {"indoorUnit": {"status": values}}}, separators=(",", ":")).encode()


# --- polling ---------------------------------------------------------------------------------


async def test_first_poll_reads_everything_then_one_request_per_poll(
    sim: KumoUnitSimulator, make_unit: MakeUnit, clock: FakeClock
) -> None:
    """Start: status + one combined read of profile, adapter, sensors, MHK2. Then 1 per poll."""
    unit = make_unit()
    state = await unit.async_update()
    sim_unit = sim.unit(LIVING_ROOM)
    assert sim_unit.bodies() == [STATUS_BODY, FIRST_INFO_BODY]
    assert state.status.mode is OperationMode.OFF
    assert state.capabilities.modes[-1] is OperationMode.AUTO
    assert state.sensors[0].humidity == 45.5
    assert state.humidity == 45.5
    assert state.mhk2 is None
    assert state.wifi_rssi == -52
    sim_unit.reset_records()
    for _ in range(4):
        clock.advance(MINUTE)
        await unit.async_update()
    assert sim_unit.bodies() == [STATUS_BODY] * 4
    assert unit.state is not None
    assert unit.capabilities is state.capabilities or unit.capabilities == state.capabilities


async def test_an_hour_of_polls_stays_within_75_requests(
    sim: KumoUnitSimulator, make_unit: MakeUnit, clock: FakeClock
) -> None:
    """60 polls at 60 s: 60 status, 2 combined info reads (start, 30 min; the one at 30 min
    also carries the sensor re-read) and 10 more sensor re-reads = 72."""
    unit = make_unit()
    for _ in range(60):
        await unit.async_update()
        clock.advance(MINUTE)
    counts = sim.unit(LIVING_ROOM).counts
    assert sim.unit(LIVING_ROOM).request_count == 72
    assert counts["status"] == 60
    assert counts["profile"] == 2  # start and 30 min
    assert counts["adapter"] == 2
    assert counts["sensors"] == 12  # every 5 min
    assert counts["mhk2"] == 2  # discovery at start and re-check with the 30-min info read
    assert counts["per-attribute"] == 0


async def test_sensor_cadence(
    sim: KumoUnitSimulator, make_unit: MakeUnit, clock: FakeClock
) -> None:
    """A unit with a wireless sensor re-reads it (alone) every 5 minutes."""
    unit = make_unit()
    await unit.async_update()
    sim_unit = sim.unit(LIVING_ROOM)
    sim_unit.reset_records()
    sim_unit.tree["sensors"]["0"]["humidity"] = 50.0
    clock.advance(4 * MINUTE)
    assert (await unit.async_update()).humidity == 45.5
    clock.advance(MINUTE)
    state = await unit.async_update()
    assert state.humidity == 50.0
    assert sim_unit.bodies() == [STATUS_BODY, STATUS_BODY, b'{"c":{"sensors":{}}}']


async def test_unit_without_accessories_rechecks_only_with_info(
    sim: KumoUnitSimulator, make_unit: MakeUnit, clock: FakeClock
) -> None:
    """No sensor / MHK2: nothing but status until the 30-min info read re-checks them."""
    unit = make_unit(BEDROOM)
    await unit.async_update()
    sim_unit = sim.unit(BEDROOM)
    sim_unit.reset_records()
    for _ in range(29):
        clock.advance(MINUTE)
        await unit.async_update()
    assert sim_unit.counts == {"status": 29}
    clock.advance(MINUTE)
    await unit.async_update()
    assert sim_unit.bodies()[-1] == FIRST_INFO_BODY


async def test_mhk2_unit(sim: KumoUnitSimulator, make_unit: MakeUnit, clock: FakeClock) -> None:
    """An MHK2 is found at the first read and re-read every 5 min; its humidity is used."""
    unit = make_unit(FOUR_SPEED)
    state = await unit.async_update()
    assert state.mhk2 is not None
    assert state.humidity == 41.0
    assert state.sensors == ()
    sim_unit = sim.unit(FOUR_SPEED)
    sim_unit.reset_records()
    clock.advance(5 * MINUTE)
    await unit.async_update()
    assert sim_unit.bodies() == [STATUS_BODY, b'{"c":{"mhk2":{"status":{}}}}']


async def test_info_refreshed_after_an_error(
    sim: KumoUnitSimulator, make_unit: MakeUnit, clock: FakeClock
) -> None:
    """A failed poll makes the next good one re-read profile and adapter status."""
    unit = make_unit(BEDROOM)
    await unit.async_update()
    sim_unit = sim.unit(BEDROOM)
    sim_unit.faults.malformed_json = 1
    sim_unit.faults.scripted_replies.append(b"{}")
    with pytest.raises(KumoProtocolError):
        await unit.async_update()
    sim_unit.reset_records()
    clock.advance(MINUTE)
    await unit.async_update()
    assert sim_unit.bodies() == [STATUS_BODY, FIRST_INFO_BODY]


async def test_firmware_without_combined_reads(
    sim: KumoUnitSimulator, make_unit: MakeUnit, clock: FakeClock
) -> None:
    """If the adapter answers only the first node, read nodes one by one from then on."""
    sim_unit = sim.unit(LIVING_ROOM)
    sim_unit.multi_node_reads = False
    unit = make_unit()
    state = await unit.async_update()
    assert state.profile.number_of_fan_speeds == 5
    assert state.sensors
    assert sim_unit.bodies() == [
        STATUS_BODY,
        FIRST_INFO_BODY,
        b'{"c":{"adapter":{"status":{}}}}',
        b'{"c":{"sensors":{}}}',
        b'{"c":{"mhk2":{"status":{}}}}',
    ]
    sim_unit.reset_records()
    clock.advance(30 * MINUTE)
    await unit.async_update()
    assert sim_unit.bodies() == [
        STATUS_BODY,
        b'{"c":{"indoorUnit":{"profile":{}}}}',
        b'{"c":{"adapter":{"status":{}}}}',
        b'{"c":{"sensors":{}}}',
        b'{"c":{"mhk2":{"status":{}}}}',
    ]


async def test_combined_read_too_big_falls_back(
    sim: KumoUnitSimulator, make_unit: MakeUnit
) -> None:
    """A combined reply the adapter cannot build: read the nodes one by one, no reboot."""
    sim_unit = sim.unit(LIVING_ROOM)
    sim_unit.faults.max_reply_bytes = 1000
    state = await make_unit().async_update()
    assert state.profile.has_vane_dir
    assert sim_unit.counts["profile"] == 2
    assert sim_unit.reboots == 0


async def test_first_poll_fails_without_profile(
    sim: KumoUnitSimulator, make_unit: MakeUnit
) -> None:
    """Capabilities cannot be derived without a profile: the first poll fails."""
    sim_unit = sim.unit(LIVING_ROOM)
    sim_unit.faults.scripted_replies += [
        b'{"r":{"indoorUnit":{"status":{"mode":"off"}}}}',
        b'{"r":{"adapter":{"status":{}},"sensors":{},"mhk2":null}}',  # profile left out
        b'{"r":{"indoorUnit":{"profile":{}}}}',
    ]
    unit = make_unit()
    with pytest.raises(KumoProtocolError, match="profile"):
        await unit.async_update()
    assert unit.state is None
    assert sim_unit.request_count == 3


async def test_optional_read_failure_keeps_last_values(
    sim: KumoUnitSimulator, make_unit: MakeUnit, clock: FakeClock
) -> None:
    """A failing 30-min info read does not fail the poll; capabilities stay; retried in 5 min."""
    unit = make_unit(BEDROOM)
    first = await unit.async_update()
    sim_unit = sim.unit(BEDROOM)
    sim_unit.reset_records()
    clock.advance(30 * MINUTE)
    auth_error = b'{"_api_error":"device_authentication_error"}'
    sim_unit.faults.scripted_replies += [
        json.dumps({"r": {"indoorUnit": {"status": sim_unit.status}}}).encode(),
        auth_error,
        auth_error,
    ]
    state = await unit.async_update()
    assert state.capabilities == first.capabilities
    assert sim_unit.request_count == 3
    clock.advance(MINUTE)
    await unit.async_update()
    assert sim_unit.request_count == 4  # not retried on every poll
    clock.advance(4 * MINUTE)
    await unit.async_update()
    assert sim_unit.bodies()[-1] == FIRST_INFO_BODY


async def test_capabilities_never_shrink_on_partial_replies(
    sim: KumoUnitSimulator, make_unit: MakeUnit, clock: FakeClock
) -> None:
    """A reply missing a flag keeps the known value; an explicit change is honoured."""
    unit = make_unit(BEDROOM)
    assert OperationMode.HEAT in (await unit.async_update()).capabilities.modes
    adapter = sim.unit(BEDROOM).adapter_status
    del adapter["userHasModeHeat"]
    clock.advance(30 * MINUTE)
    assert OperationMode.HEAT in (await unit.async_update()).capabilities.modes
    adapter["userHasModeHeat"] = False
    clock.advance(30 * MINUTE)
    assert OperationMode.HEAT not in (await unit.async_update()).capabilities.modes


async def test_busy_status_read_falls_back_to_attributes(
    sim: KumoUnitSimulator, make_unit: MakeUnit, clock: FakeClock
) -> None:
    """Whole-node read too big: 12 attribute reads, state complete, one rate-limited reboot."""
    unit = make_unit(BEDROOM)
    await unit.async_update()
    sim_unit = sim.unit(BEDROOM)
    sim_unit.set_room_temperature(23.0)
    sim_unit.faults.max_reply_bytes = 120
    sim_unit.reset_records()
    clock.advance(MINUTE)
    state = await unit.async_update()
    assert state.status.room_temp == 23.0
    assert state.status.mode is OperationMode.OFF
    bodies = sim_unit.bodies()
    assert bodies[0] == STATUS_BODY
    assert bodies[1] == b'{"c":{"indoorUnit":{"status":{"mode":{}}}}}'
    assert sim_unit.counts["per-attribute"] == 12
    assert bodies[-1] == REBOOT_BODY
    assert sim_unit.reboots == 1
    # The reboot cured the adapter (memory model): profile re-read, then one request per poll.
    sim_unit.reset_records()
    clock.advance(MINUTE)
    await unit.async_update()
    assert sim_unit.bodies() == [STATUS_BODY, FIRST_INFO_BODY]
    clock.advance(MINUTE)
    await unit.async_update()
    assert sim_unit.bodies()[-1] == STATUS_BODY
    assert sim_unit.request_count == 3


async def test_attribute_fallback_is_bounded_when_still_busy(
    sim: KumoUnitSimulator, make_unit: MakeUnit, clock: FakeClock
) -> None:
    """Busy again on the first attribute: reboot (if due) and raise; a few requests at most."""
    unit = make_unit(BEDROOM)
    await unit.async_update()
    sim_unit = sim.unit(BEDROOM)
    sim_unit.faults.reboot_clears_memory_faults = False
    sim_unit.faults.no_memory = 1000
    sim_unit.reset_records()
    with pytest.raises(KumoAdapterBusyError) as info:
        await unit.async_update()
    assert info.value.reboot_requested
    assert sim_unit.request_count == 3  # status, first attribute, reboot
    sim_unit.reset_records()
    clock.advance(MINUTE)
    with pytest.raises(KumoAdapterBusyError) as info:
        await unit.async_update()
    assert not info.value.reboot_requested
    assert sim_unit.request_count == 2


async def test_attribute_fallback_after_bad_reply(
    sim: KumoUnitSimulator, make_unit: MakeUnit
) -> None:
    """An empty reply also triggers attribute reads (pykumo's fallback); no reboot for it."""
    unit = make_unit(BEDROOM)
    await unit.async_update()
    sim_unit = sim.unit(BEDROOM)
    sim_unit.reset_records()
    sim_unit.faults.scripted_replies += [b'{"r":{"indoorUnit":{"status":{}}}}']
    state = await unit.async_update()
    assert state.status.mode is OperationMode.OFF
    assert sim_unit.counts["per-attribute"] == 12
    assert sim_unit.reboots == 0


async def test_attribute_fallback_without_mode_raises(
    sim: KumoUnitSimulator, make_unit: MakeUnit
) -> None:
    """If even `mode` cannot be read, the original error is raised."""
    unit = make_unit(BEDROOM)
    await unit.async_update()
    sim_unit = sim.unit(BEDROOM)
    sim_unit.faults.scripted_replies += [b"{}", b'{"r":{"indoorUnit":{"status":{}}}}'] + [b"x"] * 11
    with pytest.raises(KumoProtocolError, match="without 'r'"):
        await unit.async_update()


@pytest.mark.parametrize(
    ("fault", "error"),
    [("auth_error", KumoAuthenticationError), ("no_answer", KumoConnectionError)],
)
async def test_poll_errors_propagate(
    sim: KumoUnitSimulator, make_unit: MakeUnit, fault: str, error: type[Exception]
) -> None:
    """Auth and connection errors fail the poll without attribute reads."""
    sim_unit = sim.unit(BEDROOM)
    setattr(sim_unit.faults, fault, 10 if fault == "auth_error" else True)
    with pytest.raises(error):
        await make_unit(BEDROOM).async_update()
    assert sim_unit.counts["per-attribute"] == 0
    assert sim_unit.request_count <= 2


# --- commands --------------------------------------------------------------------------------


async def test_command_wire_bodies(sim: KumoUnitSimulator, make_unit: MakeUnit) -> None:
    """Each command sends one compact body with the wire vocabulary."""
    unit = make_unit()
    await unit.async_update()
    sim_unit = sim.unit(LIVING_ROOM)
    sim_unit.reset_records()
    await unit.set_mode(OperationMode.HEAT)
    await unit.set_mode("cool")
    await unit.set_heat_setpoint(21.26)
    await unit.set_heat_setpoint(20)
    await unit.set_cool_setpoint(23.5)
    await unit.set_fan_speed(FanSpeed.SUPER_QUIET)
    await unit.set_fan_speed("auto")
    await unit.set_vane_direction(VaneDirection.SWING)
    await unit.set_vane_direction("midpoint")
    await unit.reboot()
    assert sim_unit.bodies() == [
        status_write(mode="heat"),
        status_write(mode="cool"),
        status_write(spHeat=21.5),
        status_write(spHeat=20),
        status_write(spCool=23.5),
        status_write(fanSpeed="superQuiet"),
        status_write(fanSpeed="auto"),
        status_write(vaneDir="swing"),
        status_write(vaneDir="midpoint"),
        REBOOT_BODY,
    ]
    assert b'"spHeat":20}' in sim_unit.bodies()[3]  # whole degrees as integers (kumojs)
    status = sim_unit.status
    assert (status["mode"], status["spHeat"], status["spCool"]) == ("cool", 20, 23.5)
    assert (status["fanSpeed"], status["vaneDir"]) == ("auto", "midpoint")
    assert all(r.authorized for r in sim_unit.requests)


async def test_mode_and_setpoints_in_one_body_is_the_token_vector(
    sim: KumoUnitSimulator, make_unit: MakeUnit
) -> None:
    """`set_mode_and_setpoints("auto", 20.5, 24)` sends exactly the vector body."""
    unit = make_unit()
    await unit.async_update()
    sim_unit = sim.unit(LIVING_ROOM)
    sim_unit.reset_records()
    state = await unit.set_mode_and_setpoints("auto", heat=20.5, cool=24)
    body = b'{"c":{"indoorUnit":{"status":{"mode":"auto","spHeat":20.5,"spCool":24}}}}'
    assert sim_unit.bodies() == [body]
    # The vector's token for these bytes (kumo-token-vectors.json) matches our algorithm.
    assert (
        kumo_token("g0BQMIWy1qNwJx6QCHOUM/zRgulTZoILRKczSr16", "ede4813e97d19960cf", body)
        == "166ae55dbb9f7d1394ff55579d487867a8b2c5d9400b9ec80c3f688ec631db5a"
    )
    assert state.status.mode is OperationMode.AUTO
    assert (state.status.sp_heat, state.status.sp_cool) == (20.5, 24.0)
    await unit.set_mode_and_setpoints(OperationMode.HEAT)
    assert sim_unit.bodies()[-1] == status_write(mode="heat")


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        # Clamped to the heat range (10-31) and cool range (16-31) of the Living Room.
        (("heat", 35.0, None), {"mode": "heat", "spHeat": 31}),
        (("heat", 5.0, None), {"mode": "heat", "spHeat": 10}),
        (("cool", None, 12.2), {"mode": "cool", "spCool": 16}),
        # Auto: cool is raised to heat when both are given the wrong way round.
        (("auto", 25.0, 22.0), {"mode": "auto", "spHeat": 25, "spCool": 25}),
        # Auto: heat alone above the current cool (24) pushes cool up.
        (("auto", 26.0, None), {"mode": "auto", "spHeat": 26, "spCool": 26}),
        # Auto: cool alone below the current heat (21) pushes heat down.
        (("auto", None, 19.0), {"mode": "auto", "spHeat": 19, "spCool": 19}),
        # Auto: the heat floor is the auto minimum (16), not the heat minimum (10).
        (("auto", 12.0, 22.0), {"mode": "auto", "spHeat": 16, "spCool": 22}),
    ],
)
async def test_setpoints_rounded_and_clamped(
    sim: KumoUnitSimulator,
    make_unit: MakeUnit,
    call: tuple[str, float | None, float | None],
    expected: dict[str, object],
) -> None:
    """§8.2 limits per target mode; in auto spCool ≥ spHeat."""
    unit = make_unit()
    await unit.async_update()
    sim.unit(LIVING_ROOM).reset_records()
    mode, heat, cool = call
    await unit.set_mode_and_setpoints(mode, heat=heat, cool=cool)
    assert sim.unit(LIVING_ROOM).bodies() == [status_write(**expected)]


async def test_single_setpoints_in_auto_keep_the_order(
    sim: KumoUnitSimulator, make_unit: MakeUnit
) -> None:
    """In auto, set_heat_setpoint above spCool moves both; set_cool_setpoint likewise."""
    unit = make_unit()
    await unit.async_update()
    await unit.set_mode("auto")
    sim_unit = sim.unit(LIVING_ROOM)
    sim_unit.reset_records()
    state = await unit.set_heat_setpoint(25)
    assert (state.status.sp_heat, state.status.sp_cool) == (25.0, 25.0)
    await unit.set_cool_setpoint(22)
    await unit.set_cool_setpoint(30)
    assert sim_unit.bodies() == [
        status_write(spHeat=25, spCool=25),
        status_write(spHeat=22, spCool=22),
        status_write(spCool=30),
    ]


async def test_user_limits_clamp_setpoints(sim: KumoUnitSimulator, make_unit: MakeUnit) -> None:
    """userMaxHeatSetPoint / userMinCoolSetPoint narrow what is sent."""
    adapter = sim.unit(LIVING_ROOM).adapter_status
    adapter["userMaxHeatSetPoint"] = 24
    adapter["userMinCoolSetPoint"] = 20
    unit = make_unit()
    await unit.async_update()
    sim.unit(LIVING_ROOM).reset_records()
    await unit.set_heat_setpoint(27)
    await unit.set_cool_setpoint(18)
    assert sim.unit(LIVING_ROOM).bodies() == [status_write(spHeat=24), status_write(spCool=20)]


@pytest.mark.parametrize(
    ("serial", "command", "argument"),
    [
        (BEDROOM, "set_mode", "auto"),  # auto prevented and no auto limits
        (LIVING_ROOM, "set_mode", "autoHeat"),  # read-only report
        (LIVING_ROOM, "set_mode", "turbo"),
        (FOUR_SPEED, "set_fan_speed", "low"),  # 4-speed units spell it `Low`
        (LIVING_ROOM, "set_fan_speed", "Low"),
        (LIVING_ROOM, "set_fan_speed", "medium"),
        (BEDROOM, "set_vane_direction", "auto"),  # no vane control
        (FOUR_SPEED, "set_vane_direction", "swing"),  # vane without swing
        (LIVING_ROOM, "set_vane_direction", "left"),
        (LIVING_ROOM, "set_heat_setpoint", float("nan")),
        (LIVING_ROOM, "set_cool_setpoint", "22"),
        (LIVING_ROOM, "set_cool_setpoint", True),
    ],
)
async def test_validation_before_sending(
    sim: KumoUnitSimulator, make_unit: MakeUnit, serial: str, command: str, argument: object
) -> None:
    """Vocabulary outside the unit's capabilities raises before anything is sent."""
    unit = make_unit(serial)
    await unit.async_update()
    sim.unit(serial).reset_records()
    with pytest.raises(KumoValidationError) as info:
        await getattr(unit, command)(argument)
    assert isinstance(info.value, ValueError)
    assert sim.unit(serial).request_count == 0


async def test_four_speed_unit_accepts_capital_low(
    sim: KumoUnitSimulator, make_unit: MakeUnit
) -> None:
    """`Low` goes out as spelled."""
    unit = make_unit(FOUR_SPEED)
    await unit.async_update()
    sim.unit(FOUR_SPEED).reset_records()
    state = await unit.set_fan_speed("Low")
    assert sim.unit(FOUR_SPEED).bodies() == [status_write(fanSpeed="Low")]
    assert state.status.fan_speed is FanSpeed.LOW_FOUR_SPEED


async def test_command_before_first_poll_polls_once(
    sim: KumoUnitSimulator, make_unit: MakeUnit
) -> None:
    """Capabilities are needed to validate, so a command on a fresh unit polls first."""
    unit = make_unit()
    await unit.set_mode("heat")
    assert sim.unit(LIVING_ROOM).bodies() == [
        STATUS_BODY,
        FIRST_INFO_BODY,
        status_write(mode="heat"),
    ]


async def test_optimistic_state_survives_stale_reads(
    sim: KumoUnitSimulator, make_unit: MakeUnit, clock: FakeClock
) -> None:
    """Writes apply late and echo the old value (§2.2): the new value shows at once and
    a status read that still has the old one does not flip it back; the device confirms later."""
    sim_unit = sim.unit(LIVING_ROOM)
    sim_unit.write_delay = 5.0
    unit = make_unit()
    await unit.async_update()
    state = await unit.set_mode("heat")
    assert state.status.mode is OperationMode.HEAT
    assert unit.state is state
    assert sim_unit.status["mode"] == "off"  # not applied yet
    clock.advance(2)
    assert (await unit.async_update()).status.mode is OperationMode.HEAT  # stale read ignored
    clock.advance(4)
    assert sim_unit.status["mode"] == "heat"
    assert (await unit.async_update()).status.mode is OperationMode.HEAT


async def test_optimistic_value_expires_if_never_applied(
    sim: KumoUnitSimulator, make_unit: MakeUnit, clock: FakeClock
) -> None:
    """A write the adapter silently dropped shows the device's truth after the hold."""
    sim_unit = sim.unit(LIVING_ROOM)
    sim_unit.write_delay = 10_000.0
    unit = make_unit(optimistic_hold=15.0)
    await unit.async_update()
    await unit.set_fan_speed("quiet")
    clock.advance(16)
    assert (await unit.async_update()).status.fan_speed is FanSpeed.AUTO


async def test_failed_command_changes_nothing(sim: KumoUnitSimulator, make_unit: MakeUnit) -> None:
    """A rejected write raises and leaves the cached state alone."""
    unit = make_unit()
    before = await unit.async_update()
    sim.unit(LIVING_ROOM).faults.set_out_of_bounds = 1
    with pytest.raises(KumoProtocolError):
        await unit.set_cool_setpoint(22)
    assert unit.state == before


async def test_no_secrets_in_logs(
    sim: KumoUnitSimulator, make_unit: MakeUnit, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Password, crypto serial and tokens never reach the log, on good and bad paths."""
    caplog.set_level(logging.DEBUG)
    sim_unit = sim.unit(LIVING_ROOM)
    unit = make_unit()
    await unit.async_update()
    await unit.set_mode("heat")
    sim_unit.faults.auth_error = 1
    sim_unit.faults.max_reply_bytes = 120
    clock.advance(MINUTE)
    await unit.async_update()
    sim_unit.faults.auth_error = 5
    with pytest.raises(KumoAuthenticationError):
        await unit.async_update()
    await sim_unit.go_offline()
    with pytest.raises(KumoConnectionError):
        await unit.async_update()
    d = sim_unit.definition
    tokens = [kumo_token(d.password_b64, d.crypto_serial_hex, body) for body in sim_unit.bodies()]
    assert caplog.text  # something was logged at all
    for secret in [d.password_b64, d.crypto_serial_hex, d.crypto_serial_hex.upper(), *tokens]:
        assert secret not in caplog.text
    assert "Rebooting" in caplog.text


async def test_first_poll_fails_if_info_read_fails(
    sim: KumoUnitSimulator, make_unit: MakeUnit
) -> None:
    """Before anything is known, an error of the profile read fails the poll."""
    sim_unit = sim.unit(LIVING_ROOM)
    auth_error = b'{"_api_error":"device_authentication_error"}'
    sim_unit.faults.scripted_replies += [
        b'{"r":{"indoorUnit":{"status":{"mode":"off"}}}}',
        auth_error,
        auth_error,
    ]
    with pytest.raises(KumoAuthenticationError):
        await make_unit().async_update()


async def test_auto_is_confirmed_by_the_direction_the_unit_reports(
    sim: KumoUnitSimulator, make_unit: MakeUnit, clock: FakeClock
) -> None:
    """Written `auto`, the unit reports autoHeat/autoCool: the first read after the command
    shows that direction, not the optimistic `auto` (which Home Assistant shows as idle)."""
    unit = make_unit(optimistic_hold=15.0)
    await unit.async_update()
    state = await unit.set_mode_and_setpoints("auto", heat=18, cool=20)
    assert state.status.mode is OperationMode.AUTO
    clock.advance(2)
    reported = sim.unit(LIVING_ROOM).status["mode"]
    assert reported in ("autoHeat", "autoCool")
    assert (await unit.async_update()).status.mode is OperationMode(reported)
