"""Typed, frozen models of what a Kumo adapter reports, parsed at the edge (spec §6-§8).

Parsing rules, applied everywhere:

* Placeholders `__ungettable`, `unset`, `notset` (§9) become `None`.
* A missing key becomes `None` (booleans of the profile: `False`, as pykumo treats them).
* A value of the wrong JSON type becomes `None`.
* A number no reading can have (outside the sanity bounds below, NaN, or too large for a
  float) becomes `None`, and a warning is logged once per key/value per process: it is a
  protocol error in that field, not a reason to fail the whole poll.
* An enum value we do not know (e.g. a fan speed from a newer firmware) does not fail the poll:
  the typed field is `None` and the raw wire string is kept in `unrecognized` (wire key -> raw
  value) so diagnostics can show it; a warning is logged once per key/value per process (up to
  a few hundred of them, so a babbling adapter cannot grow the set without bound).
* Text that UTF-8 cannot encode (lone surrogates) has them replaced by U+FFFD.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
import logging
import math
from typing import Any, Final

from ._values import bounded_number, clean_text, replace_surrogates

_LOGGER = logging.getLogger(__name__)

PLACEHOLDERS: Final = frozenset({"__ungettable", "unset", "notset"})
DEFAULT_MIN_SETPOINT_C: Final = 16.0
DEFAULT_MAX_SETPOINT_C: Final = 31.0
SETPOINT_STEP_C: Final = 0.5
SENSOR_SLOTS: Final = 4

# Sanity bounds of readings (not the unit's limits, which come from the profile, §8.2): a
# value outside cannot be a real reading of that kind. [G]
TEMPERATURE_BOUNDS_C: Final = (-100.0, 100.0)
SETPOINT_BOUNDS_C: Final = (0.0, 50.0)
OFFSET_BOUNDS_C: Final = (-50.0, 50.0)
PERCENT_BOUNDS: Final = (0.0, 100.0)
DBM_BOUNDS: Final = (-150.0, 50.0)
FAN_SPEED_COUNT_BOUNDS: Final = (0.0, 16.0)
COUNTER_BOUNDS: Final = (0.0, 2.0**31)
# Unknown wire strings are kept for diagnostics up to this length.
_MAX_UNRECOGNIZED_CHARS: Final = 100

# What has been warned about: unknown enum values and impossible numbers, once each per process.
_MAX_WARNINGS: Final = 256
_warned: set[tuple[str, str]] = set()


class OperationMode(StrEnum):
    """`indoorUnit.status.mode` (§6.1, §7.1). `autoHeat`/`autoCool` are read-only reports."""

    OFF = "off"
    HEAT = "heat"
    COOL = "cool"
    DRY = "dry"
    VENT = "vent"
    AUTO = "auto"
    AUTO_HEAT = "autoHeat"
    AUTO_COOL = "autoCool"

    @property
    def is_auto(self) -> bool:
        """Auto mode, whichever way it is currently working."""
        return self in (OperationMode.AUTO, OperationMode.AUTO_HEAT, OperationMode.AUTO_COOL)

    @property
    def writable(self) -> OperationMode:
        """The value to write to get this mode (`autoHeat`/`autoCool` are written as `auto`)."""
        return OperationMode.AUTO if self.is_auto else self


class FanSpeed(StrEnum):
    """`fanSpeed` (§7.2), quietest to loudest. 4-speed units spell low with a capital L."""

    SUPER_QUIET = "superQuiet"
    QUIET = "quiet"
    LOW = "low"
    LOW_FOUR_SPEED = "Low"
    POWERFUL = "powerful"
    SUPER_POWERFUL = "superPowerful"
    AUTO = "auto"


class VaneDirection(StrEnum):
    """`vaneDir` (§7.3): vertical vane positions, auto, swing."""

    HORIZONTAL = "horizontal"
    MIDHORIZONTAL = "midhorizontal"
    MIDPOINT = "midpoint"
    MIDVERTICAL = "midvertical"
    VERTICAL = "vertical"
    AUTO = "auto"
    SWING = "swing"


class TempSource(StrEnum):
    """`tempSource` / `activeThermistor` (§7.4). `unset` is a placeholder and parses as None."""

    SENSOR0 = "sensor0"
    SENSOR1 = "sensor1"
    SENSOR2 = "sensor2"
    SENSOR3 = "sensor3"
    RETURN_AIR = "returnair"
    REMOTE = "remote"
    API = "api"


# --- low-level value parsing ---------------------------------------------------------------


def _clean(value: Any) -> Any:
    if isinstance(value, str) and value in PLACEHOLDERS:
        return None
    return value


def _warn_once(key: str, value: object, message: str) -> None:
    """Log `message` once per process for each key/value pair (a bounded number of them)."""
    seen = (key, repr(value)[:40])
    if seen in _warned or len(_warned) >= _MAX_WARNINGS:
        return
    _warned.add(seen)
    _LOGGER.warning(message, key, seen[1])


def _float(value: Any, bounds: tuple[float, float], key: str) -> float | None:
    value = _clean(value)
    number = bounded_number(value, *bounds)
    if number is None and isinstance(value, int | float) and not isinstance(value, bool):
        _warn_once(
            key, value, "Kumo adapter reported %s = %s, which no reading can be; ignoring it"
        )
    return number


def parse_celsius(value: Any, key: str = "temperature") -> float | None:
    """A temperature (°C) from the wire; placeholders, non-numbers and absurd values: None."""
    return _float(value, TEMPERATURE_BOUNDS_C, key)


def _int(value: Any, bounds: tuple[float, float], key: str) -> int | None:
    number = _float(value, bounds, key)
    return None if number is None else round(number)


def _bool(value: Any) -> bool | None:
    value = _clean(value)
    return value if isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    value = _clean(value)
    return replace_surrogates(value) if isinstance(value, str) else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _enum[E: StrEnum](
    enum_type: type[E], raw: Mapping[str, Any], key: str, unrecognized: dict[str, str]
) -> E | None:
    value = _str(raw.get(key))
    if value is None:
        return None
    try:
        return enum_type(value)
    except ValueError:
        value = value[:_MAX_UNRECOGNIZED_CHARS]
        unrecognized[key] = value
        _warn_once(key, value, "Kumo adapter reported an unknown %s value %s; ignoring it")
        return None


def _setpoint_map(value: Any, key: str) -> dict[str, float]:
    return {
        mode: number
        for raw_mode, raw in _dict(value).items()
        if (mode := clean_text(raw_mode)) is not None
        and (number := _float(raw, SETPOINT_BOUNDS_C, key)) is not None
    }


# --- indoor unit ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class IndoorUnitStatus:
    """`indoorUnit.status` (§6.1). Temperatures in °C."""

    mode: OperationMode | None = None
    sp_heat: float | None = None
    sp_cool: float | None = None
    room_temp: float | None = None
    fan_speed: FanSpeed | None = None
    vane_dir: VaneDirection | None = None
    standby: bool | None = None
    defrost: bool | None = None
    filter_dirty: bool | None = None
    hot_adjust: bool | None = None
    temp_source: TempSource | None = None
    active_thermistor: TempSource | None = None
    run_test: int | None = None
    unrecognized: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_wire(cls, raw: Mapping[str, Any]) -> IndoorUnitStatus:
        """Parse the object under `r.indoorUnit.status`."""
        unrecognized: dict[str, str] = {}
        return cls(
            mode=_enum(OperationMode, raw, "mode", unrecognized),
            sp_heat=_float(raw.get("spHeat"), SETPOINT_BOUNDS_C, "spHeat"),
            sp_cool=_float(raw.get("spCool"), SETPOINT_BOUNDS_C, "spCool"),
            room_temp=parse_celsius(raw.get("roomTemp"), "roomTemp"),
            fan_speed=_enum(FanSpeed, raw, "fanSpeed", unrecognized),
            vane_dir=_enum(VaneDirection, raw, "vaneDir", unrecognized),
            standby=_bool(raw.get("standby")),
            defrost=_bool(raw.get("defrost")),
            filter_dirty=_bool(raw.get("filterDirty")),
            hot_adjust=_bool(raw.get("hotAdjust")),
            temp_source=_enum(TempSource, raw, "tempSource", unrecognized),
            active_thermistor=_enum(TempSource, raw, "activeThermistor", unrecognized),
            run_test=_int(raw.get("runTest"), COUNTER_BOUNDS, "runTest"),
            unrecognized=unrecognized,
        )

    @property
    def is_on(self) -> bool | None:
        """There is no power key locally: `off` is off, any other mode is on (§6.1)."""
        return None if self.mode is None else self.mode is not OperationMode.OFF


@dataclass(frozen=True, kw_only=True)
class IndoorUnitProfile:
    """`indoorUnit.profile` (§6.2): the unit's capabilities, before adapter masks (§8)."""

    number_of_fan_speeds: int | None = None
    has_fan_speed_auto: bool = False
    has_vane_dir: bool = False
    has_vane_swing: bool = False
    has_mode_dry: bool = False
    has_mode_heat: bool = False
    has_mode_vent: bool = False
    has_mode_auto: bool = False
    extended_temps: bool = False
    uses_setpoint_in_dry_mode: bool = False
    has_hot_adjust: bool = False
    has_defrost: bool = False
    has_standby: bool = False
    has_initial_settings: bool = False
    has_mode_test: bool = False
    minimum_setpoints: Mapping[str, float] = field(default_factory=dict)
    maximum_setpoints: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def from_wire(cls, raw: Mapping[str, Any]) -> IndoorUnitProfile:
        """Parse the object under `r.indoorUnit.profile`; missing flags read as False."""

        def flag(key: str) -> bool:
            return _bool(raw.get(key)) is True

        return cls(
            number_of_fan_speeds=_int(
                raw.get("numberOfFanSpeeds"), FAN_SPEED_COUNT_BOUNDS, "numberOfFanSpeeds"
            ),
            has_fan_speed_auto=flag("hasFanSpeedAuto"),
            has_vane_dir=flag("hasVaneDir"),
            has_vane_swing=flag("hasVaneSwing"),
            has_mode_dry=flag("hasModeDry"),
            has_mode_heat=flag("hasModeHeat"),
            has_mode_vent=flag("hasModeVent"),
            has_mode_auto=flag("hasModeAuto"),
            extended_temps=flag("extendedTemps"),
            uses_setpoint_in_dry_mode=flag("usesSetPointInDryMode"),
            has_hot_adjust=flag("hasHotAdjust"),
            has_defrost=flag("hasDefrost"),
            has_standby=flag("hasStandby"),
            has_initial_settings=flag("hasInitialSettings"),
            has_mode_test=flag("hasModeTest"),
            minimum_setpoints=_setpoint_map(raw.get("minimumSetPoints"), "minimumSetPoints"),
            maximum_setpoints=_setpoint_map(raw.get("maximumSetPoints"), "maximumSetPoints"),
        )


@dataclass(frozen=True, kw_only=True)
class AdapterStatus:
    """`adapter.status` (§6.3): WiFi adapter state and user-level mode masks."""

    auto_mode_prevention: bool | None = None
    user_has_mode_dry: bool | None = None
    user_has_mode_heat: bool | None = None
    wifi_rssi: int | None = None
    # Only `normal` is observed and `reboot` is written; other values are unknown ([G]), so this
    # stays a raw string rather than an enum.
    run_state: str | None = None
    room_temp_offset: float | None = None
    user_min_cool_setpoint: float | None = None
    user_max_heat_setpoint: float | None = None
    led_disabled: bool | None = None
    name: str | None = None

    @classmethod
    def from_wire(cls, raw: Mapping[str, Any]) -> AdapterStatus:
        """Parse the object under `r.adapter.status`."""
        station_mode = _dict(_dict(raw.get("localNetwork")).get("stationMode"))
        return cls(
            auto_mode_prevention=_bool(raw.get("autoModePrevention")),
            user_has_mode_dry=_bool(raw.get("userHasModeDry")),
            user_has_mode_heat=_bool(raw.get("userHasModeHeat")),
            wifi_rssi=_int(station_mode.get("RSSI"), DBM_BOUNDS, "RSSI"),
            run_state=_str(raw.get("runState")),
            room_temp_offset=_float(raw.get("roomTempOffset"), OFFSET_BOUNDS_C, "roomTempOffset"),
            user_min_cool_setpoint=_float(
                raw.get("userMinCoolSetPoint"), SETPOINT_BOUNDS_C, "userMinCoolSetPoint"
            ),
            user_max_heat_setpoint=_float(
                raw.get("userMaxHeatSetPoint"), SETPOINT_BOUNDS_C, "userMaxHeatSetPoint"
            ),
            led_disabled=_bool(raw.get("ledDisabled")),
            name=_str(raw.get("name")),
        )


@dataclass(frozen=True, kw_only=True)
class WirelessSensor:
    """One paired wireless sensor slot `sensors.N` (§6.5)."""

    slot: int
    uuid: str
    temperature: float | None = None
    humidity: float | None = None
    battery: int | None = None
    rssi: int | None = None
    tx_power: int | None = None


def parse_sensors(raw: Any) -> tuple[WirelessSensor, ...]:
    """Parse `r.sensors` (all slots); empty slots have no `uuid` and are skipped (§6.5)."""
    sensors = []
    for slot_key, slot_raw in sorted(_dict(raw).items()):
        slot = _dict(slot_raw)
        uuid = _str(slot.get("uuid"))
        # Slots are "0".."3" (§6.5); `isdigit` alone would accept "²", which `int` refuses.
        if not uuid or not (slot_key.isascii() and slot_key.isdigit() and len(slot_key) <= 2):
            continue
        sensors.append(
            WirelessSensor(
                slot=int(slot_key),
                uuid=uuid,
                temperature=parse_celsius(slot.get("temperature"), "sensors.temperature"),
                humidity=_float(slot.get("humidity"), PERCENT_BOUNDS, "sensors.humidity"),
                battery=_int(slot.get("battery"), PERCENT_BOUNDS, "sensors.battery"),
                rssi=_int(slot.get("rssi"), DBM_BOUNDS, "sensors.rssi"),
                tx_power=_int(slot.get("txPower"), DBM_BOUNDS, "sensors.txPower"),
            )
        )
    return tuple(sensors)


@dataclass(frozen=True, kw_only=True)
class Mhk2Status:
    """`mhk2.status` (§6.6) of an MHK2 wall controller."""

    indoor_humidity: float | None = None
    outdoor_temperature: float | None = None
    outdoor_humidity: float | None = None

    @classmethod
    def from_wire(cls, raw: Any) -> Mhk2Status | None:
        """Parse `r.mhk2`; None when no MHK2 is fitted (then `mhk2` may not be an object)."""
        if not isinstance(raw, dict) or not isinstance(raw.get("status"), dict):
            return None
        status = raw["status"]
        parsed = cls(
            indoor_humidity=_float(status.get("indoorHumid"), PERCENT_BOUNDS, "indoorHumid"),
            outdoor_temperature=parse_celsius(status.get("outdoorTemp"), "outdoorTemp"),
            outdoor_humidity=_float(status.get("outdoorHumid"), PERCENT_BOUNDS, "outdoorHumid"),
        )
        # pykumo only counts an MHK2 as present when it reports indoor humidity (§9.1 step 5).
        return None if parsed.indoor_humidity is None else parsed


# --- capability derivation (§8) ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SetpointRange:
    """Inclusive °C range; `maximum` is never below `minimum`."""

    minimum: float
    maximum: float

    def clamp(self, value: float) -> float:
        """Clamp into the range."""
        return min(max(value, self.minimum), self.maximum)


def _range(low: float | None, high: float | None) -> SetpointRange:
    low = DEFAULT_MIN_SETPOINT_C if low is None else low
    high = DEFAULT_MAX_SETPOINT_C if high is None else high
    return SetpointRange(low, max(low, high))


_FIVE_SPEEDS: Final = (
    FanSpeed.SUPER_QUIET,
    FanSpeed.QUIET,
    FanSpeed.LOW,
    FanSpeed.POWERFUL,
    FanSpeed.SUPER_POWERFUL,
)
_FOUR_SPEEDS: Final = (
    FanSpeed.QUIET,
    FanSpeed.LOW_FOUR_SPEED,
    FanSpeed.POWERFUL,
    FanSpeed.SUPER_POWERFUL,
)
_VANE_POSITIONS: Final = (
    VaneDirection.HORIZONTAL,
    VaneDirection.MIDHORIZONTAL,
    VaneDirection.MIDPOINT,
    VaneDirection.MIDVERTICAL,
    VaneDirection.VERTICAL,
    VaneDirection.AUTO,
)


@dataclass(frozen=True, kw_only=True)
class Capabilities:
    """What the unit accepts, derived from profile + adapter status as spec §8 says."""

    modes: tuple[OperationMode, ...]
    fan_speeds: tuple[FanSpeed, ...]
    vane_directions: tuple[VaneDirection, ...]
    heat_range: SetpointRange
    cool_range: SetpointRange
    auto_range: SetpointRange

    @classmethod
    def derive(cls, profile: IndoorUnitProfile, adapter: AdapterStatus | None) -> Capabilities:
        """Apply §8.1 (modes), §7.2 (fan speeds), §7.3 (vanes) and §8.2 (limits)."""
        adapter = adapter or AdapterStatus()
        modes = [OperationMode.OFF, OperationMode.COOL]
        # pykumo disables dry/heat when the adapter's user flag is false *or missing* (§6.3).
        if profile.has_mode_dry and adapter.user_has_mode_dry:
            modes.append(OperationMode.DRY)
        if profile.has_mode_heat and adapter.user_has_mode_heat:
            modes.append(OperationMode.HEAT)
        if profile.has_mode_vent:
            modes.append(OperationMode.VENT)
        # autoModePrevention is often set although auto works; an `auto` setpoint key in the
        # profile wins (pykumo PR #66, §8.1). pykumo ignores `hasModeAuto`; so do we.
        if not adapter.auto_mode_prevention or (
            "auto" in profile.maximum_setpoints or "auto" in profile.minimum_setpoints
        ):
            modes.append(OperationMode.AUTO)

        # 3-speed units under-report and accept all five (pykumo 0.5.2, PR #73); any other
        # count, or none, falls back to five (§7.2).
        if profile.number_of_fan_speeds == 4:
            fan_speeds = list(_FOUR_SPEEDS)
        else:
            if profile.number_of_fan_speeds not in (None, 3, 5):
                _LOGGER.info(
                    "Kumo unit reports %s fan speeds; offering the 5-speed list",
                    profile.number_of_fan_speeds,
                )
            fan_speeds = list(_FIVE_SPEEDS)
        if profile.has_fan_speed_auto:
            fan_speeds.append(FanSpeed.AUTO)

        vanes: list[VaneDirection] = []
        if profile.has_vane_dir:
            vanes.extend(_VANE_POSITIONS)
            if profile.has_vane_swing:
                vanes.append(VaneDirection.SWING)

        mins, maxs = profile.minimum_setpoints, profile.maximum_setpoints
        heat_max = maxs.get("heat")
        if adapter.user_max_heat_setpoint is not None:
            heat_max = min(
                DEFAULT_MAX_SETPOINT_C if heat_max is None else heat_max,
                adapter.user_max_heat_setpoint,
            )
        cool_min = mins.get("cool")
        if adapter.user_min_cool_setpoint is not None:
            cool_min = max(
                DEFAULT_MIN_SETPOINT_C if cool_min is None else cool_min,
                adapter.user_min_cool_setpoint,
            )
        return cls(
            modes=tuple(modes),
            fan_speeds=tuple(fan_speeds),
            vane_directions=tuple(vanes),
            heat_range=_range(mins.get("heat"), heat_max),
            cool_range=_range(cool_min, maxs.get("cool")),
            auto_range=_range(mins.get("auto"), maxs.get("auto")),
        )

    def heat_setpoint_range(self, mode: OperationMode | None) -> SetpointRange:
        """Where spHeat may go in `mode`: in auto also capped by the heat maximum (§8.2)."""
        if mode is not None and mode.is_auto:
            return _range(
                self.auto_range.minimum, min(self.auto_range.maximum, self.heat_range.maximum)
            )
        return self.heat_range

    def cool_setpoint_range(self, mode: OperationMode | None) -> SetpointRange:
        """Where spCool may go in `mode`: in auto also floored by the cool minimum (§8.2).

        Dry mode uses spCool when the profile says so ([G], §6.1), hence the cool range.
        """
        if mode is not None and mode.is_auto:
            return _range(
                max(self.auto_range.minimum, self.cool_range.minimum), self.auto_range.maximum
            )
        return self.cool_range


def round_setpoint(value: float) -> float:
    """Round half-up to the 0.5 °C step the Kumo app uses (§8.3)."""
    return math.floor(value / SETPOINT_STEP_C + 0.5) * SETPOINT_STEP_C


# --- aggregates ----------------------------------------------------------------------------


class _PairedSensors:
    """Readings of the wireless sensors paired with an adapter, and the adapter's WiFi.

    Each reading is the first paired sensor's that is known (pykumo's order, §9.1).
    """

    sensors: tuple[WirelessSensor, ...]
    adapter: AdapterStatus | None

    @property
    def sensor_temperature(self) -> float | None:
        """First wireless-sensor temperature."""
        return next((s.temperature for s in self.sensors if s.temperature is not None), None)

    @property
    def sensor_battery(self) -> int | None:
        """First wireless-sensor battery level (%)."""
        return next((s.battery for s in self.sensors if s.battery is not None), None)

    @property
    def sensor_rssi(self) -> int | None:
        """First wireless-sensor signal strength (dBm)."""
        return next((s.rssi for s in self.sensors if s.rssi is not None), None)

    @property
    def sensor_humidity(self) -> float | None:
        """First wireless-sensor humidity (%)."""
        return next((s.humidity for s in self.sensors if s.humidity is not None), None)

    @property
    def wifi_rssi(self) -> int | None:
        """Adapter WiFi signal strength (dBm)."""
        return self.adapter.wifi_rssi if self.adapter else None


@dataclass(frozen=True, kw_only=True)
class IndoorUnitState(_PairedSensors):
    """Everything known about one indoor unit after a poll."""

    serial: str
    name: str
    status: IndoorUnitStatus
    profile: IndoorUnitProfile
    adapter: AdapterStatus | None
    capabilities: Capabilities
    sensors: tuple[WirelessSensor, ...] = ()
    mhk2: Mhk2Status | None = None
    cloud_humidity: float | None = None
    """Humidity as the v3 cloud relays it (from a sensor or an MHK2, §6.1), for a unit read
    through the cloud, which does not show where the value comes from."""

    @property
    def humidity(self) -> float | None:
        """First sensor humidity, else the MHK2's indoor humidity (pykumo order, §9.1), else
        what the cloud relays."""
        if (humidity := self.sensor_humidity) is not None:
            return humidity
        if self.mhk2 is not None:
            return self.mhk2.indoor_humidity
        return self.cloud_humidity

    @property
    def has_humidity(self) -> bool:
        """Whether the unit has a humidity source (wireless sensor or MHK2)."""
        return (
            any(s.humidity is not None for s in self.sensors)
            or self.mhk2 is not None
            or self.cloud_humidity is not None
        )


@dataclass(frozen=True, kw_only=True)
class StationState(_PairedSensors):
    """A Kumo Station (§10): outdoor air temperature, paired sensors, adapter WiFi."""

    serial: str
    name: str
    outdoor_temperature: float | None
    sensors: tuple[WirelessSensor, ...] = ()
    adapter: AdapterStatus | None = None

    @property
    def humidity(self) -> float | None:
        """First sensor humidity."""
        return self.sensor_humidity
