"""Kumo config-flow steps: sign in to the account, complete its units' keys and addresses,
and sign in again (reauth). Mixed into the one registered flow class (`../config_flow.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType

from ..compat import vol
from ..const import CONF_FAMILY, FAMILY_KUMO
from ..data import async_update_entry, storable
from ..kumo import KumoCloudEndpoints, KumoUnitRecord
from .const import (
    CONF_ADDRESS,
    CONF_CLOUD_SERVERS,
    CONF_CRYPTO_SERIAL,
    CONF_SKIP,
    CONF_SOCKET_BASE_URL,
    CONF_UNIT_PASSWORD,
    CONF_UNITS,
    CONF_V2_BASE_URL,
    CONF_V2_CA_BASE_URL,
    CONF_V3_BASE_URL,
)
from .data import cloud_units_change, replace_unit, stored_units, units_for_storage
from .flow_helpers import (
    async_discover,
    async_sign_in_minutes,
    async_validate_address,
    async_validate_secrets,
    endpoints_from,
    import_cache_into,
    kumo_cache_exists,
    read_kumo_cache,
)


def _secrets_schema() -> vol.Schema:
    return vol.Schema(
        {
            vol.Optional(CONF_UNIT_PASSWORD): TextSelector(
                TextSelectorConfig(type=TextSelectorType.PASSWORD)
            ),
            vol.Optional(CONF_CRYPTO_SERIAL): TextSelector(
                TextSelectorConfig(type=TextSelectorType.PASSWORD)
            ),
            vol.Optional(CONF_SKIP, default=False): bool,
        }
    )


def _address_schema() -> vol.Schema:
    return vol.Schema({vol.Optional(CONF_ADDRESS): str})


def _unit_placeholders(unit: KumoUnitRecord) -> dict[str, str]:
    return {"name": unit.display_name, "serial": unit.serial, "mac": unit.mac or "?"}


class KumoAccountSteps(ConfigFlow):
    """Add a Kumo Cloud account: the cloud is asked once, then its units run locally; a unit
    whose keys are not entered (skipped) is controlled through the cloud until they are."""

    def __init__(self) -> None:
        """Start with nothing known."""
        super().__init__()
        self._username = ""
        self._password = ""
        self._endpoints = KumoCloudEndpoints()
        self._units: list[KumoUnitRecord] = []
        self._cache_offered = False
        # Units the user chose to finish later (through the repair issue).
        self._skipped: set[str] = set()

    async def async_step_kumo(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Kumo Cloud username and password; the cloud is asked once for the units."""
        errors: dict[str, str] = {}
        if user_input is not None:
            self._username = user_input[CONF_USERNAME].strip()
            self._password = user_input[CONF_PASSWORD]
            self._endpoints = endpoints_from(user_input.get(CONF_CLOUD_SERVERS, {}))
            await self.async_set_unique_id(self._username.lower())
            self._abort_if_unique_id_configured()
            units, error = await async_discover(
                self.hass, self._username, self._password, self._endpoints, []
            )
            if error is None and not units:
                error = "no_units"
            if error is None:
                self._units = units
                return await self._async_step_next_missing()
            errors["base"] = error
        schema: dict[Any, Any] = {
            vol.Required(CONF_USERNAME, default=self._username): TextSelector(
                TextSelectorConfig(type=TextSelectorType.EMAIL, autocomplete="username")
            ),
            vol.Required(CONF_PASSWORD): TextSelector(
                TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="current-password")
            ),
        }
        # The servers are for a test server or a proxy: a collapsed section with the real hosts
        # filled in, which nobody has to open (HA's advice since the advanced-mode flag of flows was
        # deprecated in 2026.10). Left out of a submission, the real hosts are used.
        schema[vol.Optional(CONF_CLOUD_SERVERS)] = section(
            vol.Schema(
                {
                    vol.Optional(CONF_V3_BASE_URL, default=self._endpoints.v3): str,
                    vol.Optional(CONF_V2_BASE_URL, default=self._endpoints.v2_legacy): str,
                    vol.Optional(CONF_V2_CA_BASE_URL, default=self._endpoints.v2_canada): str,
                    vol.Optional(CONF_SOCKET_BASE_URL, default=self._endpoints.socket): str,
                }
            ),
            {"collapsed": True},
        )
        return self.async_show_form(
            step_id="kumo",
            data_schema=vol.Schema(schema),
            errors=errors,
            description_placeholders={"minutes": async_sign_in_minutes(self.hass, self._username)},
        )

    def _next_unit(self, *, missing: str) -> KumoUnitRecord | None:
        for unit in self._units:
            if unit.serial in self._skipped:
                continue
            if missing == "secrets" and not unit.has_secrets:
                return unit
            if missing == "address" and unit.has_secrets and unit.address is None:
                return unit
        return None

    async def _async_step_next_missing(self) -> ConfigFlowResult:
        """Ask only for what is missing, unit by unit; then create the entry."""
        if self._next_unit(missing="secrets") is not None:
            if not self._cache_offered and kumo_cache_exists(self.hass):
                self._cache_offered = True
                return await self.async_step_import_cache()
            return await self.async_step_unit_secrets()
        if self._next_unit(missing="address") is not None:
            return await self.async_step_unit_address()
        return self._async_create_kumo_entry()

    async def async_step_import_cache(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A hass-kumo `kumo_cache.json` is in the config folder: offer to import it."""
        missing = [u.display_name for u in self._units if not u.has_secrets]
        return self.async_show_menu(
            step_id="import_cache",
            menu_options=["import_cache_file", "unit_secrets"],
            description_placeholders={"units": ", ".join(missing)},
        )

    async def async_step_import_cache_file(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Fill missing secrets and addresses from the cache, then go on."""
        cached = read_kumo_cache(self.hass)
        if isinstance(cached, str):
            return self.async_abort(reason=cached)
        self._units = import_cache_into(self._units, cached)
        return await self._async_step_next_missing()

    async def async_step_unit_secrets(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Password and crypto serial of one unit the cloud gave no keys for."""
        unit = self._next_unit(missing="secrets")
        assert unit is not None
        errors: dict[str, str] = {}
        if user_input is not None:
            if user_input.get(CONF_SKIP):
                self._skipped.add(unit.serial)
                return await self._async_step_next_missing()
            password = user_input.get(CONF_UNIT_PASSWORD, "")
            crypto = user_input.get(CONF_CRYPTO_SERIAL, "")
            if not password or not crypto:
                errors["base"] = "secrets_required"
            else:
                updated, error = await async_validate_secrets(self.hass, unit, password, crypto)
                if error is None:
                    self._replace_unit(updated)
                    return await self._async_step_next_missing()
                errors["base"] = error
        return self.async_show_form(
            step_id="unit_secrets",
            data_schema=_secrets_schema(),
            errors=errors,
            description_placeholders=_unit_placeholders(unit),
        )

    async def async_step_unit_address(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The LAN address of one unit (the cloud never has it); empty = leave it to DHCP."""
        unit = self._next_unit(missing="address")
        assert unit is not None
        errors: dict[str, str] = {}
        if user_input is not None:
            address = user_input.get(CONF_ADDRESS, "").strip()
            if not address:
                self._skipped.add(unit.serial)
                return await self._async_step_next_missing()
            updated, error = await async_validate_address(self.hass, unit, address)
            if error is None:
                self._replace_unit(updated)
                return await self._async_step_next_missing()
            errors["base"] = error
        return self.async_show_form(
            step_id="unit_address",
            data_schema=_address_schema(),
            errors=errors,
            description_placeholders=_unit_placeholders(unit),
        )

    def _replace_unit(self, updated: KumoUnitRecord) -> None:
        self._units = replace_unit(self._units, updated)

    @callback
    def _async_create_kumo_entry(self) -> ConfigFlowResult:
        data: dict[str, Any] = {
            CONF_FAMILY: FAMILY_KUMO,
            CONF_USERNAME: self._username,
            # Kept only because refreshing units and reauthentication need the cloud.
            CONF_PASSWORD: self._password,
            CONF_UNITS: units_for_storage(self._units),
        }
        # Only servers the user changed are stored: defaults follow future releases.
        defaults = KumoCloudEndpoints()
        chosen = {
            CONF_V3_BASE_URL: (self._endpoints.v3, defaults.v3),
            CONF_V2_BASE_URL: (self._endpoints.v2_legacy, defaults.v2_legacy),
            CONF_V2_CA_BASE_URL: (self._endpoints.v2_canada, defaults.v2_canada),
            CONF_SOCKET_BASE_URL: (self._endpoints.socket, defaults.socket),
        }
        data.update({key: url for key, (url, default) in chosen.items() if url != default})
        return self.async_create_entry(title=storable(self._username), data=storable(data))

    # --- reauth ------------------------------------------------------------------------------

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The cloud rejected the stored password while the entry needed the cloud."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the new password and check it with the cloud."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            known = stored_units(entry.data)
            units, error = await async_discover(
                self.hass,
                entry.data[CONF_USERNAME],
                user_input[CONF_PASSWORD],
                endpoints_from(entry.data),
                known,
            )
            if error is None:
                asked_with = {unit.serial for unit in known}
                async_update_entry(
                    self.hass,
                    entry,
                    data=cloud_units_change(units, asked_with, password=user_input[CONF_PASSWORD]),
                )
                return self.async_abort(reason="reauth_successful")
            errors["base"] = error
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_PASSWORD): TextSelector(
                        TextSelectorConfig(type=TextSelectorType.PASSWORD)
                    )
                }
            ),
            errors=errors,
            description_placeholders={
                "username": entry.data[CONF_USERNAME],
                "minutes": async_sign_in_minutes(self.hass, entry.data[CONF_USERNAME]),
            },
        )
