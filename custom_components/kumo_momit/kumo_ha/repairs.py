"""Repair issues of Kumo units that lack their local keys or their address (a unit without keys
is controlled through the cloud meanwhile), and their fix flow: keys typed in or imported from a
hass-kumo cache, then the address, each checked with the unit."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from homeassistant.components.repairs import RepairsFlow
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType

from ..compat import RepairsFlowResult, vol
from ..const import DOMAIN
from ..kumo import KumoUnitRecord
from .const import CONF_ADDRESS, CONF_CRYPTO_SERIAL, CONF_UNIT_PASSWORD
from .data import ADDRESS, SECRETS, async_store_unit, stored_units
from .flow_helpers import (
    async_validate_address,
    async_validate_secrets,
    import_cache_into,
    kumo_cache_exists,
    read_kumo_cache,
)

if TYPE_CHECKING:
    from ..data import KumoMomitConfigEntry


def _issue_id(entry: KumoMomitConfigEntry, serial: str) -> str:
    return f"{entry.entry_id}_{serial}_incomplete"


@callback
def async_update_unit_issue(
    hass: HomeAssistant, entry: KumoMomitConfigEntry, unit: KumoUnitRecord, *, cloud: bool = False
) -> None:
    """A fixable repair issue while a unit lacks its address or its local keys; for a unit
    controlled through the cloud (`cloud`), an invitation to add its keys."""
    issue_id = _issue_id(entry, unit.serial)
    if unit.is_complete:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    if cloud:
        key = "unit_cloud_controlled"
    else:
        key = "unit_missing_secrets" if not unit.has_secrets else "unit_missing_address"
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=True,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=key,
        translation_placeholders={"name": unit.display_name},
        data={"entry_id": entry.entry_id, "serial": unit.serial},
    )


@callback
def async_delete_unit_issue(hass: HomeAssistant, entry: KumoMomitConfigEntry, serial: str) -> None:
    """The unit left the entry: its issue goes too."""
    ir.async_delete_issue(hass, DOMAIN, _issue_id(entry, serial))


class KumoUnitIncompleteRepairFlow(RepairsFlow):
    """Ask for exactly what the unit lacks: its keys, then its address."""

    def __init__(self, entry_id: str, serial: str) -> None:
        """The issue names the entry and the unit."""
        self._entry_id = entry_id
        self._serial = serial
        self._held: KumoUnitRecord | None = None

    def _unit(self) -> KumoUnitRecord | None:
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if entry is None:
            return None
        stored = next((u for u in stored_units(entry.data) if u.serial == self._serial), None)
        return None if stored is None else self._held or stored

    def _cloud_controlled(self) -> bool:
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        runtime = getattr(entry, "runtime_data", None) if entry is not None else None
        link = getattr(runtime, "cloud", None)
        return link is not None and self._serial in link.coordinators

    def _keep_keys(self, updated: KumoUnitRecord) -> bool:
        """Keys without an address: saved for DHCP to find the unit, except for a unit the
        cloud controls, which stays so until the address is confirmed too. False if the unit
        is gone meanwhile."""
        if self._cloud_controlled():
            self._held = updated
            return True
        return self._save(updated, SECRETS)

    def _save(self, updated: KumoUnitRecord, facts: tuple[str, ...]) -> bool:
        """Store what was entered (and keys held back until now); False if the unit (or its
        entry) is gone meanwhile."""
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if self._held is not None:
            facts = (*facts, *SECRETS)
        # The entry reloads on change (update listener); the issue is then re-evaluated.
        return entry is not None and async_store_unit(self.hass, entry, updated, facts)

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Route to the missing piece; keys can come from a hass-kumo cache if there is one."""
        unit = self._unit()
        if unit is None:
            return self.async_abort(reason="unit_gone")
        if not unit.has_secrets:
            if kumo_cache_exists(self.hass):
                return self.async_show_menu(
                    step_id="init",
                    menu_options=["secrets", "import_cache"],
                    description_placeholders={"name": unit.display_name},
                )
            return await self.async_step_secrets()
        return await self.async_step_address()

    async def async_step_import_cache(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Keys (and maybe the address) from `kumo_cache.json`, checked with the unit."""
        unit = self._unit()
        if unit is None:
            return self.async_abort(reason="unit_gone")
        cached = read_kumo_cache(self.hass)
        if isinstance(cached, str):
            return self.async_abort(reason=cached)
        candidate = import_cache_into([unit], cached)[0]
        if not candidate.has_secrets:
            return self.async_abort(reason="not_in_cache")
        return await self._async_take_cache_keys(candidate)

    async def _async_take_cache_keys(self, candidate: KumoUnitRecord) -> RepairsFlowResult:
        """The cache's keys, with its address if the unit answers there; else ask for one."""
        error: str | None = "unit_unreachable"
        if candidate.address is not None:
            updated, error = await async_validate_address(self.hass, candidate, candidate.address)
            if error is None and self._save(updated, (*SECRETS, *ADDRESS)):
                return self.async_create_entry(data={})
        if error not in (None, "unit_unreachable"):
            return self.async_abort(reason="cache_keys_rejected")
        # No address, or a stale one (DHCP moved the unit): keep the keys, ask where it is.
        no_address = replace(
            candidate, address=None, sources=replace(candidate.sources, address=None)
        )
        if error is None or not self._keep_keys(no_address):
            return self.async_abort(reason="unit_gone")  # deleted meanwhile
        return await self.async_step_address()

    async def async_step_secrets(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Password and crypto serial (e.g. from the hass-kumo cache or the installer)."""
        unit = self._unit()
        if unit is None:
            return self.async_abort(reason="unit_gone")
        errors: dict[str, str] = {}
        if user_input is not None:
            updated, error = await async_validate_secrets(
                self.hass, unit, user_input[CONF_UNIT_PASSWORD], user_input[CONF_CRYPTO_SERIAL]
            )
            if error is None:
                if updated.address is None:
                    if not self._keep_keys(updated):
                        return self.async_abort(reason="unit_gone")
                    return await self.async_step_address()
                if not self._save(updated, SECRETS):
                    return self.async_abort(reason="unit_gone")
                return self.async_create_entry(data={})
            errors["base"] = error
        secret = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
        return self.async_show_form(
            step_id="secrets",
            data_schema=vol.Schema(
                {vol.Required(CONF_UNIT_PASSWORD): secret, vol.Required(CONF_CRYPTO_SERIAL): secret}
            ),
            errors=errors,
            description_placeholders={"name": unit.display_name},
        )

    async def async_step_address(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """The unit's LAN address, confirmed by a signed probe."""
        unit = self._unit()
        if unit is None:
            return self.async_abort(reason="unit_gone")
        errors: dict[str, str] = {}
        if user_input is not None:
            updated, error = await async_validate_address(self.hass, unit, user_input[CONF_ADDRESS])
            if error is None:
                if not self._save(updated, ADDRESS):
                    return self.async_abort(reason="unit_gone")
                return self.async_create_entry(data={})
            errors["base"] = error
        return self.async_show_form(
            step_id="address",
            data_schema=vol.Schema({vol.Required(CONF_ADDRESS): str}),
            errors=errors,
            description_placeholders={"name": unit.display_name},
        )


def create_kumo_fix_flow(data: dict[str, str | int | float | None]) -> RepairsFlow:
    """The fix flow of an issue raised by `async_update_unit_issue` (its data names the unit)."""
    return KumoUnitIncompleteRepairFlow(str(data["entry_id"]), str(data["serial"]))
