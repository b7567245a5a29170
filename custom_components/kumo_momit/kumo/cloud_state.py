"""A unit's state as the v3 cloud reports it (REST §13.4, Socket.IO §13.6), in the local models.

The cloud speaks of the same unit as the local API with other words (§13.4's mapping):
`operationMode` + `power` for `mode`, `airDirection` for `vaneDir`, `displayConfig.*` for the
status flags. Parsing translates a cloud document into the local vocabulary and then uses the
local parsers, so a cloud unit and a local unit end up in one `IndoorUnitStatus` /
`IndoorUnitState` and the Home Assistant entities cannot tell them apart.

Where the notes are silent ([G], conservative):

* A unit is off when `power` is 0, whatever `operationMode` says (the cloud may keep the last
  mode there while off; the app re-sends `power: 1` with the mode to turn on, §13.5).
* The user-level mode masks (`modeHeat`, `modeDry`, `autoModeDisable`) come with
  `adapter_update` and the 2025 `/status` form only. Where heat/dry masks are absent, the
  profile alone decides (masking heat off a heat pump because a flag is unknown would hide a
  working mode; the cloud refuses what the unit cannot do with a 400 anyway). An absent
  `autoModeDisable` counts as set: auto is then offered only when the profile's setpoint
  limits have an `auto` key, the evidence pykumo accepts against the flag (§8.1).
* `device_status_v2` with `hasIduCommunicationError: true` means the adapter is online but
  cannot talk to the indoor unit: such a unit counts as unreachable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ._values import clean_text
from .models import (
    AdapterStatus,
    Capabilities,
    IndoorUnitProfile,
    IndoorUnitState,
    IndoorUnitStatus,
    parse_celsius,
)


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _flag(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _dbm(value: object) -> int | None:
    number = parse_celsius(value)  # any finite number; placeholders give None
    return None if number is None else round(number)


def _powered_off(value: object) -> bool:
    """`power` is 0/1 on the wire (§13.5); a bool or "0" is taken too."""
    return value is False or (not isinstance(value, bool) and value in (0, "0"))


def _local_status(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The device document in the words of `indoorUnit.status` (§6.1, §13.4)."""
    display = _mapping(doc.get("displayConfig"))
    mode = doc.get("operationMode")
    if _powered_off(doc.get("power")):
        mode = "off"
    return {
        "mode": mode,
        "spHeat": doc.get("spHeat"),
        "spCool": doc.get("spCool"),
        "roomTemp": doc.get("roomTemp"),
        "fanSpeed": doc.get("fanSpeed"),
        "vaneDir": doc.get("airDirection"),
        "standby": display.get("standby"),
        "defrost": display.get("defrost"),
        "filterDirty": display.get("filter"),
        "hotAdjust": display.get("hotAdjust"),
        "tempSource": doc.get("tempSource"),
        "activeThermistor": doc.get("activeThermistor"),
        "runTest": doc.get("runTest"),
    }


@dataclass(frozen=True, kw_only=True)
class CloudDeviceState:
    """`GET /v3/devices/{serial}` or a `device_update` push, parsed."""

    serial: str
    status: IndoorUnitStatus
    status_fields: Mapping[str, Any] = field(default_factory=dict, repr=False)
    """The document in `indoorUnit.status` words, as `status` was parsed from."""
    humidity: float | None = None
    """From the unit's wireless sensor or MHK2, as the cloud relays it (§6.1)."""
    wifi_rssi: int | None = None
    connected: bool | None = None
    """The document's own flag: reported stale for lost units (§13.5); trust
    `device_status_v2` instead when push is up."""
    model: str | None = None
    indoor_unit_serial: str | None = None
    is_headless: bool | None = None

    @classmethod
    def from_wire(cls, raw: object, serial: str | None = None) -> CloudDeviceState | None:
        """Parse a device document; None without a serial (neither given nor inside)."""
        doc = _mapping(raw)
        serial = clean_text(doc.get("deviceSerial")) or serial
        if serial is None:
            return None
        fields = _local_status(doc)
        return cls(
            serial=serial,
            status=IndoorUnitStatus.from_wire(fields),
            status_fields=fields,
            humidity=parse_celsius(doc.get("humidity")),
            wifi_rssi=_dbm(doc.get("rssi")),
            connected=_flag(doc.get("connected")),
            model=clean_text(doc.get("modelNumber")),
            indoor_unit_serial=clean_text(doc.get("serialNumber")),
            is_headless=_flag(doc.get("isHeadless")),
        )


@dataclass(frozen=True, kw_only=True)
class CloudConnectionState:
    """A `device_status_v2` push (§13.6): whether the adapter is on the cloud."""

    serial: str
    connected: bool
    indoor_unit_error: bool = False
    disconnected_reason: str | None = None

    @property
    def reachable(self) -> bool:
        """Online and talking to its indoor unit ([G] for the second part)."""
        return self.connected and not self.indoor_unit_error

    @classmethod
    def from_wire(cls, raw: object) -> CloudConnectionState | None:
        """None for a payload without a serial or with an unknown `status` word."""
        doc = _mapping(raw)
        serial = clean_text(doc.get("deviceSerial"))
        status = doc.get("status")
        if serial is None or status not in ("connected", "disconnected"):
            return None
        return cls(
            serial=serial,
            connected=status == "connected",
            indoor_unit_error=doc.get("hasIduCommunicationError") is True,
            disconnected_reason=clean_text(doc.get("lastDisconnectedReason")),
        )


def cloud_adapter_status(raw: object) -> AdapterStatus:
    """`adapter_update` (§13.6) or `GET /v3/devices/{serial}/status` (§13.4) as the local
    `adapter.status` model. Absent masks allow the mode (see the module notes)."""
    doc = _mapping(raw)
    auto_disabled = _flag(doc.get("autoModeDisable"))
    return AdapterStatus(
        # Unknown counts as prevented: auto is then offered only where the profile's auto
        # setpoint keys show it (§8.1, pykumo PR #66).
        auto_mode_prevention=auto_disabled is not False,
        user_has_mode_dry=_flag(doc.get("modeDry")) is not False,
        user_has_mode_heat=_flag(doc.get("modeHeat")) is not False,
        wifi_rssi=_dbm(doc.get("routerRssi")),
        # §8.2: the cloud's min/max setpoints are the adapter's user limits.
        user_min_cool_setpoint=parse_celsius(doc.get("minSetpoint", doc.get("minSetPoint"))),
        user_max_heat_setpoint=parse_celsius(doc.get("maxSetpoint", doc.get("maxSetPoint"))),
        room_temp_offset=parse_celsius(doc.get("roomTempDisplayOffset")),
    )


def cloud_unit_state(
    device: CloudDeviceState,
    *,
    name: str,
    profile: IndoorUnitProfile,
    adapter: AdapterStatus | None,
    status: IndoorUnitStatus | None = None,
) -> IndoorUnitState:
    """The state a local poll would have produced, from what the cloud reported (`status`
    replaces the device's own, e.g. with commanded values not yet confirmed)."""
    adapter = adapter or cloud_adapter_status({})
    if device.wifi_rssi is not None:  # the device document is the fresher of the two
        adapter = replace(adapter, wifi_rssi=device.wifi_rssi)
    return IndoorUnitState(
        serial=device.serial,
        name=name,
        status=device.status if status is None else status,
        profile=profile,
        adapter=adapter,
        capabilities=Capabilities.derive(profile, adapter),
        cloud_humidity=device.humidity,
    )
