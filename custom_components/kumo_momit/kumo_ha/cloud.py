"""One Kumo account's cloud control: the units without local keys, fed by push.

`KumoCloudLink` holds what the account's cloud units share: one v3 API (one sign-in, one token
pair), the REST client, and one Socket.IO push channel (kumo.md §13.6). Push events go to the
unit's coordinator. While push does not serve a unit (down, or not answering for that unit),
the link reads units through REST one at a time, round robin, spaced so that an account with
20 cloud units makes at most 20 reads a minute (the cloud allows about 50, §13.5), and never
while the cloud has asked us to wait after a 429.
"""

from __future__ import annotations

from datetime import datetime, timedelta
import math
from typing import TYPE_CHECKING

from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_track_time_interval

from ..const import LOGGER
from ..kumo import (
    CloudPushEvent,
    KumoCloudAuthError,
    KumoCloudConnectionError,
    KumoCloudControl,
    KumoCloudIndoorUnit,
    KumoCloudPush,
    KumoCloudRateLimitError,
    KumoCloudThrottledError,
    KumoCloudV3Api,
    KumoError,
    KumoUnitRecord,
    cloud_wait_floor,
)
from .cloud_coordinator import KumoCloudCoordinator
from .const import CLOUD_PUSH_GRACE, CLOUD_READS_PER_MINUTE, CLOUD_UNIT_READ_INTERVAL
from .flow_helpers import SIGN_IN_PAUSE, async_note_failed_sign_in, endpoints_from
from .settings import kumo_settings

if TYPE_CHECKING:
    from ..data import KumoMomitConfigEntry


def read_spacing(units: int) -> timedelta:
    """Time between two REST reads of an account with `units` cloud units: at most
    `CLOUD_READS_PER_MINUTE` a minute, each unit at most every `CLOUD_UNIT_READ_INTERVAL`."""
    per_unit = CLOUD_UNIT_READ_INTERVAL.total_seconds() / max(1, units)
    return timedelta(seconds=max(60.0 / CLOUD_READS_PER_MINUTE, per_unit))


class KumoCloudLink:
    """The cloud side of one Kumo account entry."""

    def __init__(self, hass: HomeAssistant, entry: KumoMomitConfigEntry) -> None:
        """Nothing is sent until `async_start()`."""
        self.hass = hass
        self.entry = entry
        settings = kumo_settings(hass)
        self.now = settings.clock
        self._spacing = settings.cloud_read_spacing
        endpoints = endpoints_from(entry.data)
        session = async_get_clientsession(hass)
        self.api = KumoCloudV3Api(
            session, entry.data[CONF_USERNAME], entry.data[CONF_PASSWORD], base_url=endpoints.v3
        )
        self.control = KumoCloudControl(self.api, clock=settings.clock)
        self.push = KumoCloudPush(
            endpoints.socket,
            self.api.access_token,
            self.api.renew,
            self._on_event,
            on_connection=self._on_connection,
            on_auth_failed=self._on_auth_failed,
            session=session,
            backoff=settings.push_backoff,
        )
        self.coordinators: dict[str, KumoCloudCoordinator] = {}
        self._started_at = 0.0
        self._next = 0
        self._reading = False
        self._failures = 0
        self._paused_until = 0.0
        self._cancel_reads: CALLBACK_TYPE | None = None

    def add_unit(self, unit: KumoUnitRecord) -> KumoCloudCoordinator:
        """The coordinator of one cloud-controlled indoor unit."""
        device = KumoCloudIndoorUnit(unit.serial, unit.display_name, self.control, clock=self.now)
        coordinator = KumoCloudCoordinator(self.hass, self.entry, unit, device, self)
        self.coordinators[unit.serial] = coordinator
        return coordinator

    @property
    def read_spacing(self) -> timedelta:
        """Time between two REST reads of the account (one unit each)."""
        return read_spacing(len(self.coordinators))

    async def async_start(self) -> None:
        """Connect the push channel and start the fallback reads."""
        self._started_at = self.now()
        await self.push.set_serials(self.coordinators)
        self.push.start()
        self._cancel_reads = async_track_time_interval(
            self.hass,
            self._async_read_next,
            self._spacing or self.read_spacing,
            name="Kumo Cloud reads",
            cancel_on_shutdown=True,
        )

    async def async_stop(self) -> None:
        """Disconnect and stop reading (the entry unloads)."""
        if self._cancel_reads is not None:
            self._cancel_reads()
            self._cancel_reads = None
        for coordinator in self.coordinators.values():
            coordinator.async_cancel_retry()
        await self.push.stop()

    # --- push ------------------------------------------------------------------------------

    @callback
    def _on_event(self, event: CloudPushEvent) -> None:
        coordinator = self.coordinators.get(event.serial)
        if coordinator is not None:
            coordinator.async_take_push(event)

    @callback
    def _on_connection(self, up: bool) -> None:
        # Which account is not logged: its title is the user's email address.
        LOGGER.info("Kumo Cloud push is %s", "up" if up else "down")

    @callback
    def _on_auth_failed(self, err: KumoCloudAuthError) -> None:
        LOGGER.warning("Kumo Cloud refused the stored password: %s", err)
        self.entry.async_start_reauth(self.hass)

    # --- REST while push does not serve a unit ------------------------------------------

    def needs_read(self, coordinator: KumoCloudCoordinator) -> bool:
        """Whether a unit's state must come through REST now."""
        if coordinator.data is not None and self.push.covers(coordinator.unit.serial):
            return False
        # Half a tick of slack: a read lands a little after its tick, and the unit must not
        # wait a whole extra tick for it.
        interval = (CLOUD_UNIT_READ_INTERVAL - self.read_spacing / 2).total_seconds()
        now = self.now()
        return all(
            last is None or now - last >= interval
            for last in (coordinator.last_data_at, coordinator.last_read_at)
        )

    def _note_failure(self, err: KumoError | None) -> None:
        """A read failed for a reason of the whole account: pause every read a while."""
        if isinstance(err, KumoCloudAuthError):
            # The stored password was refused: reauthentication reloads the entry; until then
            # no more sign-ins with it. The refusal counts with the flows' (kumo.md §13.2).
            async_note_failed_sign_in(self.hass, self.entry.data[CONF_USERNAME], err)
            self._paused_until = math.inf
            return
        if err is None or not isinstance(err, KumoCloudConnectionError | KumoCloudThrottledError):
            self._failures = 0
            return
        if isinstance(err, KumoCloudRateLimitError):
            return  # the REST client itself holds back until the wait the cloud asked for
        self._failures += 1
        if isinstance(err, KumoCloudThrottledError):
            # Requests are refused for a while; the config flow must wait as well.
            async_note_failed_sign_in(self.hass, self.entry.data[CONF_USERNAME], err)
        # The cloud is down or unreachable: 1, 2, 4 … minutes between attempts, at most 15.
        backoff = CLOUD_UNIT_READ_INTERVAL.total_seconds() * 2 ** min(self._failures - 1, 4)
        pause = max(cloud_wait_floor(err), min(backoff, SIGN_IN_PAUSE.total_seconds()))
        self._paused_until = self.now() + pause

    async def _async_read_next(self, _now: datetime) -> None:
        """Read the next unit push does not serve, if the cloud takes requests."""
        if self._reading or self.control.blocked_for > 0 or self.now() < self._paused_until:
            return
        in_grace = self.now() - self._started_at < CLOUD_PUSH_GRACE.total_seconds()
        if in_grace and self.push.last_error is None:
            return  # push is still connecting and has not failed: give it its chance
        coordinators = list(self.coordinators.values())
        for offset in range(len(coordinators)):
            coordinator = coordinators[(self._next + offset) % len(coordinators)]
            if self.needs_read(coordinator):
                self._next = (self._next + offset + 1) % len(coordinators)
                self._reading = True
                try:
                    await coordinator.async_refresh()
                finally:
                    self._reading = False
                self._note_failure(coordinator.last_read_error)
                return
