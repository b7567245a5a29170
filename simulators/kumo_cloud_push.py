"""The Kumo Cloud's Socket.IO push service, simulated with python-socketio's `AsyncServer`.

It is attached to the cloud simulator's aiohttp application (the real service has a host of its
own, `socket-prod.kumocloud.com`, §13.1; a client takes its URL separately). What it does follows
`kumo.md` §13.6, which is [C] for pykumo's polling handshake and [R] for the rest:

* Connecting needs a live access token, given as `auth={"token": <access>}` or as an
  `Authorization: Bearer <access>` header; without one the namespace connect is refused
  (pykumo's `44{…}`: "refresh the token and retry once"). The refusal's exact body is not known
  [G]: here `{"message": "unauthorized"}`.
* Client events: `subscribe(<serial>)` joins a device (acked with a `subscribed` event,
  "Successfully subscribed to: <serial>"); `subscribe("", <account id from the JWT>)` joins
  the account; `force_adapter_request(<serial>, "iuStatus"|"adapterStatus"|"profile")` and
  `device_status_v2(<serial>|"")` ask for the current documents.
* Server events: `device_update` (the full device document), `device_status_v2`,
  `adapter_update`, `profile_update`.
* [G] Pushes go to the clients subscribed to that device only, and only after they subscribed;
  a subscription to a serial outside the account is ignored (no ack). An expiring access token
  does not end an open connection; only new connections are checked.

Faults: `drop()` ends every connection abruptly (the TCP connections are aborted, no close
packet, as when a network path breaks), so clients see a transport error rather than a
server-side disconnect.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from aiohttp import web
import socketio

from simulators.kumo_cloud_devices import CloudDevice

SOCKET_PATH: Final = "/socket.io/"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class PushAccount:
    """What the push service needs to know about the account it serves."""

    account_id: str
    authenticate: Callable[[str | None], bool]
    """Whether a token is a live access token of the account."""
    devices: Callable[[], Mapping[str, CloudDevice]]
    """The account's devices by serial (looked up at each use)."""
    zone_name: Callable[[str], str]
    """The room name of a serial (the `adapter_update` carries it)."""


@dataclass(frozen=True)
class ReceivedEvent:
    """One event a client sent, for assertions."""

    sid: str
    event: str
    args: tuple[Any, ...]


class CloudPushServer:
    """Socket.IO server for one simulated account."""

    def __init__(
        self, account: PushAccount, *, ping_interval: float = 25.0, ping_timeout: float = 20.0
    ) -> None:
        """The reported intervals are 25 s ping, 20 s timeout (§13.6); tests shorten them."""
        self._account = account
        self.sio = socketio.AsyncServer(
            async_mode="aiohttp",
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            logger=False,
            engineio_logger=False,
            cors_allowed_origins=None,
        )
        # Engine.IO starts untracked tasks (pings, handlers) that outlive a closed connection;
        # they are recorded here so `close()` can end them.
        self._tasks: set[asyncio.Future[Any]] = set()
        start_task = self.sio.eio.start_background_task

        def tracked_task(target: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            task = start_task(target, *args, **kwargs)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return task

        self.sio.eio.start_background_task = tracked_task
        self.received: list[ReceivedEvent] = []
        self.connects = 0
        self.refused = 0
        self._subscribers: dict[str, set[str]] = {}
        self._transports: set[asyncio.Transport] = set()
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on("subscribe", self._on_subscribe)
        self.sio.on("force_adapter_request", self._on_force_request)
        self.sio.on("device_status_v2", self._on_status_request)

    def attach(self, app: web.Application) -> None:
        """Serve `/socket.io/` from the application (before it starts)."""
        self.sio.attach(app, socketio_path=SOCKET_PATH.strip("/"))

    async def track(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Serve one Socket.IO request, remembering its connection so `drop()` can cut it."""
        transport = request.transport
        if isinstance(transport, asyncio.Transport):
            self._transports.add(transport)
        try:
            return await handler(request)
        finally:
            if isinstance(transport, asyncio.Transport):
                self._transports.discard(transport)

    # ------------------------------------------------------------------ state for tests

    @property
    def connected_clients(self) -> int:
        """Open Socket.IO connections."""
        return len(self.sio.eio.sockets)

    def subscribers(self, serial: str) -> int:
        """Clients subscribed to one device."""
        return len(self._subscribers.get(serial, set()))

    def events(self, name: str) -> list[tuple[Any, ...]]:
        """Arguments of every `name` event clients sent."""
        return [event.args for event in self.received if event.event == name]

    # ------------------------------------------------------------------ pushes

    async def push_device_update(self, device: CloudDevice, document: dict[str, Any]) -> None:
        """`device_update` to the device's subscribers."""
        await self._to_subscribers(device.serial, "device_update", document)

    async def push_status(self, device: CloudDevice) -> None:
        """`device_status_v2` to the device's subscribers."""
        await self._to_subscribers(device.serial, "device_status_v2", device.status_document())

    async def _to_subscribers(self, serial: str, event: str, data: dict[str, Any]) -> None:
        for sid in list(self._subscribers.get(serial, ())):
            await self.sio.emit(event, data, to=sid)

    # ------------------------------------------------------------------ faults and shutdown

    async def drop(self) -> None:
        """Cut every connection without a close packet (a broken network path)."""
        for socket in list(self.sio.eio.sockets.values()):
            await socket.close(wait=False, abort=True)
        self.sio.eio.sockets.clear()
        for transport in list(self._transports):
            transport.abort()
        self._transports.clear()
        self._subscribers.clear()

    async def close(self) -> None:
        """Stop background tasks and cut every connection (before the web server stops)."""
        await self.drop()
        await self.sio.shutdown()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # ------------------------------------------------------------------ handlers

    async def _on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        token: str | None = None
        if isinstance(auth, dict) and isinstance(auth.get("token"), str):
            token = auth["token"]
        header = str(environ.get("HTTP_AUTHORIZATION", ""))
        if token is None and header.startswith("Bearer "):
            token = header[7:]
        if not self._account.authenticate(token):
            self.refused += 1
            raise socketio.exceptions.ConnectionRefusedError("unauthorized")
        self.connects += 1

    async def _on_disconnect(self, sid: str, *reason: object) -> None:
        for subscribers in self._subscribers.values():
            subscribers.discard(sid)

    async def _on_subscribe(self, sid: str, *args: Any) -> None:
        self.received.append(ReceivedEvent(sid, "subscribe", args))
        serial = args[0] if args else None
        if serial == "" and len(args) > 1 and args[1] == self._account.account_id:
            await self.sio.enter_room(sid, f"account:{args[1]}")
            return
        if not isinstance(serial, str) or serial not in self._account.devices():
            return
        self._subscribers.setdefault(serial, set()).add(sid)
        await self.sio.emit("subscribed", f"Successfully subscribed to: {serial}", to=sid)

    async def _on_force_request(self, sid: str, *args: Any) -> None:
        self.received.append(ReceivedEvent(sid, "force_adapter_request", args))
        serial = args[0] if args and isinstance(args[0], str) else ""
        device = self._account.devices().get(serial)
        kind = args[1] if len(args) > 1 else None
        if device is None:
            return
        if kind == "iuStatus":
            await self.sio.emit("device_update", device.device_document(), to=sid)
        elif kind == "adapterStatus":
            document = device.adapter_document(self._account.zone_name(device.serial))
            await self.sio.emit("adapter_update", document, to=sid)
        elif kind == "profile" and not device.headless:
            # [G] the payload's shape is not reported: the profile with its serial.
            document = {"deviceSerial": device.serial, **device.unit.profile}
            await self.sio.emit("profile_update", document, to=sid)

    async def _on_status_request(self, sid: str, *args: Any) -> None:
        self.received.append(ReceivedEvent(sid, "device_status_v2", args))
        serial = args[0] if args and isinstance(args[0], str) else ""
        devices = self._account.devices()
        if serial != "" and serial not in devices:
            return
        for device in devices.values() if serial == "" else [devices[serial]]:
            await self.sio.emit("device_status_v2", device.status_document(), to=sid)
