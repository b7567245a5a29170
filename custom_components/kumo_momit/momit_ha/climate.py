"""The climate entity of a Momit Cool AC node: off, cool or heat at a setpoint, over IR."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from homeassistant.components.climate import (
    ATTR_HVAC_MODE,
    ClimateEntity,
    ClimateEntityFeature,
    HVACMode,
)
from homeassistant.const import ATTR_TEMPERATURE, PRECISION_TENTHS, UnitOfTemperature
from homeassistant.core import callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from ..compat import with_pre_native_temperature_names
from ..const import DOMAIN
from ..momit import AcMode, AcOutput, AcState, MomitCoolClient
from .const import (
    CONF_MAX_TEMP,
    CONF_MIN_TEMP,
    CONF_TEMP_STEP,
    DEFAULT_MOMIT_MAX_TEMP,
    DEFAULT_MOMIT_MIN_TEMP,
    DEFAULT_MOMIT_TEMP_STEP,
)
from .coordinator import MomitNodeCoordinator
from .data import MomitRuntimeData
from .entity import MomitEntity

if TYPE_CHECKING:
    from ..data import KumoMomitConfigEntry


@callback
def async_setup_momit_climates(
    entry: KumoMomitConfigEntry,
    runtime: MomitRuntimeData,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """One climate entity per AC node, within the setpoint range of the entry's options."""
    async_add_entities(
        MomitClimate(
            coordinator,
            min_temp=entry.options.get(CONF_MIN_TEMP, DEFAULT_MOMIT_MIN_TEMP),
            max_temp=entry.options.get(CONF_MAX_TEMP, DEFAULT_MOMIT_MAX_TEMP),
            step=entry.options.get(CONF_TEMP_STEP, DEFAULT_MOMIT_TEMP_STEP),
        )
        for coordinator in runtime.nodes.values()
    )


_MOMIT_OUTPUT_TO_HVAC: Final = {
    AcOutput.OFF: HVACMode.OFF,
    AcOutput.COOL: HVACMode.COOL,
    AcOutput.HEAT: HVACMode.HEAT,
}
_HVAC_TO_MOMIT: Final = {HVACMode.COOL: AcMode.COOL, HVACMode.HEAT: AcMode.HEAT}


@with_pre_native_temperature_names
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
    def native_temperature_unit(self) -> str:
        """The node works in tenths of °C."""
        return UnitOfTemperature.CELSIUS

    @property
    def hvac_mode(self) -> HVACMode | None:
        """From the node's `out` (None while it reports `?`)."""
        state = self._state
        return None if state is None else _MOMIT_OUTPUT_TO_HVAC.get(state.output)

    @property
    def native_target_temperature(self) -> float | None:
        """The setpoint of the last "on" command."""
        state = self._state
        if state is not None and state.setpoint_c is not None:
            return state.setpoint_c
        return self._last_setpoint_c

    @property
    def native_current_temperature(self) -> float | None:
        """The node's own thermometer."""
        data = self.coordinator.data
        return data.reading.temperature_c if data and data.reading else None

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
        await self._async_turn_on(mode, self.native_target_temperature or self._last_setpoint_c)

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
        await self._async_turn_on(
            self._last_mode, self.native_target_temperature or self._last_setpoint_c
        )

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
