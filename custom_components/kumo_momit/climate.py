"""Climate entities: one per Kumo indoor unit and one per Momit Cool AC node."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from homeassistant.components.climate import (
    ATTR_HVAC_MODE,
    ATTR_TARGET_TEMP_HIGH,
    ATTR_TARGET_TEMP_LOW,
    ClimateEntity,
    ClimateEntityFeature,
    HVACAction,
    HVACMode,
)
from homeassistant.const import (
    ATTR_TEMPERATURE,
    PRECISION_HALVES,
    PRECISION_TENTHS,
    PRECISION_WHOLE,
    UnitOfTemperature,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.restore_state import ExtraStoredData, RestoreEntity

from .const import (
    CONF_MAX_TEMP,
    CONF_MIN_TEMP,
    CONF_TEMP_STEP,
    DEFAULT_MOMIT_MAX_TEMP,
    DEFAULT_MOMIT_MIN_TEMP,
    DEFAULT_MOMIT_TEMP_STEP,
    DOMAIN,
)
from .coordinator import KumoIndoorCoordinator, MomitNodeCoordinator
from .data import KumoMomitConfigEntry, KumoRuntimeData
from .entity import KumoEntity, MomitEntity
from .kumo import (
    Capabilities,
    FanSpeed,
    IndoorUnitState,
    KumoIndoorUnit,
    OperationMode,
    SetpointRange,
    VaneDirection,
    celsius_setpoint_to_fahrenheit,
    fahrenheit_setpoint_to_celsius,
)
from .momit import AcMode, AcOutput, AcState, MomitCoolClient

# Commands go through each device's lock; HA need not add its own limit.
PARALLEL_UPDATES = 0

_MODE_TO_HVAC: Final = {
    OperationMode.OFF: HVACMode.OFF,
    OperationMode.HEAT: HVACMode.HEAT,
    OperationMode.COOL: HVACMode.COOL,
    OperationMode.DRY: HVACMode.DRY,
    OperationMode.VENT: HVACMode.FAN_ONLY,
    OperationMode.AUTO: HVACMode.HEAT_COOL,
    OperationMode.AUTO_HEAT: HVACMode.HEAT_COOL,
    OperationMode.AUTO_COOL: HVACMode.HEAT_COOL,
}
_HVAC_TO_MODE: Final = {
    HVACMode.OFF: OperationMode.OFF,
    HVACMode.HEAT: OperationMode.HEAT,
    HVACMode.COOL: OperationMode.COOL,
    HVACMode.DRY: OperationMode.DRY,
    HVACMode.FAN_ONLY: OperationMode.VENT,
    HVACMode.HEAT_COOL: OperationMode.AUTO,
}
_RUNNING_ACTION: Final = {
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


async def async_setup_entry(
    hass: HomeAssistant,
    entry: KumoMomitConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """One climate entity per Kumo indoor unit (stations have none) or Momit AC node."""
    runtime = entry.runtime_data
    if isinstance(runtime, KumoRuntimeData):
        fahrenheit = hass.config.units.temperature_unit == UnitOfTemperature.FAHRENHEIT
        async_add_entities(
            KumoClimate(coordinator, fahrenheit=fahrenheit)
            for coordinator in runtime.indoor_units.values()
        )
    else:
        async_add_entities(
            MomitClimate(
                coordinator,
                min_temp=entry.options.get(CONF_MIN_TEMP, DEFAULT_MOMIT_MIN_TEMP),
                max_temp=entry.options.get(CONF_MAX_TEMP, DEFAULT_MOMIT_MAX_TEMP),
                step=entry.options.get(CONF_TEMP_STEP, DEFAULT_MOMIT_TEMP_STEP),
            )
            for coordinator in runtime.nodes.values()
        )


@dataclass
class _LastOnMode(ExtraStoredData):
    """The mode `turn_on` goes back to, kept across restarts."""

    mode: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"mode": self.mode}


class KumoClimate(KumoEntity[KumoIndoorCoordinator], ClimateEntity, RestoreEntity):
    """A Kumo indoor unit.

    Setpoints are °C on the wire. With Home Assistant in °F the entity works in whole °F
    through the Kumo app's own table, so a setpoint reads the same here and in the app.
    """

    _attr_name = None
    _attr_translation_key = "kumo_unit"
    _enable_turn_on_off_backwards_compatibility = False

    def __init__(self, coordinator: KumoIndoorCoordinator, *, fahrenheit: bool) -> None:
        super().__init__(coordinator, None)
        self._fahrenheit = fahrenheit
        self._last_on_mode: OperationMode | None = None
        self._attr_target_temperature_step = 1.0 if fahrenheit else 0.5
        self._attr_precision = PRECISION_WHOLE if fahrenheit else PRECISION_HALVES
        self._remember_mode()

    # --- unit conversion -----------------------------------------------------------------

    @property
    def temperature_unit(self) -> str:
        """The unit of every temperature this entity reports (HA ≤ 2026.10 name)."""
        return UnitOfTemperature.FAHRENHEIT if self._fahrenheit else UnitOfTemperature.CELSIUS

    @property
    def native_temperature_unit(self) -> str:
        """The same, under the HA ≥ 2026.11 name."""
        return self.temperature_unit

    def _setpoint_out(self, celsius: float | None) -> float | None:
        if celsius is None:
            return None
        return float(celsius_setpoint_to_fahrenheit(celsius)) if self._fahrenheit else celsius

    def _setpoint_in(self, value: float) -> float:
        return fahrenheit_setpoint_to_celsius(value) if self._fahrenheit else value

    # --- state ---------------------------------------------------------------------------

    @property
    def _state(self) -> IndoorUnitState:
        return self.coordinator.data

    @property
    def _capabilities(self) -> Capabilities | None:
        data = self.coordinator.data
        return data.capabilities if data is not None else self.coordinator.device.capabilities

    @property
    def _mode(self) -> OperationMode | None:
        data = self.coordinator.data
        return data.status.mode if data is not None else None

    @callback
    def _remember_mode(self) -> None:
        mode = self._mode
        if mode is not None and mode is not OperationMode.OFF:
            self._last_on_mode = mode.writable

    @callback
    def _handle_coordinator_update(self) -> None:
        self._remember_mode()
        super()._handle_coordinator_update()

    async def async_added_to_hass(self) -> None:
        """Restore the mode `turn_on` should go back to."""
        await super().async_added_to_hass()
        if self._last_on_mode is None and (extra := await self.async_get_last_extra_data()):
            raw = extra.as_dict().get("mode")
            if raw in {mode.value for mode in OperationMode}:
                self._last_on_mode = OperationMode(raw).writable

    @property
    def extra_restore_state_data(self) -> _LastOnMode:
        """Persist the last mode the unit ran in."""
        return _LastOnMode(self._last_on_mode.value if self._last_on_mode else None)

    @property
    def supported_features(self) -> ClimateEntityFeature:
        """Features follow the unit's capabilities."""
        features = (
            ClimateEntityFeature.TARGET_TEMPERATURE
            | ClimateEntityFeature.FAN_MODE
            | ClimateEntityFeature.TURN_ON
            | ClimateEntityFeature.TURN_OFF
        )
        caps = self._capabilities
        if caps is not None and OperationMode.AUTO in caps.modes:
            features |= ClimateEntityFeature.TARGET_TEMPERATURE_RANGE
        if caps is not None and caps.vane_directions:
            features |= ClimateEntityFeature.SWING_MODE
        return features

    @property
    def hvac_modes(self) -> list[HVACMode]:
        """Modes the unit offers (spec §8.1)."""
        caps = self._capabilities
        if caps is None:
            return [HVACMode.OFF, HVACMode.COOL]
        return list(dict.fromkeys(_MODE_TO_HVAC[mode] for mode in caps.modes))

    @property
    def hvac_mode(self) -> HVACMode | None:
        """The current mode; autoHeat/autoCool are heat_cool."""
        mode = self._mode
        return None if mode is None else _MODE_TO_HVAC[mode]

    @property
    def hvac_action(self) -> HVACAction | None:
        """What the unit is doing, from its own flags (never guessed from temperatures)."""
        status = self._state.status
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
        return _RUNNING_ACTION[mode]

    @property
    def current_temperature(self) -> float | None:
        """Room temperature as the unit uses it for control."""
        celsius = self._state.status.room_temp
        if celsius is None or not self._fahrenheit:
            return celsius
        return round(celsius * 9 / 5 + 32, 1)

    @property
    def native_current_temperature(self) -> float | None:
        """HA ≥ 2026.11 name."""
        return self.current_temperature

    @property
    def current_humidity(self) -> float | None:
        """From a wireless sensor or an MHK2, when the unit has one."""
        humidity = self._state.humidity
        return None if humidity is None else round(humidity, 1)

    @property
    def target_temperature(self) -> float | None:
        """The setpoint of the current single-setpoint mode."""
        status = self._state.status
        mode = status.mode
        if mode is OperationMode.HEAT:
            return self._setpoint_out(status.sp_heat)
        if mode is OperationMode.COOL or (
            mode is OperationMode.DRY and self._state.profile.uses_setpoint_in_dry_mode
        ):
            return self._setpoint_out(status.sp_cool)
        return None

    @property
    def native_target_temperature(self) -> float | None:
        """HA ≥ 2026.11 name."""
        return self.target_temperature

    @property
    def target_temperature_low(self) -> float | None:
        """Heating setpoint of the heat/cool range."""
        mode = self._mode
        if mode is None or not mode.is_auto:
            return None
        return self._setpoint_out(self._state.status.sp_heat)

    @property
    def native_target_temperature_low(self) -> float | None:
        """HA ≥ 2026.11 name."""
        return self.target_temperature_low

    @property
    def target_temperature_high(self) -> float | None:
        """Cooling setpoint of the heat/cool range."""
        mode = self._mode
        if mode is None or not mode.is_auto:
            return None
        return self._setpoint_out(self._state.status.sp_cool)

    @property
    def native_target_temperature_high(self) -> float | None:
        """HA ≥ 2026.11 name."""
        return self.target_temperature_high

    def _limits(self) -> SetpointRange | None:
        caps = self._capabilities
        if caps is None:
            return None
        mode = self._mode
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

    @property
    def min_temp(self) -> float:
        """Lowest setpoint the unit accepts in its current mode (profile limits, §8.2)."""
        limits = self._limits()
        if limits is None:
            return super().min_temp
        return self._setpoint_out(limits.minimum) or limits.minimum

    @property
    def max_temp(self) -> float:
        """Highest setpoint the unit accepts in its current mode (profile limits, §8.2)."""
        limits = self._limits()
        if limits is None:
            return super().max_temp
        return self._setpoint_out(limits.maximum) or limits.maximum

    @property
    def fan_modes(self) -> list[str] | None:
        """The unit's fan speeds, quietest first."""
        caps = self._capabilities
        if caps is None:
            return None
        return list(dict.fromkeys(FAN_MODE_KEYS[speed] for speed in caps.fan_speeds))

    @property
    def fan_mode(self) -> str | None:
        """Current fan speed."""
        speed = self._state.status.fan_speed
        return None if speed is None else FAN_MODE_KEYS[speed]

    @property
    def swing_modes(self) -> list[str] | None:
        """Vane positions, auto and swing, as the unit offers them (§7.3)."""
        caps = self._capabilities
        if caps is None or not caps.vane_directions:
            return None
        return [SWING_MODE_KEYS[vane] for vane in caps.vane_directions]

    @property
    def swing_mode(self) -> str | None:
        """Current vane position."""
        vane = self._state.status.vane_dir
        return None if vane is None else SWING_MODE_KEYS[vane]

    # --- commands ------------------------------------------------------------------------

    def _unit_mode(self, hvac_mode: HVACMode | str) -> OperationMode:
        mode = _HVAC_TO_MODE.get(HVACMode(hvac_mode)) if hvac_mode in _HVAC_TO_MODE else None
        caps = self._capabilities
        if mode is None or caps is None or mode not in caps.modes:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unsupported_hvac_mode",
                translation_placeholders={
                    "mode": str(hvac_mode),
                    "name": self.coordinator.unit.display_name,
                },
            )
        return mode

    async def async_set_hvac_mode(self, hvac_mode: HVACMode) -> None:
        """Change mode; `off` powers the unit down (there is no separate power key)."""
        mode = self._unit_mode(hvac_mode)
        await self.coordinator.async_command(lambda unit: unit.set_mode(mode))

    async def async_turn_on(self) -> None:
        """Back to the mode the unit last ran in (restored across restarts)."""
        if self._mode not in (None, OperationMode.OFF):
            return
        caps = self._capabilities
        mode = self._last_on_mode
        if mode is None or (caps is not None and mode not in caps.modes):
            # Never ran since it was added: heat/cool if the unit has it, else cool.
            auto = caps is not None and OperationMode.AUTO in caps.modes
            mode = OperationMode.AUTO if auto else OperationMode.COOL
        target = mode
        await self.coordinator.async_command(lambda unit: unit.set_mode(target))

    async def async_turn_off(self) -> None:
        """Power the unit down."""
        await self.coordinator.async_command(lambda unit: unit.set_mode(OperationMode.OFF))

    async def async_set_temperature(self, **kwargs: Any) -> None:
        """Setpoint(s), optionally with a mode: one request either way."""
        requested_mode = kwargs.get(ATTR_HVAC_MODE)
        mode = self._unit_mode(requested_mode) if requested_mode is not None else self._mode
        temperature = kwargs.get(ATTR_TEMPERATURE)
        low, high = kwargs.get(ATTR_TARGET_TEMP_LOW), kwargs.get(ATTR_TARGET_TEMP_HIGH)
        heat: float | None = None
        cool: float | None = None
        if low is not None and high is not None:
            heat, cool = self._setpoint_in(low), self._setpoint_in(high)
        elif temperature is not None:
            value = self._setpoint_in(temperature)
            if mode is OperationMode.HEAT:
                heat = value
            elif mode in (OperationMode.COOL, OperationMode.DRY):
                cool = value
            elif mode is not None and mode.is_auto:
                raise ServiceValidationError(
                    translation_domain=DOMAIN, translation_key="range_required"
                )
            elif mode is not OperationMode.OFF:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="no_setpoint_in_mode",
                    translation_placeholders={"mode": str(self.hvac_mode)},
                )

        async def command(unit: KumoIndoorUnit) -> IndoorUnitState:
            if requested_mode is not None and mode is not None:
                if mode is OperationMode.OFF:
                    return await unit.set_mode(mode)
                return await unit.set_mode_and_setpoints(mode, heat=heat, cool=cool)
            if heat is not None and cool is not None and mode is not None:
                return await unit.set_mode_and_setpoints(mode.writable, heat=heat, cool=cool)
            if heat is not None:
                return await unit.set_heat_setpoint(heat)
            if cool is not None:
                return await unit.set_cool_setpoint(cool)
            return self._state

        await self.coordinator.async_command(command)

    async def async_set_fan_mode(self, fan_mode: str) -> None:
        """Set the fan speed by its Home Assistant key."""
        caps = self._capabilities
        speeds = caps.fan_speeds if caps else ()
        speed = next((s for s in speeds if FAN_MODE_KEYS[s] == fan_mode), None)
        if speed is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unsupported_fan_mode",
                translation_placeholders={"mode": fan_mode},
            )
        await self.coordinator.async_command(lambda unit: unit.set_fan_speed(speed))

    async def async_set_swing_mode(self, swing_mode: str) -> None:
        """Set the vane position by its Home Assistant key."""
        caps = self._capabilities
        vanes = caps.vane_directions if caps else ()
        vane = next((v for v in vanes if SWING_MODE_KEYS[v] == swing_mode), None)
        if vane is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unsupported_swing_mode",
                translation_placeholders={"mode": swing_mode},
            )
        await self.coordinator.async_command(lambda unit: unit.set_vane_direction(vane))


_MOMIT_OUTPUT_TO_HVAC: Final = {
    AcOutput.OFF: HVACMode.OFF,
    AcOutput.COOL: HVACMode.COOL,
    AcOutput.HEAT: HVACMode.HEAT,
}
_HVAC_TO_MOMIT: Final = {HVACMode.COOL: AcMode.COOL, HVACMode.HEAT: AcMode.HEAT}


class MomitClimate(MomitEntity, ClimateEntity):
    """An air conditioner driven by a Momit Cool over IR.

    IR is one-way: the node reports the last command it sent, not what the AC does, so there
    is no `hvac_action`. Only cool and heat are known to work (momit.md §5.1).
    """

    _attr_name = None
    _attr_translation_key = "momit_ac"
    _attr_hvac_modes = [HVACMode.OFF, HVACMode.COOL, HVACMode.HEAT]
    _attr_supported_features = (
        ClimateEntityFeature.TARGET_TEMPERATURE
        | ClimateEntityFeature.TURN_ON
        | ClimateEntityFeature.TURN_OFF
    )
    _attr_precision = PRECISION_TENTHS
    _enable_turn_on_off_backwards_compatibility = False

    def __init__(
        self, coordinator: MomitNodeCoordinator, *, min_temp: float, max_temp: float, step: float
    ) -> None:
        super().__init__(coordinator, None)
        self._attr_min_temp = min_temp
        self._attr_max_temp = max_temp
        self._attr_target_temperature_step = step
        # What "on" goes back to, when the node has not reported a mode or setpoint.
        self._last_mode = AcMode.COOL
        self._last_setpoint_c = min(max(24.0, min_temp), max_temp)

    @property
    def _state(self) -> AcState | None:
        data = self.coordinator.data
        return data.state if data is not None else None

    @property
    def temperature_unit(self) -> str:
        """The node works in tenths of °C (HA ≤ 2026.10 name)."""
        return UnitOfTemperature.CELSIUS

    @property
    def native_temperature_unit(self) -> str:
        """HA ≥ 2026.11 name."""
        return self.temperature_unit

    @property
    def hvac_mode(self) -> HVACMode | None:
        """From the node's `out` (None while it reports `?`)."""
        state = self._state
        return None if state is None else _MOMIT_OUTPUT_TO_HVAC.get(state.output)

    @property
    def target_temperature(self) -> float | None:
        """The setpoint of the last "on" command."""
        state = self._state
        if state is not None and state.setpoint_c is not None:
            return state.setpoint_c
        return self._last_setpoint_c

    @property
    def native_target_temperature(self) -> float | None:
        """HA ≥ 2026.11 name."""
        return self.target_temperature

    @property
    def current_temperature(self) -> float | None:
        """The node's own thermometer."""
        data = self.coordinator.data
        return data.reading.temperature_c if data and data.reading else None

    @property
    def native_current_temperature(self) -> float | None:
        """HA ≥ 2026.11 name."""
        return self.current_temperature

    @property
    def current_humidity(self) -> float | None:
        """The node's own hygrometer (unit inferred, see RoomReading.humidity_percent)."""
        data = self.coordinator.data
        return data.reading.humidity_percent if data and data.reading else None

    async def _async_turn_on(self, mode: AcMode, setpoint_c: float) -> None:
        timer = self.coordinator.timer_minutes
        expected = AcState(
            output=AcOutput(mode.value), mode=mode, timer_minutes=timer, setpoint_c=setpoint_c
        )

        async def command(client: MomitCoolClient) -> None:
            await client.turn_on(mode, setpoint_c, timer)

        await self.coordinator.async_command(command, expected)
        self._last_mode, self._last_setpoint_c = mode, setpoint_c

    async def async_set_hvac_mode(self, hvac_mode: HVACMode) -> None:
        """Off, or cool/heat at the current setpoint with the configured timer."""
        if hvac_mode == HVACMode.OFF:
            await self.async_turn_off()
            return
        mode = _HVAC_TO_MOMIT.get(hvac_mode)
        if mode is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unsupported_hvac_mode",
                translation_placeholders={"mode": str(hvac_mode), "name": "Momit Cool"},
            )
        await self._async_turn_on(mode, self.target_temperature or self._last_setpoint_c)

    async def async_set_temperature(self, **kwargs: Any) -> None:
        """A new setpoint is sent at once while on; while off it is kept for the next "on"."""
        temperature = float(kwargs[ATTR_TEMPERATURE])
        requested = kwargs.get(ATTR_HVAC_MODE)
        if requested == HVACMode.OFF:
            self._last_setpoint_c = temperature
            await self.async_turn_off()
            return
        if requested is not None:
            mode = _HVAC_TO_MOMIT.get(HVACMode(requested))
            if mode is None:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="unsupported_hvac_mode",
                    translation_placeholders={"mode": str(requested), "name": "Momit Cool"},
                )
        elif self.hvac_mode in (HVACMode.COOL, HVACMode.HEAT):
            mode = _HVAC_TO_MOMIT[HVACMode(self.hvac_mode)]
        else:
            self._last_setpoint_c = temperature
            self.async_write_ha_state()
            return
        await self._async_turn_on(mode, temperature)

    @callback
    def _handle_coordinator_update(self) -> None:
        # Remember what the AC last ran with: the off command always carries cm=cool.
        state = self._state
        if state is not None and state.output in (AcOutput.COOL, AcOutput.HEAT):
            self._last_mode = AcMode(state.output.value)
            if state.setpoint_c is not None:
                self._last_setpoint_c = state.setpoint_c
        super()._handle_coordinator_update()

    async def async_turn_on(self) -> None:
        """Back to the last mode and setpoint."""
        await self._async_turn_on(self._last_mode, self.target_temperature or self._last_setpoint_c)

    async def async_turn_off(self) -> None:
        """Send the captured off command (`cm=cool,t=0,sp=off`)."""
        state = self._state
        expected = AcState(
            output=AcOutput.OFF,
            mode=state.mode if state else None,
            timer_minutes=0,
            setpoint_c=None,
        )

        async def command(client: MomitCoolClient) -> None:
            await client.turn_off()

        await self.coordinator.async_command(command, expected)
