"""Momit config-flow steps: find a gateway's Momit Cool nodes (by port or by a background
scan), confirm them, and move the entry to a new gateway address (reconfigure). Mixed into the
one registered flow class (`../config_flow.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import ipaddress
from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import callback
from homeassistant.helpers.selector import NumberSelector, NumberSelectorConfig, NumberSelectorMode

from ..compat import vol
from ..const import CONF_FAMILY, FAMILY_MOMIT, LOGGER
from ..data import async_update_entry, storable
from ..momit import MomitCoolClient, MomitError, MomitNodeNotFoundError, discover_nodes
from .const import CONF_NODES
from .data import StoredMomitNode, nodes_change, nodes_for_storage, stored_nodes, with_found_nodes
from .settings import MomitSettings, momit_settings


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


async def async_find_known_nodes(
    settings: MomitSettings, stored: list[StoredMomitNode], host: str, port: int | None
) -> tuple[list[StoredMomitNode], str | None]:
    """The entry's nodes answering at `host`: on `port`, or on each port they had; or an error.

    Without a port, every stored node's port is asked (NAT ports often survive an address
    change of the gateway; a full scan is the config flow's job). Nodes not found keep their
    record: their clients find them by serial.
    """
    ports = [port] if port is not None else list(dict.fromkeys(n.port for n in stored))
    found: list[StoredMomitNode] = []
    error: str | None = "cannot_connect_gateway"
    for candidate in ports:
        nodes, candidate_error = await async_find_momit_nodes(settings, host, candidate)
        found += nodes
        if candidate_error is not None and not found:
            error = candidate_error
    if found:
        known = {node.serial for node in stored}
        error = None if known & {node.serial for node in found} else "different_gateway"
    return found, error


def _valid_host(host: str) -> bool:
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True


class MomitGatewaySteps(ConfigFlow):
    """Add a Momit gateway by its IP address: one entry per gateway, holding its AC nodes."""

    def __init__(self) -> None:
        """No gateway yet."""
        super().__init__()
        self._momit_host = ""
        self._momit_nodes: list[StoredMomitNode] = []
        self._momit_scan: asyncio.Task[tuple[list[StoredMomitNode], str | None]] | None = None
        self._momit_error: str | None = None

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
                await self.async_set_unique_id(f"momit-{host}", raise_on_progress=False)
                self._abort_if_unique_id_configured()
                self._async_replace_flows_of_this_gateway()
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

    @callback
    def _async_replace_flows_of_this_gateway(self) -> None:
        """End other flows adding this gateway: a new attempt replaces an abandoned one.

        A user who leaves the search screen (reload, navigate away) leaves its flow behind,
        possibly still searching; without this, every later attempt would be refused as
        "already in progress" until Home Assistant restarts.
        """
        for flow in self._async_in_progress(include_uninitialized=True):
            if flow["flow_id"] != self.flow_id and flow["context"].get("unique_id") == (
                self.unique_id
            ):
                self.hass.config_entries.flow.async_abort(flow["flow_id"])

    async def async_step_momit_scan(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Search the gateway's ports in the background, with a progress screen."""
        if self._momit_scan is None:
            # A background task: Home Assistant cancels it when it stops (and the flow manager
            # when the flow is removed), instead of waiting minutes for the scan.
            self._momit_scan = self.hass.async_create_background_task(
                async_find_momit_nodes(momit_settings(self.hass), self._momit_host, None),
                f"Momit gateway scan of {self._momit_host}",
                eager_start=False,
            )
        if not self._momit_scan.done():
            return self.async_show_progress(
                step_id="momit_scan",
                progress_action="scan_gateway",
                progress_task=self._momit_scan,
                description_placeholders={"host": self._momit_host},
            )
        if self._momit_scan.cancelled():
            self._momit_scan = None
            return self.async_show_progress_done(next_step_id="momit_scan_stopped")
        nodes, error = self._momit_scan.result()
        self._momit_scan = None
        if error is not None:
            self._momit_error = error
            return self.async_show_progress_done(next_step_id="momit")
        self._momit_nodes = nodes
        return self.async_show_progress_done(next_step_id="momit_confirm")

    async def async_step_momit_scan_stopped(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The search was cancelled (Home Assistant stops): nothing to confirm."""
        return self.async_abort(reason="scan_stopped")

    async def async_step_momit_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the Momit Cool controllers found before adding them."""
        if user_input is not None:
            return self.async_create_entry(
                title=f"Momit Gateway {self._momit_host}",
                data=storable(
                    {
                        CONF_FAMILY: FAMILY_MOMIT,
                        CONF_HOST: self._momit_host,
                        CONF_NODES: nodes_for_storage(self._momit_nodes),
                    }
                ),
            )
        return self.async_show_form(
            step_id="momit_confirm",
            description_placeholders={
                "host": self._momit_host,
                "nodes": ", ".join(f"{n.display_name} (port {n.port})" for n in self._momit_nodes),
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
            error: str | None = "invalid_host"
            if _valid_host(host):
                found, error = await async_find_known_nodes(
                    momit_settings(self.hass),
                    stored_nodes(entry.data),
                    host,
                    None if port is None else int(port),
                )
            if error is None:
                async_update_entry(
                    self.hass,
                    entry,
                    data=nodes_change(
                        lambda nodes: with_found_nodes(nodes, found), **{CONF_HOST: host}
                    ),
                    title=f"Momit Gateway {host}",
                    unique_id=f"momit-{host}",
                )
                return self.async_abort(reason="reconfigure_successful")
            errors["base"] = error
        return self.async_show_form(
            step_id="reconfigure_momit",
            data_schema=_momit_schema(user_input or {CONF_HOST: entry.data[CONF_HOST]}),
            errors=errors,
        )
