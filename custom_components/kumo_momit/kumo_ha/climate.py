"""The climate entity of a Kumo indoor unit: modes, setpoints, fan and vane from its profile."""

from __future__ import annotations

from typing import Any

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
    PRECISION_WHOLE,
    UnitOfTemperature,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.restore_state import RestoreEntity

from ..compat import with_pre_native_temperature_names
from ..const import DOMAIN
from ..kumo import (
    Capabilities,
    IndoorUnitState,
    OperationMode,
    SetpointRange,
    celsius_setpoint_to_fahrenheit,
    fahrenheit_setpoint_to_celsius,
)
from .climate_modes import (
    FAN_MODE_KEYS,
    HVAC_TO_MODE,
    MODE_TO_HVAC,
    SWING_MODE_KEYS,
    LastOnMode,
    setpoint_limits,
    setpoints_for,
    unit_action,
)
from .coordinator import KumoIndoorCoordinator, KumoIndoorDevice
from .data import KumoRuntimeData
from .entity import KumoEntity
from .room_sensor import TemperatureSourceAttributes


@callback
def async_setup_kumo_climates(
    hass: HomeAssistant, runtime: KumoRuntimeData, async_add_entities: AddEntitiesCallback
) -> None:
    """One climate entity per indoor unit (stations have none)."""
    fahrenheit = hass.config.units.temperature_unit == UnitOfTemperature.FAHRENHEIT
    async_add_entities(
        KumoClimate(coordinator, fahrenheit=fahrenheit)
        for coordinator in runtime.indoor_units.values()
    )


@with_pre_native_temperature_names
class KumoClimate(
    TemperatureSourceAttributes, KumoEntity[KumoIndoorCoordinator], ClimateEntity, RestoreEntity
):
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
    def native_temperature_unit(self) -> str:
        """The unit of every temperature this entity reports."""
        return UnitOfTemperature.FAHRENHEIT if self._fahrenheit else UnitOfTemperature.CELSIUS

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
    def extra_restore_state_data(self) -> LastOnMode:
        """Persist the last mode the unit ran in."""
        return LastOnMode(self._last_on_mode.value if self._last_on_mode else None)

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
        """Modes the unit offers (kumo.md §8.1)."""
        caps = self._capabilities
        if caps is None:
            return [HVACMode.OFF, HVACMode.COOL]
        return list(dict.fromkeys(MODE_TO_HVAC[mode] for mode in caps.modes))

    @property
    def hvac_mode(self) -> HVACMode | None:
        """The current mode; autoHeat/autoCool are heat_cool."""
        mode = self._mode
        return None if mode is None else MODE_TO_HVAC[mode]

    @property
    def hvac_action(self) -> HVACAction | None:
        """What the unit is doing, from its own flags (never guessed from temperatures).

        Unknown while a new mode is not confirmed by a read: the flags are the old mode's.
        """
        if self.coordinator.mode_unconfirmed:
            return None
        return unit_action(self._state.status)

    @property
    def native_current_temperature(self) -> float | None:
        """Room temperature as the unit uses it for control."""
        celsius = self._state.status.room_temp
        if celsius is None or not self._fahrenheit:
            return celsius
        return round(celsius * 9 / 5 + 32, 1)

    @property
    def current_humidity(self) -> float | None:
        """From a wireless sensor or an MHK2, when the unit has one."""
        humidity = self._state.humidity
        return None if humidity is None else round(humidity, 1)

    @property
    def native_target_temperature(self) -> float | None:
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
    def native_target_temperature_low(self) -> float | None:
        """Heating setpoint of the heat/cool range."""
        mode = self._mode
        if mode is None or not mode.is_auto:
            return None
        return self._setpoint_out(self._state.status.sp_heat)

    @property
    def native_target_temperature_high(self) -> float | None:
        """Cooling setpoint of the heat/cool range."""
        mode = self._mode
        if mode is None or not mode.is_auto:
            return None
        return self._setpoint_out(self._state.status.sp_cool)

    def _limits(self) -> SetpointRange | None:
        caps = self._capabilities
        return None if caps is None else setpoint_limits(caps, self._mode)

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
        mode = HVAC_TO_MODE.get(HVACMode(hvac_mode)) if hvac_mode in HVAC_TO_MODE else None
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
        await self.coordinator.async_command(lambda device: device.set_mode(mode))

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
        await self.coordinator.async_command(lambda device: device.set_mode(target))

    async def async_turn_off(self) -> None:
        """Power the unit down."""
        await self.coordinator.async_command(lambda device: device.set_mode(OperationMode.OFF))

    async def async_set_temperature(self, **kwargs: Any) -> None:
        """Setpoint(s), optionally with a mode: one request either way.

        Which setpoint a lone temperature means is decided when the command's turn comes,
        from the state earlier commands left: a value chosen right after "heat" is a heating
        setpoint even while the mode change is still on its way to the unit.
        """
        requested_mode = kwargs.get(ATTR_HVAC_MODE)
        requested = self._unit_mode(requested_mode) if requested_mode is not None else None
        temperature, low, high = (
            None if (value := kwargs.get(key)) is None else self._setpoint_in(value)
            for key in (ATTR_TEMPERATURE, ATTR_TARGET_TEMP_LOW, ATTR_TARGET_TEMP_HIGH)
        )

        async def command(device: KumoIndoorDevice) -> IndoorUnitState:
            current = device.state
            mode = requested or (current.status.mode if current is not None else None)
            heat, cool = setpoints_for(mode, temperature, low, high)
            if requested is OperationMode.OFF:
                return await device.set_mode(requested)
            if requested is not None:
                return await device.set_mode_and_setpoints(requested, heat=heat, cool=cool)
            if heat is not None and cool is not None and mode is not None:
                return await device.set_mode_and_setpoints(mode.writable, heat=heat, cool=cool)
            if heat is not None:
                return await device.set_heat_setpoint(heat)
            if cool is not None:
                return await device.set_cool_setpoint(cool)
            return current or self._state

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
        await self.coordinator.async_command(lambda device: device.set_fan_speed(speed))

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
        await self.coordinator.async_command(lambda device: device.set_vane_direction(vane))
