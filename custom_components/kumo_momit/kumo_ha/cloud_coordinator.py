"""The coordinator of a unit controlled through the Kumo Cloud (no local keys).

It is a `KumoIndoorCoordinator` — the same entities, the same write path — whose state arrives
by push (`KumoCloudLink` hands it every event of its unit) and, only while push does not serve
the unit, by a REST read the link schedules. Availability follows `device_status_v2`, the one
trustworthy signal (kumo.md §13.5). Commands go through `send-command`; their confirmation is
the next push.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import UpdateFailed

from ..const import DOMAIN, LOGGER
from ..kumo import (
    CloudPushEvent,
    IndoorUnitState,
    KumoCloudAuthError,
    KumoCloudCommandError,
    KumoCloudIndoorUnit,
    KumoCloudRateLimitError,
    KumoCloudSetpointRangeError,
    KumoError,
    KumoUnitRecord,
)
from .const import CONNECTION_CLOUD
from .coordinator import KumoCommand, KumoIndoorCoordinator

if TYPE_CHECKING:
    from ..data import KumoMomitConfigEntry
    from .cloud import KumoCloudLink


class KumoCloudCoordinator(KumoIndoorCoordinator):
    """One indoor unit controlled through its account's Kumo Cloud."""

    device: KumoCloudIndoorUnit
    via = CONNECTION_CLOUD

    def __init__(
        self,
        hass: HomeAssistant,
        entry: KumoMomitConfigEntry,
        unit: KumoUnitRecord,
        device: KumoCloudIndoorUnit,
        link: KumoCloudLink,
    ) -> None:
        """Fed by `link`: no polling schedule of its own."""
        super().__init__(hass, entry, unit, device, update_interval=None)
        self.link = link
        self.last_data_at: float | None = None
        """When the unit's state last arrived (push or read), on the settings' clock."""
        self.last_read_at: float | None = None
        """When a REST read of the unit was last tried."""
        self.last_read_error: KumoError | None = None
        """Why the last REST read failed (None: it did not)."""
        self._retry: KumoCommand | None = None
        self._cancel_retry: CALLBACK_TYPE | None = None

    async def _poll(self) -> IndoorUnitState:
        self.last_read_at = self.link.now()
        self.last_read_error = None
        try:
            state = await self.device.async_update()
        except KumoCloudAuthError as err:
            # Refresh and a new sign-in with the stored password both failed (kumo.md §13.2).
            self.last_read_error = err
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="kumo_cloud_auth_failed",
                translation_placeholders={"name": self.unit.display_name},
            ) from err
        except KumoError as err:
            self.last_read_error = err
            raise
        self.last_data_at = self.link.now()
        return state

    @callback
    def async_take_push(self, event: CloudPushEvent) -> None:
        """One event of this unit from the push channel."""
        changed = self.device.apply(event)
        if self.device.reachable is False:
            if self.last_update_success:
                self.async_set_update_error(
                    UpdateFailed(
                        translation_domain=DOMAIN,
                        translation_key="kumo_cloud_unit_offline",
                        translation_placeholders={"name": self.unit.display_name},
                    )
                )
            return
        state = self.device.state
        if state is None:
            return  # the profile has not arrived yet
        self.last_data_at = self.link.now()
        if changed or self.data is None or not self.last_update_success:
            self._failures_in_a_row = 0
            self.async_set_updated_data(state)

    async def _async_read_back(self, state: IndoorUnitState) -> IndoorUnitState:
        """Push confirms a new mode too: no REST read on the account's budget."""
        return state

    async def _async_confirm(self) -> None:
        """Push confirms a command; only a unit push does not serve gets a (debounced) read."""
        if not self.link.push.covers(self.unit.serial):
            await self.async_request_refresh()

    def _command_error(self, err: KumoError, command: KumoCommand) -> HomeAssistantError:
        name = self.unit.display_name
        if isinstance(err, KumoCloudSetpointRangeError):
            return ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key=(
                    "kumo_cloud_heat_range"
                    if err.limit == "heat"
                    else "kumo_cloud_cool_range"
                    if err.limit == "cool"
                    else "kumo_cloud_auto_range"
                ),
                translation_placeholders={"name": name},
            )
        if isinstance(err, KumoCloudCommandError):
            return ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="kumo_cloud_command_refused",
                translation_placeholders={"name": name, "codes": ", ".join(err.codes) or "?"},
            )
        if isinstance(err, KumoCloudRateLimitError):
            seconds = max(1, round(err.retry_after_s))
            self._retry_later(command, seconds)
            return HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="kumo_cloud_rate_limited_command",
                translation_placeholders={"name": name, "seconds": str(seconds)},
            )
        if isinstance(err, KumoCloudAuthError):
            self.config_entry.async_start_reauth(self.hass)
            return HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="kumo_cloud_auth_failed_command",
                translation_placeholders={"name": name},
            )
        return super()._command_error(err, command)

    @callback
    def _retry_later(self, command: KumoCommand, seconds: int) -> None:
        """Send the unit's latest rate-limited command once the cloud takes requests again."""
        self._retry = command
        if self._cancel_retry is None:
            self._cancel_retry = async_call_later(self.hass, seconds, self._async_retry)

    async def _async_retry(self, _now: datetime) -> None:
        self._cancel_retry = None
        command, self._retry = self._retry, None
        if command is None:
            return
        try:
            await self.async_command(command)
        except HomeAssistantError as err:
            LOGGER.warning("%s: the delayed command failed again: %s", self.unit.display_name, err)

    @callback
    def async_cancel_retry(self) -> None:
        """Forget a pending retry (the entry unloads)."""
        if self._cancel_retry is not None:
            self._cancel_retry()
            self._cancel_retry = None
        self._retry = None
