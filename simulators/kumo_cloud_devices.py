"""The Kumo Cloud's view of a simulated unit: v3 device documents and cloud commands.

A `CloudDevice` wraps the `SimulatedUnit` that holds the unit's state. When the cloud simulator
runs next to the unit simulator (`simulators.kumo_home`), both share that object: a command sent
through the cloud changes what the adapter answers locally, and a local write (or an IR remote)
changes what the cloud reports and pushes — one consistent world, as with a real adapter that
reports to the cloud.

Spec references are to `kumo.md`: §13.4 (device documents), §13.5 (`send-command`), §13.6
(Socket.IO payloads), §7 (vocabularies). Most of §13.5-§13.6 is *reported* [R]; where the
simulator must choose something nobody has reported, the choice is marked [G] and is the
stricter one, so a client that works here does not rely on the guess:

* [G] A command vocabulary error other than the setpoint ranges is answered like the reported
  `invalidSpHeatRange` error, with the codes `invalidOperationMode`, `invalidFanSpeed`,
  `invalidAirDirection`, `invalidPower`, `invalidSpAutoRange` and `invalidCommand`.
* [G] `operationMode: "off"` is refused: the reported way to switch off is `power: 0`.
* [G] `operationMode` without `power: 1` while the unit is off only changes the mode `power: 1`
  will restore; the unit stays off (the app re-sends `power: 1` with the mode, §13.5).
* [G] While off, the device document reports `power: 0` with the last running mode in
  `operationMode` (a client must look at `power`).
* [G] A command for a unit the cloud has lost is accepted (HTTP 200) and never applied.
* [G] Headless units (Kumo Stations) refuse every command with `invalidDevice`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
import hashlib
import time
from typing import Any, Final
import uuid

from simulators.kumo_unit import SimulatedUnit
from simulators.kumo_units import KumoUnitDefinition

COMMAND_KEYS: Final = (
    "power",
    "operationMode",
    "spHeat",
    "spCool",
    "spAuto",
    "fanSpeed",
    "airDirection",
)
_RUNNING_MODES: Final = ("heat", "cool", "dry", "vent", "auto")
_NAMESPACE: Final = uuid.UUID("6f1c1a52-4a0e-4c57-9d6c-2b1f0e6a9a11")


class CommandRejected(Exception):  # noqa: N818 - the cloud's own word is "validate"
    """The cloud refuses a command: `codes` are the per-device error codes (§13.5)."""

    def __init__(self, serial: str, codes: list[str]) -> None:
        super().__init__(f"{serial}: {', '.join(codes)}")
        self.serial = serial
        self.codes = codes


def iso_timestamp(seconds: float) -> str:
    """The cloud's timestamp form, e.g. `2026-09-01T12:00:00.000Z`."""
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def indoor_serial(unit: KumoUnitDefinition) -> str:
    """The indoor unit's own serial number (not the adapter serial), §1.1."""
    return hashlib.sha256(unit.serial.encode()).hexdigest()[:8].upper() + "IU"


def profile_document(unit: KumoUnitDefinition) -> dict[str, Any]:
    """`GET /v3/devices/{serial}/profile` and the `profile_update` payload (§6.2, §13.4)."""
    return {
        "numberOfFanSpeeds": unit.number_of_fan_speeds,
        "hasFanSpeedAuto": unit.has_fan_speed_auto,
        "hasVaneDir": unit.has_vane_dir,
        "hasVaneSwing": unit.has_vane_swing,
        "hasModeDry": unit.has_mode_dry,
        "hasModeHeat": unit.has_mode_heat,
        "hasModeVent": unit.has_mode_vent,
        "hasModeAuto": unit.has_mode_auto,
        "hasInitialSettings": True,
        "hasModeTest": True,
        "extendedTemps": unit.extended_temps,
        "usesSetPointInDryMode": unit.uses_setpoint_in_dry_mode,
        "hasHotAdjust": True,
        "hasDefrost": True,
        "hasStandby": True,
        "maximumSetPoints": dict(unit.maximum_setpoints),
        "minimumSetPoints": dict(unit.minimum_setpoints),
    }


@dataclass
class CloudDevice:
    """One unit as the cloud knows it: its live state, and whether its adapter is connected."""

    unit: SimulatedUnit
    wall_clock: Callable[[], float] = time.time
    connected: bool = True
    last_connected_at: float = field(default_factory=time.time)
    last_disconnected_at: float | None = None
    disconnected_reason: str | None = None
    sp_auto: float | None = None
    last_mode: str = "heat"
    """The mode `power: 1` restores (the last running mode)."""

    def __post_init__(self) -> None:
        if not self.unit.definition.has_mode_heat:
            self.last_mode = "cool"
        self.observe()

    @property
    def serial(self) -> str:
        """The adapter serial, the key of every cloud call."""
        return self.unit.serial

    @property
    def headless(self) -> bool:
        """A Kumo Station: no indoor unit, no commands."""
        return "indoorUnit" not in self.unit.tree

    def observe(self) -> None:
        """Remember the running mode, whichever way it was set (cloud, local API, remote)."""
        if self.headless:
            return
        mode = str(self.unit.tree["indoorUnit"]["status"]["mode"])
        mode = "auto" if mode in ("autoHeat", "autoCool") else mode
        if mode in _RUNNING_MODES:
            self.last_mode = mode

    # ------------------------------------------------------------------ documents

    def device_document(self, *, report_connected: bool | None = None) -> dict[str, Any]:
        """`GET /v3/devices/{serial}` and the `device_update` payload (§13.4, §13.6).

        `report_connected` overrides the `connected` flag (the real one is reported stale,
        §13.5); None reports the truth.
        """
        d = self.unit.definition
        indoor = self._indoor_fields()
        return {
            "id": stable_id("adapter", d.serial),
            "deviceSerial": d.serial,
            "rssi": self.unit.adapter_status["localNetwork"]["stationMode"]["RSSI"],
            **indoor,
            "scheduleOwner": "adapter",
            "unusualFigures": 32768,
            "twoFiguresCode": "A0",
            "statusDisplay": 0,
            "spAuto": self.sp_auto,
            "serialNumber": indoor_serial(d),
            "modelNumber": d.model_number,
            "ledDisabled": bool(self.unit.adapter_status.get("ledDisabled", False)),
            "connected": self.connected if report_connected is None else report_connected,
            "isHeadless": self.headless,
            "model": {
                "brand": "Mitsubishi",
                "material": d.model_number,
                "family": None,
                "isDuctless": d.kind == "indoor",
                "frontendAnimation": None,
            },
            "timeZone": "America/New_York",
        }

    def _indoor_fields(self) -> dict[str, Any]:
        if self.headless:
            keys = ["power", "operationMode", "humidity", "fanSpeed", "airDirection", "roomTemp"]
            keys += ["spCool", "spHeat", "runTest", "activeThermistor", "tempSource"]
            return dict.fromkeys(keys) | {"displayConfig": None}
        status = self.unit.tree["indoorUnit"]["status"]
        powered = status["mode"] != "off"
        return {
            "power": 1 if powered else 0,
            "operationMode": status["mode"] if powered else self.last_mode,
            "humidity": self._humidity(),
            "fanSpeed": status["fanSpeed"],
            "airDirection": status["vaneDir"],
            "roomTemp": status["roomTemp"],
            "spCool": status["spCool"],
            "spHeat": status["spHeat"],
            "runTest": status["runTest"],
            "activeThermistor": status["activeThermistor"],
            "tempSource": status["tempSource"],
            "displayConfig": {
                "filter": status["filterDirty"],
                "defrost": status["defrost"],
                "hotAdjust": status["hotAdjust"],
                "standby": status["standby"],
            },
        }

    def _humidity(self) -> float | None:
        """The cloud's humidity comes from a wireless sensor or an MHK2 (§6.1)."""
        sensor = self.unit.tree["sensors"]["0"]
        if sensor.get("uuid"):
            return float(sensor["humidity"])
        mhk2 = self.unit.tree.get("mhk2")
        if isinstance(mhk2, dict):
            return float(mhk2["status"]["indoorHumid"])
        return None

    def status_document(self) -> dict[str, Any]:
        """The `device_status_v2` payload (§13.6)."""
        return {
            "deviceSerial": self.serial,
            "status": "connected" if self.connected else "disconnected",
            "lastTimeConnected": iso_timestamp(self.last_connected_at),
            "lastTimeDisconnected": (
                None
                if self.last_disconnected_at is None
                else iso_timestamp(self.last_disconnected_at)
            ),
            "lastDisconnectedReason": self.disconnected_reason,
            "serverId": "sim-socket-1",
            "hasIduCommunicationError": False,
        }

    def adapter_document(self, zone_name: str) -> dict[str, Any]:
        """The `adapter_update` payload (§13.6), as sent since 2026-08: no password."""
        d = self.unit.definition
        return {
            "deviceSerial": self.serial,
            "firmwareVersion": d.firmware_version,
            "routerSsid": "HomeWiFi",
            "routerRssi": self.unit.adapter_status["localNetwork"]["stationMode"]["RSSI"],
            "minSetpoint": d.minimum_setpoints.get("cool"),
            "maxSetpoint": d.maximum_setpoints.get("heat"),
            "roomTempDisplayOffset": 0,
            "modeHeat": d.user_has_mode_heat,
            "modeDry": d.user_has_mode_dry,
            "autoModeDisable": d.auto_mode_prevention,
            "receiverRelay": "MHK2" if d.mhk2 else None,
            "zoneName": zone_name,
            "lastUpdated": iso_timestamp(self.wall_clock()),
        }

    # ------------------------------------------------------------------ connection

    def disconnect(self, reason: str) -> None:
        """The adapter drops off the cloud (unplugged, WiFi gone)."""
        self.connected = False
        self.last_disconnected_at = self.wall_clock()
        self.disconnected_reason = reason

    def reconnect(self) -> None:
        """The adapter is back."""
        self.connected = True
        self.last_connected_at = self.wall_clock()

    # ------------------------------------------------------------------ commands (§13.5)

    def validate(self, commands: Mapping[str, Any]) -> list[str]:
        """The error codes the cloud answers for these commands (empty: valid)."""
        if self.headless:
            return ["invalidDevice"]
        codes = [self._invalid(key, value) for key, value in commands.items()]
        return list(dict.fromkeys(code for code in codes if code is not None))

    def _invalid(self, key: str, value: Any) -> str | None:
        unit = self.unit
        ranges = {"spHeat": "heat", "spCool": "cool", "spAuto": "auto"}
        if key in ranges:
            code = f"invalid{key[0].upper()}{key[1:]}Range"
            if isinstance(value, bool) or not isinstance(value, int | float):
                return code
            low, high = unit.setpoint_range(ranges[key])
            return None if low <= value <= high else code
        vocabularies: dict[str, tuple[str, set[Any]]] = {
            "power": ("invalidPower", {0, 1}),
            "operationMode": ("invalidOperationMode", unit.allowed_modes() - {"off"}),
            "fanSpeed": ("invalidFanSpeed", unit.fan_speeds()),
            "airDirection": ("invalidAirDirection", unit.vane_directions()),
        }
        if key not in vocabularies:
            return "invalidCommand"
        code, allowed = vocabularies[key]
        valid = not isinstance(value, bool) and isinstance(value, int | str) and value in allowed
        return None if valid else code

    def apply(self, commands: Mapping[str, Any]) -> None:
        """Carry out validated commands on the unit, as its adapter would."""
        if not self.connected:
            return  # [G] the cloud accepted it, the unplugged adapter never sees it
        status: dict[str, Any] = {}
        mode = commands.get("operationMode")
        powered = self.unit.tree["indoorUnit"]["status"]["mode"] != "off"
        if mode is not None:
            self.last_mode = mode
        if commands.get("power") == 0:
            status["mode"] = "off"
        elif commands.get("power") == 1 or (powered and mode is not None):
            status["mode"] = self.last_mode
        for cloud_key, local_key in (
            ("spHeat", "spHeat"),
            ("spCool", "spCool"),
            ("fanSpeed", "fanSpeed"),
            ("airDirection", "vaneDir"),
        ):
            if cloud_key in commands:
                status[local_key] = commands[cloud_key]
        if "spAuto" in commands:
            self.sp_auto = float(commands["spAuto"])
        self.unit.write_status(**status)


def stable_id(*parts: str) -> str:
    """A UUID that stays the same for the same parts (sites, zones, adapters)."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))
