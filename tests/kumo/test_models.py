"""Parsing at the edge (spec §6) and capability derivation (§7, §8)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from custom_components.kumo_momit.kumo import (
    AdapterStatus,
    Capabilities,
    FanSpeed,
    IndoorUnitProfile,
    IndoorUnitState,
    IndoorUnitStatus,
    Mhk2Status,
    OperationMode,
    SetpointRange,
    StationState,
    TempSource,
    VaneDirection,
    WirelessSensor,
)
from custom_components.kumo_momit.kumo.models import parse_sensors, round_setpoint

# §6.1 sample reply (kumojs README), with the flags flipped so every field is seen as True too.
STATUS_SAMPLE: dict[str, Any] = {
    "roomTemp": 19.5,
    "mode": "off",
    "spCool": 25.5,
    "spHeat": 22.5,
    "vaneDir": "vertical",
    "fanSpeed": "quiet",
    "tempSource": "unset",
    "activeThermistor": "unset",
    "filterDirty": False,
    "hotAdjust": False,
    "defrost": False,
    "standby": False,
    "runTest": 0,
}
# §6.2 example (v3 copy of the profile).
PROFILE_SAMPLE: dict[str, Any] = {
    "hasModeDry": True,
    "hasModeHeat": True,
    "hasVaneDir": False,
    "hasVaneSwing": False,
    "hasModeVent": True,
    "hasFanSpeedAuto": True,
    "hasInitialSettings": True,
    "hasModeTest": True,
    "numberOfFanSpeeds": 3,
    "extendedTemps": True,
    "usesSetPointInDryMode": True,
    "hasHotAdjust": True,
    "hasDefrost": True,
    "hasStandby": True,
    "maximumSetPoints": {"cool": 30, "heat": 28, "auto": 28},
    "minimumSetPoints": {"cool": 19, "heat": 10, "auto": 19},
}
ADAPTER_SAMPLE: dict[str, Any] = {
    "autoModePrevention": False,
    "userHasModeDry": True,
    "userHasModeHeat": True,
    "localNetwork": {"stationMode": {"RSSI": -61, "SSID": "home"}},
    "runState": "normal",
    "roomTempOffset": 0.5,
    "userMinCoolSetPoint": 20,
    "userMaxHeatSetPoint": 26,
    "ledDisabled": True,
    "name": "Den",
}


def test_status_sample_parses() -> None:
    """Every field of the §6.1 sample, placeholders `unset` as None."""
    status = IndoorUnitStatus.from_wire(STATUS_SAMPLE)
    assert status == IndoorUnitStatus(
        mode=OperationMode.OFF,
        sp_heat=22.5,
        sp_cool=25.5,
        room_temp=19.5,
        fan_speed=FanSpeed.QUIET,
        vane_dir=VaneDirection.VERTICAL,
        standby=False,
        defrost=False,
        filter_dirty=False,
        hot_adjust=False,
        temp_source=None,
        active_thermistor=None,
        run_test=0,
    )
    assert status.is_on is False


def test_status_running_values() -> None:
    """autoHeat/autoCool, true flags, temperature sources, 4-speed `Low`, odd floats."""
    status = IndoorUnitStatus.from_wire(
        {
            "mode": "autoCool",
            "spCool": 22.777779,
            "spHeat": 20,
            "roomTemp": 23.333334,
            "fanSpeed": "Low",
            "vaneDir": "swing",
            "standby": True,
            "defrost": True,
            "filterDirty": True,
            "hotAdjust": True,
            "tempSource": "sensor0",
            "activeThermistor": "api",
            "runTest": 1,
        }
    )
    assert status.mode is OperationMode.AUTO_COOL
    assert status.mode.is_auto
    assert status.mode.writable is OperationMode.AUTO
    assert OperationMode.HEAT.writable is OperationMode.HEAT
    assert (status.sp_cool, status.sp_heat, status.room_temp) == (22.777779, 20.0, 23.333334)
    assert status.fan_speed is FanSpeed.LOW_FOUR_SPEED
    assert status.vane_dir is VaneDirection.SWING
    assert (status.standby, status.defrost, status.filter_dirty, status.hot_adjust) == (
        True,
        True,
        True,
        True,
    )
    assert status.temp_source is TempSource.SENSOR0
    assert status.active_thermistor is TempSource.API
    assert status.run_test == 1
    assert status.is_on is True


@pytest.mark.parametrize("placeholder", ["__ungettable", "unset", "notset"])
def test_placeholders_become_none(placeholder: str) -> None:
    """§9: placeholder strings are null, whatever the field's type."""
    status = IndoorUnitStatus.from_wire(
        {"mode": placeholder, "roomTemp": placeholder, "standby": placeholder}
    )
    assert (status.mode, status.room_temp, status.standby) == (None, None, None)
    assert status.unrecognized == {}
    assert status.is_on is None


def test_wrong_types_become_none() -> None:
    """A boolean is not a temperature, NaN is not a temperature, a number is not a flag."""
    status = IndoorUnitStatus.from_wire(
        {"roomTemp": True, "spHeat": float("nan"), "standby": 1, "mode": 3}
    )
    assert (status.room_temp, status.sp_heat, status.standby, status.mode) == (
        None,
        None,
        None,
        None,
    )


def test_unknown_enum_values_are_kept_raw_and_warned_once(caplog: pytest.LogCaptureFixture) -> None:
    """A value from a newer firmware does not crash parsing: None + raw value + one warning."""
    caplog.set_level(logging.WARNING)
    raw = {"mode": "turbo", "fanSpeed": "medium", "vaneDir": "left", "tempSource": "cloud"}
    first = IndoorUnitStatus.from_wire(raw)
    second = IndoorUnitStatus.from_wire(raw)
    assert (first.mode, first.fan_speed, first.vane_dir, first.temp_source) == (
        None,
        None,
        None,
        None,
    )
    assert first.unrecognized == {
        "mode": "turbo",
        "fanSpeed": "medium",
        "vaneDir": "left",
        "tempSource": "cloud",
    }
    assert second.unrecognized == first.unrecognized
    assert caplog.text.count("'turbo'") == 1


def test_profile_sample_parses() -> None:
    """Every key of the §6.2 example; missing flags read as False."""
    profile = IndoorUnitProfile.from_wire(PROFILE_SAMPLE)
    assert profile == IndoorUnitProfile(
        number_of_fan_speeds=3,
        has_fan_speed_auto=True,
        has_vane_dir=False,
        has_vane_swing=False,
        has_mode_dry=True,
        has_mode_heat=True,
        has_mode_vent=True,
        has_mode_auto=False,
        extended_temps=True,
        uses_setpoint_in_dry_mode=True,
        has_hot_adjust=True,
        has_defrost=True,
        has_standby=True,
        has_initial_settings=True,
        has_mode_test=True,
        minimum_setpoints={"cool": 19.0, "heat": 10.0, "auto": 19.0},
        maximum_setpoints={"cool": 30.0, "heat": 28.0, "auto": 28.0},
    )
    assert IndoorUnitProfile.from_wire({}) == IndoorUnitProfile()


def test_adapter_status_parses() -> None:
    """§6.3 keys including the nested WiFi RSSI and the user setpoint limits."""
    adapter = AdapterStatus.from_wire(ADAPTER_SAMPLE)
    assert adapter == AdapterStatus(
        auto_mode_prevention=False,
        user_has_mode_dry=True,
        user_has_mode_heat=True,
        wifi_rssi=-61,
        run_state="normal",
        room_temp_offset=0.5,
        user_min_cool_setpoint=20.0,
        user_max_heat_setpoint=26.0,
        led_disabled=True,
        name="Den",
    )
    assert AdapterStatus.from_wire({"localNetwork": "__ungettable"}).wifi_rssi is None


def test_sensors_parse_skips_empty_slots() -> None:
    """§6.5: slots without uuid are empty; every field of a paired one is parsed."""
    sensors = parse_sensors(
        {
            "1": {"uuid": None, "humidity": None},
            "0": {
                "uuid": "00112233445566778899aabbccddeeff",
                "humidity": 69.195312,
                "temperature": 26.080664,
                "battery": 87,
                "rssi": -61,
                "txPower": 4,
            },
            "x": {"uuid": "not-a-slot"},
            "2": "__ungettable",
        }
    )
    assert sensors == (
        WirelessSensor(
            slot=0,
            uuid="00112233445566778899aabbccddeeff",
            temperature=26.080664,
            humidity=69.195312,
            battery=87,
            rssi=-61,
            tx_power=4,
        ),
    )
    assert parse_sensors(None) == ()


def test_mhk2_guarded() -> None:
    """§6.6: `mhk2` may not be an object when none is fitted."""
    assert Mhk2Status.from_wire(None) is None
    assert Mhk2Status.from_wire("__ungettable") is None
    assert Mhk2Status.from_wire({"status": None}) is None
    assert Mhk2Status.from_wire({"status": {"indoorHumid": None}}) is None
    assert Mhk2Status.from_wire(
        {"status": {"indoorHumid": 41, "outdoorTemp": 3.5, "outdoorHumid": 80}}
    ) == Mhk2Status(indoor_humidity=41.0, outdoor_temperature=3.5, outdoor_humidity=80.0)


def _caps(profile: dict[str, Any], adapter: dict[str, Any] | None = None) -> Capabilities:
    return Capabilities.derive(
        IndoorUnitProfile.from_wire(profile),
        None if adapter is None else AdapterStatus.from_wire(adapter),
    )


FIVE = [
    FanSpeed.SUPER_QUIET,
    FanSpeed.QUIET,
    FanSpeed.LOW,
    FanSpeed.POWERFUL,
    FanSpeed.SUPER_POWERFUL,
]


@pytest.mark.parametrize(
    ("speeds", "auto", "expected"),
    [
        (5, True, [*FIVE, FanSpeed.AUTO]),
        (5, False, FIVE),
        # 3-speed units under-report and take all five (pykumo 0.5.2, §7.2).
        (3, True, [*FIVE, FanSpeed.AUTO]),
        (
            4,
            True,
            [
                FanSpeed.QUIET,
                FanSpeed.LOW_FOUR_SPEED,
                FanSpeed.POWERFUL,
                FanSpeed.SUPER_POWERFUL,
                FanSpeed.AUTO,
            ],
        ),
        (None, False, FIVE),
        (7, False, FIVE),
    ],
)
def test_fan_speed_rules(speeds: int | None, auto: bool, expected: list[FanSpeed]) -> None:
    """§7.2 table, including capital-L `Low` on 4-speed units."""
    profile: dict[str, Any] = {"hasFanSpeedAuto": auto}
    if speeds is not None:
        profile["numberOfFanSpeeds"] = speeds
    assert list(_caps(profile).fan_speeds) == expected


POSITIONS = [
    VaneDirection.HORIZONTAL,
    VaneDirection.MIDHORIZONTAL,
    VaneDirection.MIDPOINT,
    VaneDirection.MIDVERTICAL,
    VaneDirection.VERTICAL,
    VaneDirection.AUTO,
]


@pytest.mark.parametrize(
    ("has_dir", "has_swing", "expected"),
    [
        (True, True, [*POSITIONS, VaneDirection.SWING]),
        (True, False, POSITIONS),
        (False, True, []),  # swing is only offered with vane control (pykumo)
        (False, False, []),
    ],
)
def test_vane_rules(has_dir: bool, has_swing: bool, expected: list[VaneDirection]) -> None:
    """§7.3."""
    assert (
        list(_caps({"hasVaneDir": has_dir, "hasVaneSwing": has_swing}).vane_directions) == expected
    )


ALL_FLAGS = {"hasModeDry": True, "hasModeHeat": True, "hasModeVent": True}
USER_FLAGS = {"userHasModeDry": True, "userHasModeHeat": True}


@pytest.mark.parametrize(
    ("profile", "adapter", "expected"),
    [
        (ALL_FLAGS, {**USER_FLAGS, "autoModePrevention": False}, "off cool dry heat vent auto"),
        # autoModePrevention missing: auto allowed.
        (ALL_FLAGS, USER_FLAGS, "off cool dry heat vent auto"),
        # Prevention set and no auto setpoint key: no auto.
        (ALL_FLAGS, {**USER_FLAGS, "autoModePrevention": True}, "off cool dry heat vent"),
        # Prevention set but the profile has an auto limit: auto wins (pykumo PR #66).
        (
            {**ALL_FLAGS, "minimumSetPoints": {"auto": 17}},
            {**USER_FLAGS, "autoModePrevention": True},
            "off cool dry heat vent auto",
        ),
        (
            {**ALL_FLAGS, "maximumSetPoints": {"auto": 28}},
            {**USER_FLAGS, "autoModePrevention": True},
            "off cool dry heat vent auto",
        ),
        # User flags false or missing disable dry / heat.
        (ALL_FLAGS, {"userHasModeDry": False, "autoModePrevention": True}, "off cool vent"),
        # Adapter status never read: as pykumo, dry/heat need the user flags.
        (ALL_FLAGS, None, "off cool vent auto"),
        ({}, {**USER_FLAGS, "autoModePrevention": True}, "off cool"),
    ],
)
def test_mode_rules(profile: dict[str, Any], adapter: dict[str, Any] | None, expected: str) -> None:
    """§8.1."""
    assert " ".join(_caps(profile, adapter).modes) == expected


def test_setpoint_limits_default_and_profile() -> None:
    """§8.2: per-mode profile limits, 16-31 °C when absent."""
    caps = _caps(PROFILE_SAMPLE, {})
    assert caps.heat_range == SetpointRange(10.0, 28.0)
    assert caps.cool_range == SetpointRange(19.0, 30.0)
    assert caps.auto_range == SetpointRange(19.0, 28.0)
    defaults = _caps({})
    assert (
        defaults.heat_range == defaults.cool_range == defaults.auto_range == SetpointRange(16, 31)
    )


def test_setpoint_limits_narrowed_by_user_limits() -> None:
    """userMaxHeatSetPoint caps heat, userMinCoolSetPoint floors cool; auto honours both."""
    caps = _caps(PROFILE_SAMPLE, ADAPTER_SAMPLE)
    assert caps.heat_range == SetpointRange(10.0, 26.0)
    assert caps.cool_range == SetpointRange(20.0, 30.0)
    assert caps.heat_setpoint_range(OperationMode.AUTO) == SetpointRange(19.0, 26.0)
    assert caps.cool_setpoint_range(OperationMode.AUTO_HEAT) == SetpointRange(20.0, 28.0)
    assert caps.heat_setpoint_range(OperationMode.HEAT) == caps.heat_range
    assert caps.cool_setpoint_range(OperationMode.DRY) == caps.cool_range
    assert caps.cool_setpoint_range(None) == caps.cool_range
    # Without profile limits, the user limits narrow the defaults.
    bare = _caps({}, {"userMaxHeatSetPoint": 25, "userMinCoolSetPoint": 19})
    assert bare.heat_range == SetpointRange(16.0, 25.0)
    assert bare.cool_range == SetpointRange(19.0, 31.0)


def test_inverted_limits_never_produce_an_empty_range() -> None:
    """A user maximum below the profile minimum collapses to one value instead of failing."""
    caps = _caps({"minimumSetPoints": {"heat": 18}}, {"userMaxHeatSetPoint": 15})
    assert caps.heat_range == SetpointRange(18.0, 18.0)
    assert caps.heat_range.clamp(30) == 18.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (21.0, 21.0),
        (21.24, 21.0),
        (21.25, 21.5),
        (21.26, 21.5),
        (21.74, 21.5),
        (21.75, 22.0),
        (-0.3, -0.5),
    ],
)
def test_round_setpoint(value: float, expected: float) -> None:
    """Half-up rounding to 0.5 °C (§8.3)."""
    assert round_setpoint(value) == expected


def _state(**kwargs: Any) -> IndoorUnitState:
    profile = IndoorUnitProfile()
    return IndoorUnitState(
        serial="s",
        name="n",
        status=IndoorUnitStatus(),
        profile=profile,
        adapter=kwargs.pop("adapter", None),
        capabilities=Capabilities.derive(profile, None),
        **kwargs,
    )


def test_state_convenience_properties() -> None:
    """Humidity: first sensor with humidity, else the MHK2 (pykumo order, §9.1)."""
    dry_sensor = WirelessSensor(
        slot=0, uuid="a", temperature=None, humidity=None, battery=None, rssi=None
    )
    wet_sensor = WirelessSensor(
        slot=1, uuid="b", temperature=21.5, humidity=48.0, battery=90, rssi=-70
    )
    mhk2 = Mhk2Status(indoor_humidity=40.0)
    state = _state(
        sensors=(dry_sensor, wet_sensor), mhk2=mhk2, adapter=AdapterStatus(wifi_rssi=-50)
    )
    assert state.humidity == 48.0
    assert (state.sensor_temperature, state.sensor_battery, state.sensor_rssi) == (21.5, 90, -70)
    assert state.wifi_rssi == -50
    assert state.has_humidity
    only_mhk2 = _state(mhk2=mhk2)
    assert only_mhk2.humidity == 40.0
    assert only_mhk2.has_humidity
    nothing = _state()
    assert (nothing.humidity, nothing.sensor_temperature, nothing.wifi_rssi) == (None, None, None)
    assert not nothing.has_humidity


def test_station_state_properties() -> None:
    """Station: WiFi RSSI from adapter status, humidity from its sensors."""
    sensor = WirelessSensor(slot=0, uuid="a", humidity=55.0)
    station = StationState(
        serial="s",
        name="n",
        outdoor_temperature=7.5,
        sensors=(sensor,),
        adapter=AdapterStatus(wifi_rssi=-40),
    )
    assert (station.wifi_rssi, station.humidity) == (-40, 55.0)
    assert StationState(serial="s", name="n", outdoor_temperature=None).wifi_rssi is None
