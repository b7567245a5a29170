"""The Kumo options flow: poll interval, and refreshing the unit list from the cloud."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.helpers.selector import NumberSelector, NumberSelectorConfig, NumberSelectorMode
import voluptuous as vol

from ..data import DataChange, async_update_entry
from .const import (
    CONF_REFRESH_FROM_CLOUD,
    CONF_SCAN_INTERVAL,
    DEFAULT_SCAN_INTERVAL,
    MAX_SCAN_INTERVAL_S,
    MIN_SCAN_INTERVAL_S,
)
from .data import cloud_units_change, stored_units
from .flow_helpers import async_discover, async_sign_in_minutes, endpoints_from


class KumoOptionsFlow(OptionsFlow):
    """Poll interval, and refreshing the unit list from the cloud."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """One form; refreshing runs the cloud discovery with the stored account."""
        entry = self.config_entry
        errors: dict[str, str] = {}
        if user_input is not None:
            options = {CONF_SCAN_INTERVAL: int(user_input[CONF_SCAN_INTERVAL])}
            units_change: DataChange | None = None
            if user_input.get(CONF_REFRESH_FROM_CLOUD):
                known = stored_units(entry.data)
                units, error = await async_discover(
                    self.hass,
                    entry.data[CONF_USERNAME],
                    entry.data[CONF_PASSWORD],
                    endpoints_from(entry.data),
                    known,
                )
                if error == "invalid_auth":
                    entry.async_start_reauth(self.hass)
                if error is not None:
                    errors["base"] = error
                units_change = cloud_units_change(units, {unit.serial for unit in known})
            if not errors:
                # Saved through the one write path; the flow's result repeats what was saved.
                async_update_entry(self.hass, entry, data=units_change, options=options)
                return self.async_create_entry(data=dict(entry.options))
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
                    vol.Optional(CONF_REFRESH_FROM_CLOUD, default=False): bool,
                }
            ),
            errors=errors,
            description_placeholders={
                "minutes": async_sign_in_minutes(self.hass, entry.data[CONF_USERNAME])
            },
        )
