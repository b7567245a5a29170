"""The Kumo Cloud push channel (Socket.IO, §13.6) on python-socketio's asyncio client.

One connection per account. After every (re)connection the client subscribes to the account
and to each unit, then asks for each unit's current state, adapter document, profile and
connection status, so nothing needs a REST read while the channel is up. Events are parsed into the
shared models and handed to a callback:

* `device_update`     → `CloudDeviceState`   (the unit's state, §13.4 fields)
* `device_status_v2`  → `CloudConnectionState` (the only trustworthy availability, §13.5)
* `adapter_update`    → `CloudAdapterUpdate` (mode masks, user setpoint limits, WiFi)
* `profile_update`    → `CloudProfileUpdate`

Handshake ([C] pykumo, [R] python-socketio clients): the access token goes both in
`auth={"token": …}` and in an `Authorization: Bearer …` header. A refused connection
(`connect_error`) is answered by one token renewal (refresh, then login with the stored
password) and one immediate retry; a renewal that fails with an authentication error stops the
channel and reports it (`auth_failed`), since retrying a rejected password only prolongs the
cloud's login throttling (§13.2). Every other failure is retried with exponential back-off and
jitter.

Not known, so handled conservatively ([G]): whether the server acknowledges subscriptions
(`subscribed`) for every unit — `covers(serial)` says whether anything arrived for a unit since
the last connection, so a caller can fall back to REST for units the channel does not serve;
whether an expiring access token ends an open connection (a reconnection simply uses a fresh
one); there is no reported `unsubscribe`, so `set_serials` reconnects when units are removed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
import contextlib
from dataclasses import dataclass
import logging
import random
from typing import Any, Final

import aiohttp
import socketio

from .cloud_state import CloudConnectionState, CloudDeviceState, cloud_adapter_status
from .cloud_tokens import jwt_claims
from .errors import (
    KumoCloudAuthError,
    KumoCloudError,
    KumoCloudRateLimitError,
    KumoCloudThrottledError,
)
from .models import AdapterStatus, IndoorUnitProfile

_LOGGER = logging.getLogger(__name__)

DEFAULT_SOCKET_URL: Final = "https://socket-prod.kumocloud.com"
# §13.6: pykumo asks for `adapterStatus` after subscribing; `iuStatus` (answered with a
# `device_update`) and `profile` are the other request types it names.
_INITIAL_REQUESTS: Final = ("iuStatus", "adapterStatus", "profile")
_STABLE_CONNECTION_S: Final = 60.0
# §13.2: the cloud refuses sign-ins for 15-30 min after a burst; attempts prolong it.
LOGIN_THROTTLE_COOLDOWN_S: Final = 15 * 60.0


@dataclass(frozen=True, kw_only=True)
class CloudAdapterUpdate:
    """An `adapter_update` push: the adapter's masks, limits and WiFi, as `adapter.status`."""

    serial: str
    adapter: AdapterStatus
    zone_name: str | None = None


@dataclass(frozen=True, kw_only=True)
class CloudProfileUpdate:
    """A `profile_update` push."""

    serial: str
    profile: IndoorUnitProfile


type CloudPushEvent = (
    CloudDeviceState | CloudConnectionState | CloudAdapterUpdate | CloudProfileUpdate
)


@dataclass(frozen=True, kw_only=True)
class PushBackoff:
    """Reconnection delays in seconds: `initial` doubling up to `maximum`, ± `jitter`."""

    initial: float = 2.0
    maximum: float = 300.0
    jitter: float = 0.2
    connect_timeout: float = 15.0

    def delay(self, attempt: int) -> float:
        """The wait before reconnection attempt `attempt` (0 = the first)."""
        base = min(self.maximum, self.initial * 2.0**attempt)
        return float(base * (1 + self.jitter * (2 * random.random() - 1)))


class _Refused(Exception):  # noqa: N818 - internal signal, never leaves the module
    """The server refused the namespace connection (a stale token, most likely)."""


def _jwt_account_id(token: str) -> str | None:
    """The access token's `id` claim: the account the socket subscribes to (§13.2)."""
    claim = jwt_claims(token).get("id")
    return claim if isinstance(claim, str) and claim else None


def cloud_wait_floor(err: BaseException) -> float:
    """How long the cloud itself asked us to stay away: a 429's wait (§13.5), or, after a
    sign-in refused as "too many attempts", the 15 minutes every further attempt would only
    prolong (§13.2)."""
    if isinstance(err, KumoCloudRateLimitError):
        return err.retry_after_s
    if isinstance(err, KumoCloudThrottledError):
        return LOGIN_THROTTLE_COOLDOWN_S
    return 0.0


def parse_push_event(event: str, payload: Any) -> CloudPushEvent | None:
    """One Socket.IO event as a model; None for events and payloads we do not use."""
    if event == "device_update":
        return CloudDeviceState.from_wire(payload)
    if event == "device_status_v2":
        return CloudConnectionState.from_wire(payload)
    serial = payload.get("deviceSerial") if isinstance(payload, dict) else None
    if not isinstance(serial, str) or not serial:
        return None
    if event == "adapter_update":
        zone = payload.get("zoneName")
        return CloudAdapterUpdate(
            serial=serial,
            adapter=cloud_adapter_status(payload),
            zone_name=zone if isinstance(zone, str) else None,
        )
    if event == "profile_update":
        return CloudProfileUpdate(serial=serial, profile=IndoorUnitProfile.from_wire(payload))
    return None


class KumoCloudPush:
    """The account's push channel: `start()`, then events arrive at `on_event`."""

    def __init__(  # noqa: PLR0913 - the channel's collaborators, each needed
        self,
        url: str,
        access_token: Callable[[], Awaitable[str]],
        renew_token: Callable[[], Awaitable[object]],
        on_event: Callable[[CloudPushEvent], None],
        *,
        serials: Iterable[str] = (),
        on_connection: Callable[[bool], None] | None = None,
        on_auth_failed: Callable[[KumoCloudAuthError], None] | None = None,
        session: aiohttp.ClientSession | None = None,
        backoff: PushBackoff | None = None,
    ) -> None:
        """`access_token`/`renew_token` come from the account's v3 API (`KumoCloudV3Api`);
        `on_connection` hears the channel go up and down, `on_auth_failed` that it stopped
        because the stored password was refused."""
        self._url = url.rstrip("/")
        self._access_token = access_token
        self._renew_token = renew_token
        self._on_event = on_event
        self._on_connection = on_connection
        self._on_auth_failed = on_auth_failed
        self._session = session
        self._backoff = backoff or PushBackoff()
        self._serials: set[str] = set(serials)
        self._covered: set[str] = set()
        self._client: socketio.AsyncClient | None = None
        self._task: asyncio.Task[None] | None = None
        self._disconnected = asyncio.Event()
        self._refusal: object = None
        self._account_id: str | None = None
        self.connected = False
        self.auth_failed: KumoCloudAuthError | None = None
        self.connections = 0
        """Successful connections so far (the first one and every reconnection)."""
        self.last_error: str | None = None

    def __repr__(self) -> str:
        """No tokens."""
        return f"KumoCloudPush(url={self._url!r}, connected={self.connected})"

    @property
    def serials(self) -> frozenset[str]:
        """The units the channel follows."""
        return frozenset(self._serials)

    def covers(self, serial: str) -> bool:
        """Up, and the server has answered for this unit since the connection was made."""
        return self.connected and serial in self._covered

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Connect in the background, and keep reconnecting until `stop()`."""
        if self._task is None or self._task.done():
            self.auth_failed = None
            self._task = asyncio.get_running_loop().create_task(self._run(), name="kumo_cloud_push")

    async def stop(self) -> None:
        """Disconnect and stop reconnecting."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._drop_client()

    async def set_serials(self, serials: Iterable[str]) -> None:
        """Follow these units: new ones are subscribed at once; removing one reconnects
        (no unsubscribe event is known), and with none left the channel stops."""
        wanted = set(serials)
        removed, added = self._serials - wanted, wanted - self._serials
        self._serials = wanted
        self._covered &= wanted
        if not wanted:
            await self.stop()
            return
        if removed and self._client is not None:
            await self._client.disconnect()  # the run loop reconnects with the new set
        elif added and self.connected and self._client is not None:
            await self._subscribe(self._client, sorted(added))

    # ------------------------------------------------------------------ the run loop

    async def _run(self) -> None:
        attempt = 0
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            try:
                await self._connect_and_serve()
                # A connection that lasted resets the back-off; one the server ends at once
                # (a flapping service) keeps growing it.
                if loop.time() - started >= _STABLE_CONNECTION_S:
                    attempt = 0
            except KumoCloudAuthError as err:
                # A renewal that logged in with the stored password was refused: only the user
                # can fix that, and retrying prolongs the login throttling (§13.2).
                self.auth_failed = err
                self.last_error = str(err)
                _LOGGER.warning("Kumo Cloud push stopped: %s", err)
                if self._on_auth_failed is not None:
                    self._on_auth_failed(err)
                return
            except (KumoCloudError, socketio.exceptions.SocketIOError, OSError) as err:
                self.last_error = f"{type(err).__name__}: {err}"
                _LOGGER.debug("Kumo Cloud push connection failed: %s", self.last_error)
                floor = cloud_wait_floor(err)
            except Exception as err:
                # The channel must outlive any one failure: logged with its traceback (not
                # swallowed), then retried like any other.
                self.last_error = f"{type(err).__name__}: {err}"
                _LOGGER.exception("Kumo Cloud push failed unexpectedly")
                floor = 0.0
            else:
                floor = 0.0
            delay = max(floor, self._backoff.delay(attempt))
            attempt += 1
            _LOGGER.debug("Kumo Cloud push reconnecting in %.1f s", delay)
            await asyncio.sleep(delay)

    async def _connect_and_serve(self) -> None:
        """One connection: connect (renewing the token once if refused), subscribe, and
        return when the connection ends."""
        try:
            client = await self._connect(await self._access_token())
        except _Refused:
            _LOGGER.debug("Kumo Cloud push refused the token; renewing it once")
            await self._renew_token()
            try:
                client = await self._connect(await self._access_token())
            except _Refused as err:
                raise KumoCloudError("the Kumo Cloud push service refused the token") from err
        try:
            await self._subscribe(client, sorted(self._serials), account=True)
            await self._disconnected.wait()
        finally:
            await self._drop_client()

    async def _connect(self, token: str) -> socketio.AsyncClient:
        client = socketio.AsyncClient(
            reconnection=False,
            http_session=self._session,
            handle_sigint=False,  # signals belong to the application, not to a library
            logger=False,
            engineio_logger=False,
        )
        self._refusal = None
        self._disconnected = asyncio.Event()
        client.on("connect", self._on_connect)
        client.on("connect_error", self._on_connect_error)
        client.on("disconnect", self._on_disconnect)
        client.on("subscribed", self._on_subscribed)
        for event in ("device_update", "device_status_v2", "adapter_update", "profile_update"):
            client.on(event, self._handler(event))
        self._client = client
        try:
            await client.connect(
                self._url,
                headers={"Authorization": f"Bearer {token}"},
                auth={"token": token},
                wait_timeout=self._backoff.connect_timeout,
            )
        except socketio.exceptions.ConnectionError:
            await self._drop_client()
            if self._refusal is not None:
                raise _Refused from None
            raise
        except BaseException:
            await self._drop_client()
            raise
        self._account_id = _jwt_account_id(token)
        return client

    async def _subscribe(
        self, client: socketio.AsyncClient, serials: list[str], *, account: bool = False
    ) -> None:
        """§13.6 steps 3-6, over the socket's own framing."""
        if account and self._account_id is not None:
            await client.emit("subscribe", ("", self._account_id))
        for serial in serials:
            await client.emit("subscribe", serial)
        for serial in serials:
            for request in _INITIAL_REQUESTS:
                await client.emit("force_adapter_request", (serial, request))
            await client.emit("device_status_v2", serial)

    async def _drop_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.disconnect()
            await client.shutdown()
        self._set_connected(False)

    # ------------------------------------------------------------------ socket handlers

    def _set_connected(self, up: bool) -> None:
        if up == self.connected:
            return
        self.connected = up
        if not up:
            self._covered.clear()
        if self._on_connection is not None:
            self._on_connection(up)

    async def _on_connect(self) -> None:
        self.connections += 1
        self._set_connected(True)

    async def _on_connect_error(self, data: object = None) -> None:
        # python-socketio reports a failed transport here too; only a refusal that came over
        # an open Engine.IO connection (the server's answer to the namespace connect) is about
        # the token. Renewing the token for a network failure would spend the account's REST
        # budget on every reconnection attempt.
        client = self._client
        if client is not None and client.eio.state == "connected":
            self._refusal = data if data is not None else True

    async def _on_disconnect(self, *reason: object) -> None:
        self._set_connected(False)
        self._disconnected.set()

    async def _on_subscribed(self, message: object = None) -> None:
        # "Successfully subscribed to: <serial>" (§13.6)
        if isinstance(message, str):
            serial = message.rsplit(":", 1)[-1].strip()
            if serial in self._serials:
                self._covered.add(serial)

    def _handler(self, event: str) -> Callable[..., Awaitable[None]]:
        async def handle(payload: object = None, *_extra: object) -> None:
            parsed = parse_push_event(event, payload)
            if parsed is None or parsed.serial not in self._serials:
                return
            self._covered.add(parsed.serial)
            self._on_event(parsed)

        return handle
