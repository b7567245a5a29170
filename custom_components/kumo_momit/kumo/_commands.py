"""The command API of an indoor unit, whatever carries it: the local adapter or the Kumo Cloud.

Commands are validated against the unit's capabilities (§7, §8) and planned as
`indoorUnit.status` values in the local API's words (§6.1); a subclass sends them its own way
(`_send_status`) and keeps its state in the same words, so optimistic updates and their
confirmation work the same for both.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from ._tree import JsonTree
from ._values import bounded_number
from .errors import KumoValidationError
from .models import (
    TEMPERATURE_BOUNDS_C,
    Capabilities,
    FanSpeed,
    IndoorUnitState,
    OperationMode,
    VaneDirection,
    round_setpoint,
)


class IndoorUnitCommands:
    """Commands shared by `KumoIndoorUnit` (local) and `KumoCloudIndoorUnit` (cloud).

    A subclass provides `name`, `_ready()` (a state to validate against), `_send_status()`
    (carry the values to the unit), `_publish()` (rebuild the state from `_status_raw` and the
    pending values) and `_optimistic_until()` (how long a written value is trusted over a read
    that still shows the old one).
    """

    name: str
    _status_raw: JsonTree
    _pending: dict[str, tuple[Any, float]]

    async def _ready(self) -> IndoorUnitState:
        raise NotImplementedError

    async def _send_status(self, values: JsonTree) -> None:
        raise NotImplementedError

    def _publish(self) -> IndoorUnitState:
        raise NotImplementedError

    def _optimistic_until(self) -> float:
        raise NotImplementedError

    def _now(self) -> float:
        raise NotImplementedError

    async def _write_status(self, values: JsonTree) -> IndoorUnitState:
        await self._send_status(values)
        # Do not trust an echo or an earlier read (it may show the old value, §2.2): show what
        # was written now; a read or push that shows it confirms it (or, after the hold, a
        # read that does not overrides it).
        until = self._optimistic_until()
        for key, value in values.items():
            self._status_raw[key] = value
            self._pending[key] = (value, until)
        return self._publish()

    def _merge_status(self, status: JsonTree) -> None:
        """Take a status read (or pushed): it confirms pending values or, late, overrides them."""
        self._status_raw.update(status)
        now = self._now()
        for key, (value, until) in list(self._pending.items()):
            if _confirms(key, status.get(key), value) or now >= until:
                del self._pending[key]

    def _status_with_pending(self) -> JsonTree:
        status_raw = dict(self._status_raw)
        for key, (value, _until) in self._pending.items():
            status_raw[key] = value
        return status_raw

    async def set_mode(self, mode: OperationMode | str) -> IndoorUnitState:
        """Set the operation mode (`off` powers the unit down, §6.1)."""
        state = await self._ready()
        target = self._writable_mode(mode, state.capabilities)
        return await self._write_status({"mode": target.value})

    async def set_heat_setpoint(self, celsius: float) -> IndoorUnitState:
        """Set spHeat (in auto, spCool is raised if needed to stay ≥ spHeat)."""
        state = await self._ready()
        return await self._write_status(
            setpoint_values(state, state.status.mode, heat=celsius, cool=None)
        )

    async def set_cool_setpoint(self, celsius: float) -> IndoorUnitState:
        """Set spCool (in auto, spHeat is lowered if needed to stay ≤ spCool)."""
        state = await self._ready()
        return await self._write_status(
            setpoint_values(state, state.status.mode, heat=None, cool=celsius)
        )

    async def set_mode_and_setpoints(
        self,
        mode: OperationMode | str,
        heat: float | None = None,
        cool: float | None = None,
    ) -> IndoorUnitState:
        """Mode and setpoints in ONE request, e.g. `{"mode":"auto","spHeat":20.5,"spCool":24}`.

        Multi-key status writes are used in the field (§5, homebridge clients); the body shape
        is one of the token vectors. Setpoints are clamped to the target mode's limits.
        """
        state = await self._ready()
        target = self._writable_mode(mode, state.capabilities)
        values: JsonTree = {"mode": target.value}
        values.update(setpoint_values(state, target, heat=heat, cool=cool))
        return await self._write_status(values)

    async def set_fan_speed(self, speed: FanSpeed | str) -> IndoorUnitState:
        """Set the fan speed; must be one of `capabilities.fan_speeds` (§7.2)."""
        state = await self._ready()
        value = vocabulary_value(FanSpeed, speed, "fan speed")
        if value not in state.capabilities.fan_speeds:
            raise KumoValidationError(f"{self.name} does not support fan speed {value.value!r}")
        return await self._write_status({"fanSpeed": value.value})

    async def set_vane_direction(self, direction: VaneDirection | str) -> IndoorUnitState:
        """Set the vertical vane; must be one of `capabilities.vane_directions` (§7.3)."""
        state = await self._ready()
        value = vocabulary_value(VaneDirection, direction, "vane direction")
        if value not in state.capabilities.vane_directions:
            raise KumoValidationError(
                f"{self.name} does not support vane direction {value.value!r}"
            )
        return await self._write_status({"vaneDir": value.value})

    def _writable_mode(
        self, mode: OperationMode | str, capabilities: Capabilities
    ) -> OperationMode:
        target = vocabulary_value(OperationMode, mode, "mode")
        if target in (OperationMode.AUTO_HEAT, OperationMode.AUTO_COOL):
            raise KumoValidationError(f"{target.value!r} is reported by the unit, write 'auto'")
        if target not in capabilities.modes:
            raise KumoValidationError(f"{self.name} does not support mode {target.value!r}")
        return target


# While auto runs the unit reports which way it works, never `auto` itself (§6.1, §7.1).
_AUTO_REPORTS: frozenset[str] = frozenset(
    {OperationMode.AUTO.value, OperationMode.AUTO_HEAT.value, OperationMode.AUTO_COOL.value}
)


def _confirms(key: str, reported: Any, written: Any) -> bool:
    """Whether a read shows a written value as applied: the same value, or for `mode: auto`
    the autoHeat/autoCool the unit reports while it runs auto."""
    if key == "mode" and written == OperationMode.AUTO.value:
        return reported in _AUTO_REPORTS
    return bool(reported == written)


def setpoint_values(
    state: IndoorUnitState,
    mode: OperationMode | None,
    *,
    heat: float | None,
    cool: float | None,
) -> JsonTree:
    """Round to 0.5 °C, clamp to the mode's limits (§8.2); in auto keep spCool ≥ spHeat.

    The value given wins: a lone heat setpoint above spCool pushes spCool up, a lone cool
    setpoint below spHeat pushes spHeat down; with both given, spCool is raised to spHeat
    (hass-kumo's convention, §8.3).
    """
    caps = state.capabilities
    heat_range, cool_range = caps.heat_setpoint_range(mode), caps.cool_setpoint_range(mode)
    heat_c = None if heat is None else heat_range.clamp(_setpoint(heat))
    cool_c = None if cool is None else cool_range.clamp(_setpoint(cool))
    if mode is not None and mode.is_auto:
        if heat_c is not None and cool_c is None:
            current = state.status.sp_cool
            if current is not None and current < heat_c:
                cool_c = cool_range.clamp(heat_c)
        elif cool_c is not None and heat_c is None:
            current = state.status.sp_heat
            if current is not None and current > cool_c:
                heat_c = heat_range.clamp(cool_c)
        if heat_c is not None and cool_c is not None and cool_c < heat_c:
            cool_c = cool_range.clamp(heat_c)
            heat_c = min(heat_c, cool_c)
    values: JsonTree = {}
    if heat_c is not None:
        values["spHeat"] = _wire_number(heat_c)
    if cool_c is not None:
        values["spCool"] = _wire_number(cool_c)
    return values


def vocabulary_value[E: StrEnum](enum_type: type[E], value: E | str, what: str) -> E:
    try:
        return enum_type(value)
    except ValueError:
        raise KumoValidationError(f"{value!r} is not a Kumo {what}") from None


def _setpoint(value: float) -> float:
    celsius = bounded_number(value, *TEMPERATURE_BOUNDS_C)
    if celsius is None:
        raise KumoValidationError(f"{value!r:.40} is not a temperature")
    return round_setpoint(celsius)


def _wire_number(value: float) -> float | int:
    """Whole degrees go out as integers, like kumojs' JSON.stringify (`"spHeat":20`)."""
    return int(value) if value.is_integer() else value
