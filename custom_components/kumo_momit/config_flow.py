"""Config, options, reauth, reconfigure and DHCP flows (UI only; there is no YAML)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
import ipaddress
from typing import Any, Final

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
import voluptuous as vol

from .const import (
    CONF_ADDRESS,
    CONF_CRYPTO_SERIAL,
    CONF_FAMILY,
    CONF_MAX_TEMP,
    CONF_MIN_TEMP,
    CONF_NODES,
    CONF_REFRESH_FROM_CLOUD,
    CONF_SCAN_INTERVAL,
    CONF_SERIAL,
    CONF_TEMP_STEP,
    CONF_UNIT_PASSWORD,
    CONF_UNITS,
    CONF_V2_BASE_URL,
    CONF_V2_CA_BASE_URL,
    CONF_V3_BASE_URL,
    DEFAULT_MOMIT_MAX_TEMP,
    DEFAULT_MOMIT_MIN_TEMP,
    DEFAULT_MOMIT_TEMP_STEP,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    FAMILY_KUMO,
    FAMILY_MOMIT,
    LOGGER,
    MAX_SCAN_INTERVAL_S,
    MIN_SCAN_INTERVAL_S,
)
from .data import (
    StoredMomitNode,
    async_store_unit,
    replace_unit,
    stored_nodes,
    stored_units,
    units_for_storage,
)
from .flow_helpers import (
    async_cloud_throttled,
    async_dhcp_sightings,
    async_note_cloud_throttled,
    async_record_dhcp_sighting,
    async_validate_address,
    async_validate_secrets,
    import_cache_into,
    kumo_cache_exists,
    read_kumo_cache,
)
from .kumo import (
    DEFAULT_V2_BASE_URL,
    DEFAULT_V2_CANADA_BASE_URL,
    DEFAULT_V3_BASE_URL,
    FieldSource,
    KumoCloudAuthError,
    KumoCloudConnectionError,
    KumoCloudEndpoints,
    KumoCloudError,
    KumoCloudThrottledError,
    KumoUnitRecord,
    ProbeResult,
    async_check_address,
    async_discover_units,
    async_identify_address,
    async_resolve_addresses,
    normalize_mac,
)
from .momit import MomitCoolClient, MomitError, MomitNodeNotFoundError, discover_nodes
from .momit_ha.settings import MomitSettings, momit_settings

CONF_CLOUD_SERVERS: Final = "cloud_servers"
CONF_SKIP: Final = "skip"

_CLOUD_ERRORS: Final[dict[type[KumoCloudError], str]] = {
    KumoCloudAuthError: "invalid_auth",
    KumoCloudThrottledError: "throttled",
    KumoCloudConnectionError: "cannot_connect",
}


def _cloud_error_key(err: KumoCloudError) -> str:
    for error_type, key in _CLOUD_ERRORS.items():
        if isinstance(err, error_type):
            return key
    return "unknown"


def endpoints_from(data: Mapping[str, Any]) -> KumoCloudEndpoints:
    """The cloud servers an entry uses (the real hosts unless the user changed them)."""
    return KumoCloudEndpoints(
        v3=data.get(CONF_V3_BASE_URL) or DEFAULT_V3_BASE_URL,
        v2_legacy=data.get(CONF_V2_BASE_URL) or DEFAULT_V2_BASE_URL,
        v2_canada=data.get(CONF_V2_CA_BASE_URL) or DEFAULT_V2_CANADA_BASE_URL,
    )


async def async_discover(
    hass: HomeAssistant,
    username: str,
    password: str,
    endpoints: KumoCloudEndpoints,
    known: list[KumoUnitRecord],
) -> tuple[list[KumoUnitRecord], str | None]:
    """Ask the cloud for the account's units, merged into `known`; or a form error key.

    Units the cloud lists without an address get one from DHCP sightings when a signed probe
    confirms it (spec §11).
    """
    if async_cloud_throttled(hass, username):
        return known, "throttled"
    session = async_get_clientsession(hass)
    try:
        discovery = await async_discover_units(
            session, username, password, known=known, endpoints=endpoints
        )
    except KumoCloudError as err:
        LOGGER.debug("Kumo Cloud discovery failed: %s", type(err).__name__)
        if isinstance(err, KumoCloudThrottledError):
            async_note_cloud_throttled(hass, username)
        return known, _cloud_error_key(err)
    units = list(discovery.units)
    if any(unit.address is None and unit.has_secrets for unit in units):
        sightings = async_dhcp_sightings(hass)
        if sightings:
            resolution = await async_resolve_addresses(session, units, sightings)
            units = list(resolution.units)
    return units, None


def _momit_schema(defaults: Mapping[str, Any]) -> vol.Schema:
    port = defaults.get(CONF_PORT)
    return vol.Schema(
        {
            vol.Required(CONF_HOST, default=defaults.get(CONF_HOST, "")): str,
            vol.Optional(
                CONF_PORT, description={"suggested_value": port} if port else None
            ): NumberSelector(
                NumberSelectorConfig(min=1, max=65535, step=1, mode=NumberSelectorMode.BOX)
            ),
        }
    )


async def async_find_momit_nodes(
    settings: MomitSettings, host: str, port: int | None
) -> tuple[list[StoredMomitNode], str | None]:
    """The gateway's AC controller nodes with their device info, or a form error key.

    Without a port the gateway is scanned (up to minutes on a real gateway: run it as a
    background task behind a progress screen).
    """
    if port is not None:
        ports = [port]
    else:
        found = await discover_nodes(host, options=settings.scan)
        if not found:
            return [], "cannot_connect_gateway"
        ports = [node.port for node in found if node.is_ac_controller]
        if not ports:
            return [], "no_ac_found"
    nodes: dict[str, StoredMomitNode] = {}
    for node_port in ports:
        try:
            async with MomitCoolClient(host, node_port, options=settings.client) as client:
                await client.probe()
                info = await client.get_device_info()
        except MomitNodeNotFoundError:
            return [], "no_ac_found"
        except MomitError as err:
            LOGGER.debug("Momit node %s:%s did not answer: %s", host, node_port, err)
            return [], "cannot_connect_gateway"
        # Without a serial the port is the only handle we have.
        serial = info.serial or f"{host}-{node_port}"
        # A gateway that answers from other ports can show one node twice (momit.md §1.2).
        nodes.setdefault(
            serial,
            StoredMomitNode(
                serial=serial,
                port=node_port,
                model=info.model,
                manufacturer=info.manufacturer,
                firmware=info.firmware,
            ),
        )
    return list(nodes.values()), None


def _valid_host(host: str) -> bool:
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True


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


class KumoMomitConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a Kumo Cloud account (its units then run locally) or a Momit gateway."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with nothing known."""
        self._username = ""
        self._password = ""
        self._endpoints = KumoCloudEndpoints()
        self._units: list[KumoUnitRecord] = []
        self._cache_offered = False
        # Units the user chose to finish later (through the repair issue).
        self._skipped: set[str] = set()
        self._dhcp_unit: KumoUnitRecord | None = None
        self._dhcp_entry: ConfigEntry | None = None
        self._momit_host = ""
        self._momit_nodes: list[StoredMomitNode] = []
        self._momit_scan: asyncio.Task[tuple[list[StoredMomitNode], str | None]] | None = None
        self._momit_error: str | None = None

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> KumoMomitOptionsFlow:
        """Poll interval and refreshing units from the cloud."""
        return KumoMomitOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Which kind of device to add."""
        return self.async_show_menu(step_id="user", menu_options=["kumo", "momit"])

    # --- Kumo: account ---------------------------------------------------------------------

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
        if self.show_advanced_options:
            schema[vol.Optional(CONF_CLOUD_SERVERS)] = section(
                vol.Schema(
                    {
                        vol.Optional(CONF_V3_BASE_URL, default=self._endpoints.v3): str,
                        vol.Optional(CONF_V2_BASE_URL, default=self._endpoints.v2_legacy): str,
                        vol.Optional(CONF_V2_CA_BASE_URL, default=self._endpoints.v2_canada): str,
                    }
                ),
                {"collapsed": True},
            )
        return self.async_show_form(step_id="kumo", data_schema=vol.Schema(schema), errors=errors)

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
        }
        data.update({key: url for key, (url, default) in chosen.items() if url != default})
        return self.async_create_entry(title=self._username, data=data)

    # --- Momit Cool ----------------------------------------------------------------------------

    async def async_step_momit(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The gateway's IP, and the node's port if known (else the gateway is searched)."""
        errors: dict[str, str] = {}
        if self._momit_error is not None:
            errors["base"], self._momit_error = self._momit_error, None
        if user_input is not None:
            host = user_input[CONF_HOST].strip()
            port = user_input.get(CONF_PORT)
            if not _valid_host(host):
                errors["base"] = "invalid_host"
            else:
                # The gateway exposes no identity of its own that we know of (momit.md §13):
                # one entry per gateway address.
                await self.async_set_unique_id(f"momit-{host}")
                self._abort_if_unique_id_configured()
                self._momit_host = host
                if port is None:
                    return await self.async_step_momit_scan()
                nodes, error = await async_find_momit_nodes(
                    momit_settings(self.hass), host, int(port)
                )
                if error is None:
                    self._momit_nodes = nodes
                    return await self.async_step_momit_confirm()
                errors["base"] = error
        return self.async_show_form(
            step_id="momit", data_schema=_momit_schema(user_input or {}), errors=errors
        )

    async def async_step_momit_scan(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Search the gateway's ports in the background, with a progress screen."""
        if self._momit_scan is None:
            self._momit_scan = self.hass.async_create_task(
                async_find_momit_nodes(momit_settings(self.hass), self._momit_host, None),
                eager_start=False,
            )
        if not self._momit_scan.done():
            return self.async_show_progress(
                step_id="momit_scan",
                progress_action="scan_gateway",
                progress_task=self._momit_scan,
                description_placeholders={"host": self._momit_host},
            )
        nodes, error = self._momit_scan.result()
        self._momit_scan = None
        if error is not None:
            self._momit_error = error
            return self.async_show_progress_done(next_step_id="momit")
        self._momit_nodes = nodes
        return self.async_show_progress_done(next_step_id="momit_confirm")

    async def async_step_momit_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the Momit Cool controllers found before adding them."""
        if user_input is not None:
            return self.async_create_entry(
                title=f"Momit Gateway {self._momit_host}",
                data={
                    CONF_FAMILY: FAMILY_MOMIT,
                    CONF_HOST: self._momit_host,
                    CONF_NODES: [node.to_storage() for node in self._momit_nodes],
                },
            )
        return self.async_show_form(
            step_id="momit_confirm",
            description_placeholders={
                "host": self._momit_host,
                "nodes": ", ".join(f"{n.serial} (port {n.port})" for n in self._momit_nodes),
            },
        )

    async def async_step_reconfigure_momit(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A new gateway address: the same Momit Cool controllers must answer there."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            host = user_input[CONF_HOST].strip()
            port = user_input.get(CONF_PORT)
            known = {node.serial for node in stored_nodes(entry.data)}
            nodes: list[StoredMomitNode] = []
            if not _valid_host(host):
                error: str | None = "invalid_host"
            else:
                # Without a port, try the known nodes' ports first: NAT ports often survive
                # an address change of the gateway; a full scan is the config flow's job.
                ports = (
                    [int(port)] if port is not None else [n.port for n in stored_nodes(entry.data)]
                )
                error = "cannot_connect_gateway"
                for candidate in ports:
                    nodes, error = await async_find_momit_nodes(
                        momit_settings(self.hass), host, candidate
                    )
                    if error is None:
                        break
            if error is None and not known & {node.serial for node in nodes}:
                error = "different_gateway"
            if error is None:
                self.hass.config_entries.async_update_entry(
                    entry,
                    unique_id=f"momit-{host}",
                    title=f"Momit Gateway {host}",
                    data={
                        **entry.data,
                        CONF_HOST: host,
                        CONF_NODES: [node.to_storage() for node in nodes],
                    },
                )
                return self.async_abort(reason="reconfigure_successful")
            errors["base"] = error
        return self.async_show_form(
            step_id="reconfigure_momit",
            data_schema=_momit_schema(user_input or {CONF_HOST: entry.data[CONF_HOST]}),
            errors=errors,
        )

    # --- Kumo: reauth ------------------------------------------------------------------------

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
            units, error = await async_discover(
                self.hass,
                entry.data[CONF_USERNAME],
                user_input[CONF_PASSWORD],
                endpoints_from(entry.data),
                stored_units(entry.data),
            )
            if error is None:
                self.hass.config_entries.async_update_entry(
                    entry,
                    data={
                        **entry.data,
                        CONF_PASSWORD: user_input[CONF_PASSWORD],
                        CONF_UNITS: units_for_storage(units),
                    },
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
            description_placeholders={"username": entry.data[CONF_USERNAME]},
        )

    # --- Kumo: reconfigure -------------------------------------------------------------------

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the address of one unit (probed before it is accepted)."""
        entry = self._get_reconfigure_entry()
        if entry.data.get(CONF_FAMILY) == FAMILY_MOMIT:
            return await self.async_step_reconfigure_momit(user_input)
        units = stored_units(entry.data)
        errors: dict[str, str] = {}
        if user_input is not None:
            unit = next(u for u in units if u.serial == user_input[CONF_SERIAL])
            updated, error = await async_validate_address(self.hass, unit, user_input[CONF_ADDRESS])
            if error is None:
                async_store_unit(self.hass, entry, updated)
                return self.async_abort(reason="reconfigure_successful")
            errors["base"] = error
        options = [
            SelectOptionDict(value=u.serial, label=f"{u.display_name} ({u.address or '?'})")
            for u in units
            if u.has_secrets
        ]
        if not options:
            return self.async_abort(reason="no_units_with_secrets")
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_SERIAL, default=options[0]["value"]): SelectSelector(
                        SelectSelectorConfig(options=options)
                    ),
                    vol.Required(CONF_ADDRESS): str,
                }
            ),
            errors=errors,
        )

    # --- Kumo: DHCP ----------------------------------------------------------------------------

    async def async_step_dhcp(self, discovery_info: DhcpServiceInfo) -> ConfigFlowResult:
        """A Kumo adapter got a DHCP lease: follow known units to their new address."""
        mac = normalize_mac(discovery_info.macaddress)
        ip = discovery_info.ip
        if mac is None:
            return self.async_abort(reason="not_kumo_unit")
        async_record_dhcp_sighting(self.hass, mac, ip)
        await self.async_set_unique_id(mac)
        session = async_get_clientsession(self.hass)
        entries = self.hass.config_entries.async_entries(DOMAIN)
        kumo_entries = [e for e in entries if e.data.get(CONF_FAMILY, FAMILY_KUMO) == FAMILY_KUMO]
        for entry in kumo_entries:
            units = stored_units(entry.data)
            unit = next((u for u in units if u.mac == mac), None)
            if unit is None:
                continue
            if unit.address == ip or not unit.has_secrets:
                return self.async_abort(reason="already_configured")
            check = await async_check_address(session, unit, ip, source=FieldSource.DHCP)
            if check.result is ProbeResult.MATCH:
                LOGGER.info("%s moved to a new address", unit.display_name)
                async_store_unit(self.hass, entry, check.unit)
            return self.async_abort(reason="already_configured")
        # Not a known MAC: it may be a unit of a configured account whose MAC the cloud did not
        # give; only its own secrets can tell (one probe per such unit).
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

    async def async_step_dhcp_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Confirm the address found for a unit of a configured account."""
        unit, entry = self._dhcp_unit, self._dhcp_entry
        assert unit is not None
        assert entry is not None
        if user_input is not None:
            async_store_unit(self.hass, entry, unit)
            return self.async_abort(reason="address_updated")
        return self.async_show_form(
            step_id="dhcp_confirm",
            description_placeholders={"name": unit.display_name, "address": unit.address or ""},
        )


class KumoMomitOptionsFlow(OptionsFlow):
    """Poll interval, and refreshing the unit list from the cloud."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """One form; refreshing runs the cloud discovery with the stored account."""
        entry = self.config_entry
        if entry.data.get(CONF_FAMILY) == FAMILY_MOMIT:
            return await self.async_step_momit(user_input)
        errors: dict[str, str] = {}
        if user_input is not None:
            options = {CONF_SCAN_INTERVAL: int(user_input[CONF_SCAN_INTERVAL])}
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
                    vol.Optional(CONF_REFRESH_FROM_CLOUD, default=False): bool,
                }
            ),
            errors=errors,
        )

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
                return self.async_create_entry(
                    data={
                        CONF_MIN_TEMP: low,
                        CONF_MAX_TEMP: high,
                        CONF_TEMP_STEP: float(user_input[CONF_TEMP_STEP]),
                    }
                )
            errors["base"] = "invalid_range"

        def temperature() -> NumberSelector:
            return NumberSelector(
                NumberSelectorConfig(
                    min=5, max=35, step=0.5, unit_of_measurement="°C", mode=NumberSelectorMode.BOX
                )
            )

        return self.async_show_form(
            step_id="momit",
            data_schema=vol.Schema(
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
            ),
            errors=errors,
        )
