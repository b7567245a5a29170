"""Kumo config-flow steps that move a stored unit to a new address: by hand (reconfigure) or
found by DHCP. Mixed into the one registered flow class (`../config_flow.py`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigFlow, ConfigFlowResult
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import SelectOptionDict, SelectSelector, SelectSelectorConfig
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo

from ..compat import vol
from ..const import CONF_SERIAL, FAMILY_KUMO, LOGGER
from ..data import async_family_entries, async_update_entry
from ..kumo import (
    FieldSource,
    KumoUnitRecord,
    ProbeResult,
    async_check_address,
    async_identify_address,
    normalize_mac,
)
from .const import CONF_ADDRESS
from .data import (
    ADDRESS,
    MAC_AND_ADDRESS,
    async_store_unit,
    deleted_units,
    stored_units,
    units_change,
)
from .flow_helpers import async_record_dhcp_sighting, async_validate_address


def _found_at(unit: KumoUnitRecord) -> dict[str, str]:
    """Placeholders of a DHCP confirmation: the unit and where it answered."""
    return {"name": unit.display_name, "address": unit.address or ""}


class KumoAddressSteps(ConfigFlow):
    """Follow a unit to a new address, always confirmed by a signed probe with its own keys."""

    def __init__(self) -> None:
        """No unit found yet."""
        super().__init__()
        self._dhcp_unit: KumoUnitRecord | None = None
        self._dhcp_entry: ConfigEntry | None = None

    async def async_reconfigure_unit_address(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the address of one unit (probed before it is accepted).

        The form's step is `reconfigure`: the flow's reconfigure step brings Kumo entries here.
        """
        entry = self._get_reconfigure_entry()
        units = stored_units(entry.data)
        errors: dict[str, str] = {}
        if user_input is not None:
            # The unit's device may have been deleted while the form was open.
            unit = next((u for u in units if u.serial == user_input[CONF_SERIAL]), None)
            if unit is None:
                return self.async_abort(reason="unit_gone")
            updated, error = await async_validate_address(self.hass, unit, user_input[CONF_ADDRESS])
            if error is None:
                if not async_store_unit(self.hass, entry, updated, ADDRESS):
                    return self.async_abort(reason="unit_gone")
                return self.async_abort(reason="reconfigure_successful")
            errors["base"] = error
        options = [
            SelectOptionDict(value=u.serial, label=f"{u.display_name} ({u.address or '?'})")
            for u in units
            if u.has_secrets
        ]
        if not options:
            return self.async_abort(reason="no_units_with_secrets")
        schema = vol.Schema(
            {
                vol.Required(CONF_SERIAL, default=options[0]["value"]): SelectSelector(
                    SelectSelectorConfig(options=options)
                ),
                vol.Required(CONF_ADDRESS): str,
            }
        )
        if user_input is not None:
            # Refused: the unit and address stay as typed, to be corrected.
            schema = self.add_suggested_values_to_schema(schema, user_input)
        return self.async_show_form(step_id="reconfigure", data_schema=schema, errors=errors)

    # --- DHCP --------------------------------------------------------------------------------

    async def async_step_dhcp(self, discovery_info: DhcpServiceInfo) -> ConfigFlowResult:
        """A Kumo adapter got a DHCP lease: follow known units to their new address."""
        mac = normalize_mac(discovery_info.macaddress)
        ip = discovery_info.ip
        if mac is None:
            return self.async_abort(reason="not_kumo_unit")
        async_record_dhcp_sighting(self.hass, mac, ip)
        await self.async_set_unique_id(mac)
        kumo_entries = async_family_entries(self.hass, FAMILY_KUMO)
        known = [
            (entry, unit)
            for entry in kumo_entries
            for unit in stored_units(entry.data)
            if unit.mac == mac
        ]
        if known:
            await self._async_follow_to(known, ip)
            return self.async_abort(reason="already_configured")
        for entry in kumo_entries:
            kept = next((u for u in deleted_units(entry.data) if u.mac == mac), None)
            if kept is not None and kept.has_secrets:
                return await self._async_offer_deleted_unit(entry, kept, ip)
        # Not a known MAC: it may be a unit of a configured account whose MAC the cloud did not
        # give; only its own secrets can tell (one probe per such unit).
        session = async_get_clientsession(self.hass)
        for entry in kumo_entries:
            candidates = [
                u for u in stored_units(entry.data) if u.mac is None and u.address is None
            ]
            match, _ = await async_identify_address(session, candidates, ip)
            if match is not None:
                # DHCP taught us its MAC and address: record both as DHCP facts.
                self._dhcp_unit = replace(
                    match,
                    mac=mac,
                    sources=replace(match.sources, mac=FieldSource.DHCP, address=FieldSource.DHCP),
                )
                self._dhcp_entry = entry
                self.context["title_placeholders"] = {"name": match.display_name}
                return await self.async_step_dhcp_confirm()
        return self.async_abort(reason="not_kumo_unit")

    async def _async_follow_to(
        self, known: list[tuple[ConfigEntry, KumoUnitRecord]], ip: str
    ) -> None:
        """Move every stored unit with the lease's MAC that answers there with its own keys.

        A MAC can be stored more than once: one adapter in two accounts' entries, or two
        records sharing it (a replaced adapter); each is probed with its own keys.
        """
        session = async_get_clientsession(self.hass)
        for entry, unit in known:
            if unit.address == ip or not unit.has_secrets:
                continue
            check = await async_check_address(session, unit, ip, source=FieldSource.DHCP)
            if check.result is ProbeResult.MATCH and async_store_unit(
                self.hass, entry, check.unit, ADDRESS
            ):
                LOGGER.info("%s moved to a new address", unit.display_name)

    async def _async_offer_deleted_unit(
        self, entry: ConfigEntry, unit: KumoUnitRecord, ip: str
    ) -> ConfigFlowResult:
        """A deleted unit is on the network again: offer it back once its kept keys work."""
        session = async_get_clientsession(self.hass)
        check = await async_check_address(session, unit, ip, source=FieldSource.DHCP)
        if check.result is not ProbeResult.MATCH:
            return self.async_abort(reason="not_kumo_unit")
        self._dhcp_unit, self._dhcp_entry = check.unit, entry
        self.context["title_placeholders"] = {"name": unit.display_name}
        return await self.async_step_dhcp_restore()

    async def async_step_dhcp_restore(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Confirm bringing back a deleted unit, with the keys kept for it."""
        unit, entry = self._dhcp_found()
        if user_input is not None:
            # The kept record, at the address the probe just confirmed.
            kept = [u for u in deleted_units(entry.data) if u.serial != unit.serial]
            async_update_entry(
                self.hass,
                entry,
                data=units_change([*stored_units(entry.data), unit], deleted=kept),
            )
            return self.async_abort(reason="unit_restored")
        return self.async_show_form(
            step_id="dhcp_restore", description_placeholders=_found_at(unit)
        )

    def _dhcp_found(self) -> tuple[KumoUnitRecord, ConfigEntry]:
        """The unit DHCP found (at its new address) and the entry it belongs to."""
        unit, entry = self._dhcp_unit, self._dhcp_entry
        assert unit is not None
        assert entry is not None
        return unit, entry

    async def async_step_dhcp_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Confirm the address found for a unit of a configured account."""
        unit, entry = self._dhcp_found()
        if user_input is not None:
            if not async_store_unit(self.hass, entry, unit, MAC_AND_ADDRESS):
                return self.async_abort(reason="unit_gone")
            return self.async_abort(reason="address_updated")
        return self.async_show_form(
            step_id="dhcp_confirm", description_placeholders=_found_at(unit)
        )
