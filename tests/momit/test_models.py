"""Parsing of node payloads and validation/encoding of commands (no network)."""

from __future__ import annotations

import math

from hypothesis import given
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
from custom_components.kumo_momit.momit.models import parse_identity_text, parse_key_values

from .conftest import MOMIT_PROPERTIES
from .strategies import identity_payloads, key_value_payloads, reading_payloads


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


# -- hostile input: typed errors only (issue 11) -----------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        b"sp=" + b"9" * 311 + b",out=cool",  # int/10 overflowed a float
        b"t=1" + b"0" * 4300 + b",out=cool",  # beyond Python's int-parsing digit limit
        b"t=-1,out=off",  # a timer cannot be negative
        b"t=65536,out=off",  # beyond 16 bits
        b"sp=1001,out=cool",  # 100.1 °C: no AC setpoint
        b"sp=-5,out=cool",
        b"sp=0000210,out=cool",  # 7 digits: not a 16-bit field
        b"out=off," + b"x" * 1024,  # longer than any node payload
    ],
)
def test_state_absurd_numbers_and_sizes_are_protocol_errors(payload: bytes) -> None:
    with pytest.raises(MomitProtocolError):
        AcState.from_payload(payload)


def test_state_numbers_at_their_limits() -> None:
    state = AcState.from_payload(b"t=65535,sp=1000,out=cool")
    assert (state.timer_minutes, state.setpoint_c) == (65535, 100.0)
    state = AcState.from_payload(b"t=0,sp=0,out=cool")
    assert (state.timer_minutes, state.setpoint_c) == (0, 0.0)


@pytest.mark.parametrize(
    "payload",
    [
        b"9" * 311 + b",456,98",
        b"1" + b"0" * 4300,
        b"-" + b"9" * 400,
        b"235,1" + b"0" * 4300,
        b"235,456,99999999",
        b"40000,456,98",  # beyond 16 bits
        b"235," + b"1" * 1100,
    ],
)
def test_reading_absurd_numbers_and_sizes_are_protocol_errors(payload: bytes) -> None:
    with pytest.raises(MomitProtocolError):
        RoomReading.from_payload(payload)


@MOMIT_PROPERTIES
@given(key_value_payloads)
def test_state_parser_raises_only_protocol_errors(payload: bytes) -> None:
    try:
        state = AcState.from_payload(payload)
    except MomitProtocolError:
        return
    assert isinstance(state.output, AcOutput)
    assert state.timer_minutes is None or 0 <= state.timer_minutes <= 65535
    assert state.setpoint_c is None or 0.0 <= state.setpoint_c <= 100.0
    assert all(key.isascii() and value.isascii() for key, value in state.fields.items())


@MOMIT_PROPERTIES
@given(reading_payloads)
def test_reading_parser_raises_only_protocol_errors(payload: bytes) -> None:
    try:
        reading = RoomReading.from_payload(payload)
    except MomitProtocolError:
        return
    assert reading.temperature_c is None or -50.0 <= reading.temperature_c <= 100.0
    for raw in (reading.humidity_raw, reading.battery_raw):
        assert raw is None or -32768 <= raw <= 65535
    assert reading.humidity_percent is None or 0.0 <= reading.humidity_percent <= 100.0
    assert reading.battery_percent is None or 0 <= reading.battery_percent <= 100


@pytest.mark.parametrize(
    ("payload", "text"),
    [
        (b"  SIM-AC-0001 \n", "SIM-AC-0001"),
        (b"", None),
        (b"   ", None),
        ("Momit Cool Ü".encode(), "Momit Cool Ü"),
    ],
)
def test_identity_text(payload: bytes, text: str | None) -> None:
    assert parse_identity_text(payload) == text


@pytest.mark.parametrize(
    "payload", [b"A" * 65, b"SER\x00IAL", b"\xff\xfeSERIAL", b"a\nb", b"x" * 2000]
)
def test_identity_text_no_registry_can_keep_is_an_error(payload: bytes) -> None:
    with pytest.raises(MomitProtocolError):
        parse_identity_text(payload)


@MOMIT_PROPERTIES
@given(identity_payloads)
def test_identity_parser_raises_only_protocol_errors(payload: bytes) -> None:
    try:
        text = parse_identity_text(payload)
    except MomitProtocolError:
        return
    assert text is None or (0 < len(text) <= 64 and text.isprintable() and text == text.strip())
    if text is not None:
        text.encode("utf-8")  # storable: no lone surrogates
