"""The Kumo options flow: poll interval, cloud control of units with keys but no address yet,
and refreshing the unit list from the cloud."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.helpers.selector import NumberSelector, NumberSelectorConfig, NumberSelectorMode
import voluptuous as vol

from .const import (
    CONF_CLOUD_FOR_UNADDRESSED,
    CONF_REFRESH_FROM_CLOUD,
    CONF_SCAN_INTERVAL,
    CONF_UNITS,
    DEFAULT_SCAN_INTERVAL,
    MAX_SCAN_INTERVAL_S,
    MIN_SCAN_INTERVAL_S,
)
from .data import stored_units, units_for_storage
from .flow_helpers import async_discover, endpoints_from


class KumoOptionsFlow(OptionsFlow):
    """Poll interval, and refreshing the unit list from the cloud."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """One form; refreshing runs the cloud discovery with the stored account."""
        entry = self.config_entry
        errors: dict[str, str] = {}
        if user_input is not None:
            options = {
                CONF_SCAN_INTERVAL: int(user_input[CONF_SCAN_INTERVAL]),
                CONF_CLOUD_FOR_UNADDRESSED: bool(user_input.get(CONF_CLOUD_FOR_UNADDRESSED)),
            }
            if not user_input.get(CONF_REFRESH_FROM_CLOUD):
                return self.async_create_entry(data=options)
            units, error = await async_discover(
                self.hass,
                entry.data[CONF_USERNAME],
                entry.data[CONF_PASSWORD],
                endpoints_from(entry.data),
                stored_units(entry.data),
            )
            if error == "invalid_auth":
                entry.async_start_reauth(self.hass)
            if error is None:
                self.hass.config_entries.async_update_entry(
                    entry, data={**entry.data, CONF_UNITS: units_for_storage(units)}
                )
                return self.async_create_entry(data=options)
            errors["base"] = error
        current = entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL.total_seconds())
        return self.async_show_form(
            step_id="init",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_SCAN_INTERVAL, default=current): NumberSelector(
                        NumberSelectorConfig(
                            min=MIN_SCAN_INTERVAL_S,
                            max=MAX_SCAN_INTERVAL_S,
                            step=1,
                            unit_of_measurement="s",
                            mode=NumberSelectorMode.BOX,
                        )
                    ),
                    vol.Optional(
                        CONF_CLOUD_FOR_UNADDRESSED,
                        default=entry.options.get(CONF_CLOUD_FOR_UNADDRESSED, False),
                    ): bool,
                    vol.Optional(CONF_REFRESH_FROM_CLOUD, default=False): bool,
                }
            ),
            errors=errors,
        )
