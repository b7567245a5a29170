"""Parsing of node payloads and validation/encoding of commands (no network)."""

from __future__ import annotations

import math

import pytest

from custom_components.kumo_momit.momit import (
    AcCommand,
    AcMode,
    AcOutput,
    AcState,
    CommandLimits,
    MomitProtocolError,
    MomitValidationError,
    RoomReading,
)
from custom_components.kumo_momit.momit.models import parse_key_values


def test_state_full_payload() -> None:
    state = AcState.from_payload(b"cm=heat,t=1335,sp=210,out=heat")
    assert state.output is AcOutput.HEAT
    assert state.mode is AcMode.HEAT
    assert state.timer_minutes == 1335
    assert state.setpoint_c == 21.0
    assert state.is_on is True


def test_state_off_and_unknown_keys_kept() -> None:
    state = AcState.from_payload(b"cm=cool,t=0,sp=off,out=off,fw=x=y,rssi=-70")
    assert state.output is AcOutput.OFF
    assert state.is_on is False
    assert state.setpoint_c is None
    # split on the FIRST "=" only; unknown keys kept for diagnostics
    assert state.fields["fw"] == "x=y"
    assert state.fields["rssi"] == "-70"


@pytest.mark.parametrize("payload", [b"cm=cool,t=5", b"out=auto", b"out=?", b"junk,out=,x"])
def test_state_missing_or_unknown_out_is_unknown_not_error(payload: bytes) -> None:
    state = AcState.from_payload(payload)
    assert state.output is AcOutput.UNKNOWN
    assert state.is_on is None


def test_state_tolerates_bad_values_and_pairs_without_equals() -> None:
    state = AcState.from_payload(b"noequals,cm=dry,t=soon,sp=abc,out=cool, bad key=1")
    assert state.output is AcOutput.COOL
    assert state.mode is None
    assert state.timer_minutes is None
    assert state.setpoint_c is None
    assert "bad key" not in state.fields


@pytest.mark.parametrize("payload", [b"", b"   ", b"garbage", b"\xff\xfe=1", b"out=\x01off"])
def test_state_malformed_raises(payload: bytes) -> None:
    with pytest.raises(MomitProtocolError):
        AcState.from_payload(payload)


def test_parse_key_values_last_wins() -> None:
    assert parse_key_values(b"a=1,a=2") == {"a": "2"}


def test_reading_triple() -> None:
    reading = RoomReading.from_payload(b"235,456,98")
    assert reading.temperature_c == 23.5
    assert reading.humidity_raw == 456
    assert reading.humidity_percent == 45.6
    assert reading.battery_percent == 98


def test_reading_negative_temperature_and_whole_percent_humidity() -> None:
    reading = RoomReading.from_payload(b"-15,55")
    assert reading.temperature_c == -1.5
    assert reading.humidity_percent == 55.0
    assert reading.battery_raw is None
    assert reading.battery_percent is None


def test_reading_units_unknown_values_are_none() -> None:
    reading = RoomReading.from_payload(b"9999,5000,2950,extra")
    assert reading.temperature_c is None  # 999.9 °C: a sensor error, not a reading
    assert reading.humidity_percent is None
    assert reading.battery_raw == 2950  # maybe millivolts: unknown, kept raw
    assert reading.battery_percent is None
    assert reading.fields[-1] == "extra"


@pytest.mark.parametrize("payload", [b"", b"abc,1,2", b"2.5,1", b"\x00"])
def test_reading_malformed_raises(payload: bytes) -> None:
    with pytest.raises(MomitProtocolError):
        RoomReading.from_payload(payload)


def test_command_payloads() -> None:
    assert AcCommand.turn_on(AcMode.COOL, 21.0).payload() == b"cm=cool,t=1440,sp=210"
    assert AcCommand.turn_on("heat", 22.46, 90).payload() == b"cm=heat,t=90,sp=225"
    assert AcCommand.turn_off().payload() == b"cm=cool,t=0,sp=off"
    assert AcCommand.turn_on(AcMode.COOL, 16.0).setpoint_c == 16.0
    assert AcCommand.turn_off().setpoint_c is None


@pytest.mark.parametrize(
    ("mode", "setpoint", "timer"),
    [
        ("auto", 21.0, None),
        ("cool,t=0", 21.0, None),
        (AcMode.COOL, 15.9, None),
        (AcMode.COOL, 30.1, None),
        (AcMode.COOL, math.nan, None),
        (AcMode.COOL, math.inf, None),
        (AcMode.COOL, True, None),
        (AcMode.COOL, "21", None),
        (AcMode.COOL, 21.0, 0),
        (AcMode.COOL, 21.0, 1441),
        (AcMode.COOL, 21.0, 10.5),
        (AcMode.COOL, 21.0, True),
    ],
)
def test_command_validation(mode: object, setpoint: object, timer: object) -> None:
    with pytest.raises(MomitValidationError) as info:
        AcCommand.turn_on(mode, setpoint, timer)  # type: ignore[arg-type]
    assert isinstance(info.value, ValueError)


def test_command_limits_configurable() -> None:
    limits = CommandLimits(min_setpoint_c=10.0, max_setpoint_c=32.0, max_timer_minutes=2880)
    assert AcCommand.turn_on(AcMode.HEAT, 10.0, 2880, limits=limits).payload() == (
        b"cm=heat,t=2880,sp=100"
    )
    with pytest.raises(MomitValidationError):
        CommandLimits(min_setpoint_c=30.0, max_setpoint_c=16.0)
    with pytest.raises(MomitValidationError):
        CommandLimits(default_timer_minutes=2000)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"mode": "cool", "timer_minutes": 10, "setpoint_tenths": 210},
        {"mode": AcMode.COOL, "timer_minutes": -1, "setpoint_tenths": 210},
        {"mode": AcMode.COOL, "timer_minutes": 5, "setpoint_tenths": None},
        {"mode": AcMode.COOL, "timer_minutes": 0, "setpoint_tenths": 210},
        {"mode": AcMode.COOL, "timer_minutes": 10, "setpoint_tenths": 21.0},
    ],
)
def test_command_invariants(kwargs: dict[str, object]) -> None:
    with pytest.raises(MomitValidationError):
        AcCommand(**kwargs)  # type: ignore[arg-type]


def test_state_reflects_command() -> None:
    on = AcCommand.turn_on(AcMode.COOL, 21.0)
    assert AcState.from_payload(b"cm=cool,t=1440,sp=210,out=cool").reflects(on)
    assert AcState.from_payload(b"out=cool").reflects(on)
    assert not AcState.from_payload(b"out=cool,sp=220").reflects(on)
    assert not AcState.from_payload(b"out=off").reflects(on)
    assert AcState.from_payload(b"out=off").reflects(AcCommand.turn_off())
