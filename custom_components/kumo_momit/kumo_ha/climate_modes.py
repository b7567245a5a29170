"""How a Kumo unit's modes, fan speeds, vanes, actions and setpoint limits show in Home Assistant.

Home Assistant's fan and swing modes are lowercase keys; the unit's own words are their
translations (`translations/en.json`, `entity.climate.kumo_unit.state_attributes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from homeassistant.components.climate import HVACAction, HVACMode
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.restore_state import ExtraStoredData

from ..const import DOMAIN
from ..kumo import (
    Capabilities,
    FanSpeed,
    IndoorUnitStatus,
    OperationMode,
    SetpointRange,
    VaneDirection,
)

MODE_TO_HVAC: Final = {
    OperationMode.OFF: HVACMode.OFF,
    OperationMode.HEAT: HVACMode.HEAT,
    OperationMode.COOL: HVACMode.COOL,
    OperationMode.DRY: HVACMode.DRY,
    OperationMode.VENT: HVACMode.FAN_ONLY,
    OperationMode.AUTO: HVACMode.HEAT_COOL,
    OperationMode.AUTO_HEAT: HVACMode.HEAT_COOL,
    OperationMode.AUTO_COOL: HVACMode.HEAT_COOL,
}
HVAC_TO_MODE: Final = {
    HVACMode.OFF: OperationMode.OFF,
    HVACMode.HEAT: OperationMode.HEAT,
    HVACMode.COOL: OperationMode.COOL,
    HVACMode.DRY: OperationMode.DRY,
    HVACMode.FAN_ONLY: OperationMode.VENT,
    HVACMode.HEAT_COOL: OperationMode.AUTO,
}
RUNNING_ACTION: Final = {
    OperationMode.HEAT: HVACAction.HEATING,
    OperationMode.AUTO_HEAT: HVACAction.HEATING,
    OperationMode.COOL: HVACAction.COOLING,
    OperationMode.AUTO_COOL: HVACAction.COOLING,
    OperationMode.DRY: HVACAction.DRYING,
    OperationMode.VENT: HVACAction.FAN,
    # Auto before the unit reports which way it works: nothing to condition yet.
    OperationMode.AUTO: HVACAction.IDLE,
    OperationMode.OFF: HVACAction.OFF,
}
# Home Assistant mode names must be lowercase keys; the unit's own words are the translations.
# 4-speed units spell low `Low` (§7.2): both show as "low".
FAN_MODE_KEYS: Final = {
    FanSpeed.SUPER_QUIET: "super_quiet",
    FanSpeed.QUIET: "quiet",
    FanSpeed.LOW: "low",
    FanSpeed.LOW_FOUR_SPEED: "low",
    FanSpeed.POWERFUL: "powerful",
    FanSpeed.SUPER_POWERFUL: "super_powerful",
    FanSpeed.AUTO: "auto",
}
SWING_MODE_KEYS: Final = {
    VaneDirection.HORIZONTAL: "horizontal",
    VaneDirection.MIDHORIZONTAL: "mid_horizontal",
    VaneDirection.MIDPOINT: "midpoint",
    VaneDirection.MIDVERTICAL: "mid_vertical",
    VaneDirection.VERTICAL: "vertical",
    VaneDirection.AUTO: "auto",
    VaneDirection.SWING: "swing",
}


def unit_action(status: IndoorUnitStatus) -> HVACAction | None:
    """What the unit is doing, from its own flags (never guessed from temperatures)."""
    mode = status.mode
    if mode is None:
        return None
    if mode is OperationMode.OFF:
        return HVACAction.OFF
    if status.defrost:
        return HVACAction.DEFROSTING
    if status.standby:
        # Thermo-off: the unit is on but not conditioning (hass-kumo, §6.1).
        return HVACAction.IDLE
    if status.hot_adjust and mode in (OperationMode.HEAT, OperationMode.AUTO_HEAT):
        # Hot adjust holds the fan until the coil is warm ([G] meaning, §6.1).
        return HVACAction.PREHEATING
    return RUNNING_ACTION[mode]


def setpoints_for(
    mode: OperationMode | None,
    temperature: float | None,
    low: float | None,
    high: float | None,
) -> tuple[float | None, float | None]:
    """The (heat, cool) setpoints a set-temperature request means for a unit in `mode`."""
    if low is not None and high is not None:
        return low, high
    if temperature is None or mode is OperationMode.OFF:
        return None, None
    if mode is OperationMode.HEAT:
        return temperature, None
    if mode in (OperationMode.COOL, OperationMode.DRY):
        return None, temperature
    if mode is not None and mode.is_auto:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="range_required")
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="no_setpoint_in_mode",
        translation_placeholders={"mode": str(None if mode is None else MODE_TO_HVAC[mode])},
    )


def setpoint_limits(caps: Capabilities, mode: OperationMode | None) -> SetpointRange:
    """The setpoints the unit accepts in `mode`, from its profile (§8.2)."""
    if mode is OperationMode.HEAT:
        return caps.heat_setpoint_range(mode)
    if mode in (OperationMode.COOL, OperationMode.DRY):
        return caps.cool_setpoint_range(mode)
    if mode is not None and mode.is_auto:
        heat, cool = caps.heat_setpoint_range(mode), caps.cool_setpoint_range(mode)
        return SetpointRange(heat.minimum, max(heat.maximum, cool.maximum))
    # Off or fan: any of the unit's modes may follow, so allow the union of their ranges.
    ranges = [caps.cool_range]
    if OperationMode.HEAT in caps.modes:
        ranges.append(caps.heat_range)
    if OperationMode.AUTO in caps.modes:
        ranges.append(caps.auto_range)
    return SetpointRange(min(r.minimum for r in ranges), max(r.maximum for r in ranges))


@dataclass
class LastOnMode(ExtraStoredData):
    """The mode `turn_on` goes back to, kept across restarts."""

    mode: str | None

    def as_dict(self) -> dict[str, Any]:
        """The stored form."""
        return {"mode": self.mode}
