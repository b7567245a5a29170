"""Coordinators of Kumo units: one per indoor unit and per Kumo Station, polled locally
(units controlled through the Kumo Cloud have theirs in `cloud_coordinator.py`).

Each turns library errors into translated `UpdateFailed` (polls) or `HomeAssistantError` /
`ServiceValidationError` (commands); the indoor unit's coordinator owns the one write path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from ..const import DOMAIN, LOGGER
from ..kumo import (
    IndoorUnitState,
    KumoAdapterBusyError,
    KumoAuthenticationError,
    KumoCloudError,
    KumoCloudIndoorUnit,
    KumoCloudRateLimitError,
    KumoCommandRejectedError,
    KumoError,
    KumoIndoorUnit,
    KumoStation,
    KumoUnitRecord,
    KumoValidationError,
    StationState,
)
from .const import CONNECTION_LOCAL, KUMO_TRANSIENT_FAILURES, REFRESH_COOLDOWN_S

if TYPE_CHECKING:
    from ..data import KumoMomitConfigEntry


type KumoIndoorDevice = KumoIndoorUnit | KumoCloudIndoorUnit
"""What carries an indoor unit's commands: its adapter on the LAN, or the Kumo Cloud."""


def _kumo_failure_key(err: KumoError) -> str:
    """Translation key telling the user what kind of failure a Kumo unit had."""
    if isinstance(err, KumoCloudRateLimitError):
        return "kumo_cloud_rate_limited"
    if isinstance(err, KumoCloudError):
        return "kumo_cloud_unreachable"
    if isinstance(err, KumoAuthenticationError):
        return "kumo_auth_failed"
    if isinstance(err, KumoAdapterBusyError):
        return "kumo_adapter_busy"
    if isinstance(err, KumoCommandRejectedError):
        return "kumo_command_rejected"
    return "kumo_unreachable"


class _KumoCoordinator[StateT: (IndoorUnitState, StationState)](DataUpdateCoordinator[StateT]):
    """Polls one Kumo adapter; rides through a single transient failure."""

    config_entry: KumoMomitConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: KumoMomitConfigEntry,
        unit: KumoUnitRecord,
        device: KumoIndoorDevice | KumoStation,
        update_interval: timedelta | None,
    ) -> None:
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"Kumo {unit.display_name}",
            update_interval=update_interval,
            # A burst of commands is confirmed by one status read, shortly after the last one.
            request_refresh_debouncer=Debouncer(
                hass, LOGGER, cooldown=REFRESH_COOLDOWN_S, immediate=False
            ),
        )
        self.unit = unit
        self.device = device
        self._failures_in_a_row = 0

    async def _poll(self) -> StateT:
        raise NotImplementedError

    async def _async_update_data(self) -> StateT:
        try:
            state = await self._poll()
        except KumoError as err:
            self._failures_in_a_row += 1
            # Adapters on weak WiFi miss a poll now and then (hass-kumo #45/#80/#151): keep the
            # last state for one failure, go unavailable after repeated ones.
            if self.data is not None and self._failures_in_a_row <= KUMO_TRANSIENT_FAILURES:
                LOGGER.debug("%s: poll failed (%s); keeping the last state", self.name, err)
                return self.data
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key=_kumo_failure_key(err),
                translation_placeholders={"name": self.unit.display_name, "error": str(err)},
            ) from err
        self._failures_in_a_row = 0
        return state


type KumoCommand = Callable[[KumoIndoorDevice], Awaitable[IndoorUnitState]]


class KumoIndoorCoordinator(_KumoCoordinator[IndoorUnitState]):
    """One Kumo indoor unit; owns the write path for its commands."""

    device: KumoIndoorDevice
    # How the unit is reached (the diagnostic "connection" sensor shows it).
    via = CONNECTION_LOCAL

    def __init__(
        self,
        hass: HomeAssistant,
        entry: KumoMomitConfigEntry,
        unit: KumoUnitRecord,
        device: KumoIndoorDevice,
        update_interval: timedelta | None,
    ) -> None:
        super().__init__(hass, entry, unit, device, update_interval)
        # Commands run one after the other, each built on the state the previous one left:
        # a setpoint chosen while a mode change is still on its way applies to the new mode.
        self._command_lock = asyncio.Lock()

    async def _poll(self) -> IndoorUnitState:
        return await self.device.async_update()

    @property
    def mode_unconfirmed(self) -> bool:
        """A new mode was written to the adapter and no read has shown it yet."""
        device = self.device
        return isinstance(device, KumoIndoorUnit) and "mode" in device.unconfirmed

    async def async_command(self, command: KumoCommand) -> None:
        """The one write path: send (commands in order), show, confirm.

        The new state is shown at once; one debounced status read confirms it, so a burst of
        commands costs one read. A new mode is read back right away instead: what the unit
        does in it (heating, standby, defrosting) is known only from the unit, and one state
        change shown now beats one a moment later, while the user is still choosing a setpoint
        in the dialog.
        """
        async with self._command_lock:
            mode_before = self.data.status.mode if self.data is not None else None
            try:
                state = await command(self.device)
            except KumoError as err:
                raise self._command_error(err, command) from err
            if state.status.mode is not mode_before:
                state = await self._async_read_back(state)
            self._failures_in_a_row = 0
            self.async_set_updated_data(state)
        await self._async_confirm()

    async def _async_read_back(self, state: IndoorUnitState) -> IndoorUnitState:
        """The unit's state read right after a new mode was written (else `state`)."""
        try:
            return await self.device.async_update()
        except KumoError as err:
            LOGGER.debug("%s: reading the new mode back failed: %s", self.name, err)
            return state

    async def _async_confirm(self) -> None:
        """Confirm a command's state: a debounced status read, unless one already did."""
        device = self.device
        if not isinstance(device, KumoIndoorUnit) or device.unconfirmed:
            await self.async_request_refresh()

    @callback
    def async_show_state(self, state: IndoorUnitState) -> None:
        """Show a state the unit was just sent (an injected room temperature) right away.

        Unlike `async_set_updated_data` this keeps the poll schedule: a keep-alive every 20 s
        would otherwise push the next poll back for ever.
        """
        self.data = state
        self.async_update_listeners()

    def _command_error(self, err: KumoError, command: KumoCommand) -> HomeAssistantError:
        """The translated error a failed command shows (`command` for a later retry)."""
        placeholders = {"name": self.unit.display_name, "error": str(err)}
        if isinstance(err, KumoValidationError):
            return ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="kumo_invalid_value",
                translation_placeholders=placeholders,
            )
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=f"{_kumo_failure_key(err)}_command",
            translation_placeholders=placeholders,
        )


class KumoStationCoordinator(_KumoCoordinator[StationState]):
    """One Kumo Station (outdoor temperature, sensors)."""

    device: KumoStation
    via = CONNECTION_LOCAL

    async def _poll(self) -> StationState:
        return await self.device.async_update()
