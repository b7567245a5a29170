"""The config flow: Kumo accounts and Momit gateways, UI only (there is no YAML).

One flow class is registered for the domain; it is composed of each family's step mixins
(`kumo_ha/config_flow.py`, `kumo_ha/address_flow.py`, `momit_ha/config_flow.py`) and only
picks the family: the opening menu, reconfigure and the options flow.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigFlowResult, OptionsFlow
from homeassistant.core import callback

from .const import DOMAIN, FAMILY_MOMIT
from .data import entry_family
from .kumo_ha.address_flow import KumoAddressSteps
from .kumo_ha.config_flow import KumoAccountSteps
from .kumo_ha.options_flow import KumoOptionsFlow
from .momit_ha.config_flow import MomitGatewaySteps
from .momit_ha.options_flow import MomitOptionsFlow


class KumoMomitConfigFlow(KumoAccountSteps, KumoAddressSteps, MomitGatewaySteps, domain=DOMAIN):
    """Add a Kumo Cloud account (its units then run locally) or a Momit gateway."""

    VERSION = 1

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Each family has its own options."""
        if entry_family(config_entry.data) == FAMILY_MOMIT:
            return MomitOptionsFlow()
        return KumoOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Which kind of device to add."""
        return self.async_show_menu(step_id="user", menu_options=["kumo", "momit"])

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A Kumo unit's address, or a Momit gateway's."""
        if entry_family(self._get_reconfigure_entry().data) == FAMILY_MOMIT:
            return await self.async_step_reconfigure_momit(user_input)
        return await self.async_reconfigure_unit_address(user_input)
