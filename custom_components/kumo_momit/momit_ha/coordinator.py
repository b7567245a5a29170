"""The coordinator of one Momit Cool AC node: pushed by observe, polled only while push is down.

Library errors become translated `UpdateFailed` (reads) or `HomeAssistantError` /
`ServiceValidationError` (commands); the coordinator owns the node's one write path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util.hass_dict import HassKey

from ..const import DOMAIN, LOGGER
from ..data import async_update_entry
from ..momit import (
    AcState,
    MomitCoolClient,
    MomitError,
    MomitListener,
    MomitValidationError,
    RoomReading,
)
from .const import MOMIT_POLL_INTERVAL
from .data import StoredMomitNode, nodes_change
from .settings import momit_settings

if TYPE_CHECKING:
    from ..data import KumoMomitConfigEntry

# When each node (gateway, serial) was last searched for at start-up.
_LAST_SEARCH: Final[HassKey[dict[str, float]]] = HassKey(f"{DOMAIN}_momit_last_search")


@dataclass(frozen=True, kw_only=True)
class MomitNodeData:
    """What is known of one Momit Cool node: its last state and room reading."""

    state: AcState | None
    reading: RoomReading | None


class MomitNodeCoordinator(DataUpdateCoordinator[MomitNodeData]):
    """One Momit Cool AC node: pushed by observe, polled only while push is down (wled)."""

    config_entry: KumoMomitConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: KumoMomitConfigEntry,
        node: StoredMomitNode,
        client: MomitCoolClient,
        *,
        default_timer_minutes: int,
    ) -> None:
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=node.display_name,
            update_interval=MOMIT_POLL_INTERVAL,
        )
        self.node = node
        self.client = client
        # What `t` is sent as when turning on; the timer number entity sets it.
        self.timer_minutes = default_timer_minutes
        self._remove_listener: Callable[[], None] | None = None

    async def _async_setup(self) -> None:
        """Listen for pushed state before the first read, so nothing is missed."""
        self._remove_listener = self.client.add_listener(
            MomitListener(
                on_state=self._pushed_state,
                on_reading=self._pushed_reading,
                on_push=self._push_changed,
                on_port_change=self._port_changed,
            )
        )

    async def _async_update_data(self) -> MomitNodeData:
        try:
            return await self._async_read()
        except MomitError as err:
            failure = err
        # At start-up nothing has followed the node yet: its port may have changed while Home
        # Assistant was down. Look for it by serial, then read it where it is.
        if self.data is None and await self._async_refind():
            try:
                return await self._async_read()
            except MomitError as err:
                failure = err
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="momit_unreachable",
            translation_placeholders={"serial": self.node.serial, "error": str(failure)},
        ) from failure

    async def _async_read(self) -> MomitNodeData:
        state = await self.client.get_state()
        reading = await self.client.get_reading()
        return MomitNodeData(state=state, reading=reading)

    async def _async_refind(self) -> bool:
        """Search the gateway for this node by its serial; True if it answers somewhere.

        The library's search is bounded (the last port first, then the port range the gateway
        allocates from); set-up retries start a new client each time, so searches are spaced
        here, per node, as a running client spaces its own.
        """
        options = momit_settings(self.hass).client
        now = options.clock()
        last = self.hass.data.setdefault(_LAST_SEARCH, {})
        key = f"{self.client.host} {self.node.serial}"
        if key in last and now - last[key] < options.relocate_interval_s:
            return False
        last[key] = now
        LOGGER.info("Momit Cool %s did not answer; searching the gateway for it", self.node.serial)
        try:
            await self.client.relocate(force=True)
        except MomitError as err:
            LOGGER.debug("Momit Cool %s not found: %s", self.node.serial, err)
            return False
        return True

    async def async_start_push(self) -> None:
        """Observe the node's state and room resources (after the first refresh)."""
        try:
            await self.client.start_push()
        except MomitError as err:
            # Polling carries on; the client keeps trying to register.
            LOGGER.warning("Momit Cool %s: push unavailable (%s)", self.node.serial, err)

    async def async_shutdown(self) -> None:
        """Stop push and release the shared CoAP context with the entry."""
        await super().async_shutdown()
        if self._remove_listener is not None:
            self._remove_listener()
            self._remove_listener = None
        await self.client.close()

    def _current(self) -> MomitNodeData:
        return self.data or MomitNodeData(state=None, reading=None)

    @callback
    def _pushed_state(self, state: AcState) -> None:
        self.async_set_updated_data(replace(self._current(), state=state))

    @callback
    def _pushed_reading(self, reading: RoomReading) -> None:
        self.async_set_updated_data(replace(self._current(), reading=reading))

    @callback
    def _push_changed(self, active: bool) -> None:
        # Poll only while push is down; notifications keep the data fresh otherwise.
        self.update_interval = None if active else MOMIT_POLL_INTERVAL
        if not active and self.data is not None:
            self.hass.async_create_task(self.async_request_refresh())
        LOGGER.debug("Momit Cool %s: push %s", self.node.serial, "up" if active else "down")

    @callback
    def _port_changed(self, port: int) -> None:
        """The node answered on a new gateway port: keep it for the next start."""
        serial = self.node.serial
        self.node = replace(self.node, port=port)
        LOGGER.info("Momit Cool %s moved to gateway port %s", serial, port)
        async_update_entry(
            self.hass,
            self.config_entry,
            data=nodes_change(
                lambda nodes: [replace(n, port=port) if n.serial == serial else n for n in nodes]
            ),
        )

    async def async_command(
        self, command: Callable[[MomitCoolClient], Awaitable[None]], expected: AcState
    ) -> None:
        """The one write path: send, show the expected state at once, let push confirm it."""
        try:
            await command(self.client)
        except MomitValidationError as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="momit_invalid_value",
                translation_placeholders={"error": str(err)},
            ) from err
        except MomitError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="momit_command_failed",
                translation_placeholders={"serial": self.node.serial, "error": str(err)},
            ) from err
        self.async_set_updated_data(replace(self._current(), state=expected))
        if not self.client.push_active:
            await self.async_request_refresh()
