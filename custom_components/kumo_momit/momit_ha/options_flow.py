"""The Momit options flow: the setpoint range and step of the air conditioner behind a node."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
)

from ..compat import vol
from ..data import async_update_entry
from .const import (
    CONF_MAX_TEMP,
    CONF_MIN_TEMP,
    CONF_TEMP_STEP,
    DEFAULT_MOMIT_MAX_TEMP,
    DEFAULT_MOMIT_MIN_TEMP,
    DEFAULT_MOMIT_TEMP_STEP,
)


class MomitOptionsFlow(OptionsFlow):
    """Setpoint range and step; one form (step `momit`)."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The only form."""
        return await self.async_step_momit(user_input)

    async def async_step_momit(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Setpoint range and step of the air conditioner behind a Momit Cool.

        The node accepts any tenths of °C; what the AC itself accepts is unknown (momit.md
        §5.1), so the user tells it; the defaults are what typical remotes allow.
        """
        options = self.config_entry.options
        errors: dict[str, str] = {}
        if user_input is not None:
            low, high = float(user_input[CONF_MIN_TEMP]), float(user_input[CONF_MAX_TEMP])
            if low < high:
                # Saved through the one write path; the flow's result repeats what was saved.
                async_update_entry(
                    self.hass,
                    self.config_entry,
                    options={
                        CONF_MIN_TEMP: low,
                        CONF_MAX_TEMP: high,
                        CONF_TEMP_STEP: float(user_input[CONF_TEMP_STEP]),
                    },
                )
                return self.async_create_entry(data=dict(self.config_entry.options))
            errors["base"] = "invalid_range"

        def temperature() -> NumberSelector:
            return NumberSelector(
                NumberSelectorConfig(
                    min=5, max=35, step=0.5, unit_of_measurement="°C", mode=NumberSelectorMode.BOX
                )
            )

        schema = vol.Schema(
            {
                vol.Required(
                    CONF_MIN_TEMP, default=options.get(CONF_MIN_TEMP, DEFAULT_MOMIT_MIN_TEMP)
                ): temperature(),
                vol.Required(
                    CONF_MAX_TEMP, default=options.get(CONF_MAX_TEMP, DEFAULT_MOMIT_MAX_TEMP)
                ): temperature(),
                vol.Required(
                    CONF_TEMP_STEP,
                    default=str(options.get(CONF_TEMP_STEP, DEFAULT_MOMIT_TEMP_STEP)),
                ): SelectSelector(SelectSelectorConfig(options=["0.1", "0.5", "1.0"])),
            }
        )
        if user_input is not None:
            # Refused: show what the user typed, to correct it, not the stored values again.
            schema = self.add_suggested_values_to_schema(schema, user_input)
        return self.async_show_form(step_id="momit", data_schema=schema, errors=errors)
