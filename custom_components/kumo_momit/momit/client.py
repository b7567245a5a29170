"""Client for one Momit Cool AC controller node behind a Momit Gateway.

Typical use::

    async with MomitCoolClient("192.168.3.164", 17062, serial="...") as client:
        unsubscribe = client.add_listener(MomitListener(on_state=..., on_push=...))
        await client.start_push()        # observe /10242/0/0 and /10241/0/0
        await client.turn_on(AcMode.COOL, 21.0)
        ...
    # leaving the block stops push and closes the client's CoAP context and relay

Only the resources the protocol notes call safe are touched (§4): `/.well-known/core`,
GET `/10241/0/0`, GET/PUT/observe `/10242/0/0`, GET `/3/0/{0,1,2,3,9}`. Nothing else is ever
written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
import logging
import time
from typing import Final, Self

import aiocoap

from ._linkformat import parse_listing
from ._observe import Backoff, ObserveCallbacks, ObserveSettings, ResourceObserver
from ._transport import (
    COMMAND_TIMING,
    LISTING_DEADLINE_S,
    PROBE_TIMING,
    MomitTiming,
    NodeLink,
    check_host,
)
from .discovery import DEFAULT_SCAN, ScanOptions, find_ac_node
from .errors import (
    MomitCommandRejectedError,
    MomitCommandTimeoutError,
    MomitConnectionError,
    MomitError,
    MomitNodeNotFoundError,
    MomitProtocolError,
)
from .models import (
    CONTENT_FORMAT_LWM2M_TEXT,
    DEFAULT_LIMITS,
    MAX_LISTING_BYTES,
    PATH_BATTERY_STATUS,
    PATH_EVENTS,
    PATH_FIRMWARE,
    PATH_MANUFACTURER,
    PATH_MODEL,
    PATH_SERIAL,
    PATH_TEM_HUM_BAT,
    PATH_WELL_KNOWN_CORE,
    AcCommand,
    AcMode,
    AcState,
    CommandLimits,
    NodeIdentity,
    NodeListing,
    RoomReading,
    parse_identity_text,
)

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class MomitClientOptions:
    """Tunables of a client; the defaults are what Home Assistant should use."""

    limits: CommandLimits = DEFAULT_LIMITS
    probe_timing: MomitTiming = PROBE_TIMING
    command_timing: MomitTiming = COMMAND_TIMING
    use_relay: bool = True
    """Talk through the source-port-normalising relay (§9.7); the recommended default."""
    relay_upstream_port: int = 0
    """A fixed local port lets the gateway's NAT entry survive restarts; 0 = any free port."""
    refresh_interval_s: float | None = 50.0
    """Register an observation again when its resource has been quiet this long (see
    `_observe.py`): a node that rebooted or lost power for a few seconds forgot its observers
    silently. Bounds how stale the state can be to this plus one registration (55 s with the
    defaults), at one request per quiet resource per interval (at most 144 per hour for the
    two); it also keeps the node's NAT mapping for our socket alive (5 min idle [INF, §1.2]).
    None turns refreshes off (staleness then bounded by `silence_timeout_s` only)."""
    silence_timeout_s: float = 300.0
    """Declare an observation lost (push down, poll) after this long without a notification
    (§7: 5-10 min); only reached when it is shorter than `refresh_interval_s` or refreshes are
    off."""
    backoff: Backoff = field(default_factory=Backoff)
    relocate_interval_s: float = 300.0
    """At most one re-discovery scan per this many seconds (§3 step 5)."""
    auto_relocate: bool = True
    """Re-find the node by serial when an observation registration gets no answer."""
    scan: ScanOptions = DEFAULT_SCAN
    clock: Callable[[], float] = time.monotonic


DEFAULT_OPTIONS: Final = MomitClientOptions()


@dataclass(frozen=True, kw_only=True)
class MomitListener:
    """Callbacks for push data; all optional. They run in the event loop and must not block."""

    on_state: Callable[[AcState], None] | None = None
    on_reading: Callable[[RoomReading], None] | None = None
    on_push: Callable[[bool], None] | None = None
    """Push up (both observations registered) or down (poll meanwhile)."""
    on_port_change: Callable[[int], None] | None = None
    """The node was found on a new gateway port: persist it."""


class MomitCoolClient:
    """One AC controller node: reads, validated commands, push, re-discovery."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        serial: str | None = None,
        options: MomitClientOptions = DEFAULT_OPTIONS,
    ) -> None:
        """Nothing is opened until first use (or `connect()` / `async with`).

        The client owns what it opens (its CoAP context and relay) until `close()`.
        """
        self._options = options
        self._link = NodeLink(
            check_host(host),
            port,
            use_relay=options.use_relay,
            relay_upstream_port=options.relay_upstream_port,
        )
        self.serial = serial
        self.state: AcState | None = None
        """Last state seen (poll, notification or post-command re-read)."""
        self.reading: RoomReading | None = None
        """Last room reading seen."""
        self._listeners: list[MomitListener] = []
        self._closed = False
        self._command_lock = asyncio.Lock()
        self._relocate_lock = asyncio.Lock()
        self._last_relocate: float | None = None
        self._observers: dict[str, ResourceObserver] = {}
        self._relocation: asyncio.Task[None] | None = None
        self._push_active = False

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def host(self) -> str:
        """Gateway IP address."""
        return self._link.host

    @property
    def port(self) -> int:
        """Current gateway port of the node (changes after a relocation)."""
        return self._link.port

    @property
    def is_open(self) -> bool:
        """Whether the client holds its CoAP context and relay (between first use and close)."""
        return self._link.is_open

    @property
    def reply_ports(self) -> frozenset[int]:
        """Gateway ports other than `port` that answered through the relay (diagnostics, §1.2)."""
        relay = self._link.relay
        return frozenset(relay.reply_ports) if relay is not None else frozenset()

    async def connect(self) -> None:
        """Open the relay and the CoAP context; no traffic is sent."""
        if self._closed:
            raise MomitConnectionError("client is closed")
        await self._link.open()

    async def close(self) -> None:
        """Stop push, close the CoAP context and the relay; idempotent."""
        self._closed = True
        await self.stop_push()
        await self._link.close()

    async def __aenter__(self) -> Self:
        """Connect."""
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Close."""
        await self.close()

    # -- listeners ---------------------------------------------------------------------------

    def add_listener(self, listener: MomitListener) -> Callable[[], None]:
        """Register callbacks; returns the function that removes them."""
        self._listeners.append(listener)

        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    def _emit[T](
        self, pick: Callable[[MomitListener], Callable[[T], None] | None], value: T
    ) -> None:
        for listener in list(self._listeners):
            callback = pick(listener)
            if callback is None:
                continue
            try:
                callback(value)
            except Exception:
                # A consumer bug must not kill push for everyone.
                _LOGGER.exception("Momit listener failed")

    def _set_state(self, state: AcState) -> None:
        self.state = state
        self._emit(lambda listener: listener.on_state, state)

    def _set_reading(self, reading: RoomReading) -> None:
        self.reading = reading
        self._emit(lambda listener: listener.on_reading, reading)

    # -- reads -------------------------------------------------------------------------------

    async def _get(self, path: str, *, deadline_s: float | None = None) -> aiocoap.Message:
        await self.connect()
        return await self._link.get(path, self._options.probe_timing, deadline_s=deadline_s)

    async def _get_content(self, path: str) -> bytes:
        response = await self._get(path)
        if response.code != aiocoap.CONTENT:
            raise MomitProtocolError(f"GET {path} answered {response.code}")
        payload: bytes = response.payload
        return payload

    async def get_state(self) -> AcState:
        """Read `/10242/0/0`."""
        state = AcState.from_payload(await self._get_content(PATH_EVENTS))
        self._set_state(state)
        return state

    async def probe(self) -> AcState:
        """Cheap liveness and identity check: the AC node answers `/10242/0/0` with `out=`.

        Raises MomitNodeNotFoundError when the port answers but is not an AC controller
        (other nodes answer 4.04 [INF], §3).
        """
        response = await self._get(PATH_EVENTS)
        if response.code != aiocoap.CONTENT:
            raise MomitNodeNotFoundError(
                f"{self.host}:{self.port} is not an AC controller ({response.code})"
            )
        state = AcState.from_payload(response.payload)
        if "out" not in state.fields:
            raise MomitNodeNotFoundError(f"{self.host}:{self.port} does not report `out`")
        self._set_state(state)
        return state

    async def get_reading(self) -> RoomReading:
        """Read `/10241/0/0` (temperature, humidity, battery)."""
        reading = RoomReading.from_payload(await self._get_content(PATH_TEM_HUM_BAT))
        self._set_reading(reading)
        return reading

    async def _get_text(self, path: str) -> str | None:
        response = await self._get(path)
        if not response.code.is_successful():
            return None  # e.g. 4.04: this node type does not have it (/3/0/9 is AC-only)
        try:
            return parse_identity_text(response.payload)
        except MomitProtocolError as err:
            _LOGGER.warning("%s:%s %s: ignoring %s", self.host, self.port, path, err)
            return None

    async def get_device_info(self) -> NodeIdentity:
        """Read the LwM2M Device fields `/3/0/{0,1,2,3,9}`.

        Absent fields are None, and so are texts no registry could keep (too long, not
        printable; a warning is logged).
        """
        info = NodeIdentity(
            manufacturer=await self._get_text(PATH_MANUFACTURER),
            model=await self._get_text(PATH_MODEL),
            serial=await self._get_text(PATH_SERIAL),
            firmware=await self._get_text(PATH_FIRMWARE),
            battery_status=await self._get_text(PATH_BATTERY_STATUS),
        )
        if self.serial is None:
            self.serial = info.serial
        return info

    async def get_listing(self) -> NodeListing:
        """Read and tolerantly parse `/.well-known/core` (about 27 Block2 blocks on a device)."""
        await self.connect()
        response = await self._link.get(
            PATH_WELL_KNOWN_CORE,
            self._options.probe_timing,
            deadline_s=LISTING_DEADLINE_S,
            max_bytes=MAX_LISTING_BYTES,
        )
        if not response.code.is_successful():
            raise MomitProtocolError(f"GET {PATH_WELL_KNOWN_CORE} answered {response.code}")
        return parse_listing(response.payload)

    # -- commands ----------------------------------------------------------------------------

    async def turn_on(
        self, mode: AcMode | str, setpoint_c: float, timer_minutes: int | None = None
    ) -> None:
        """Validate, then send `cm=<mode>,t=<minutes>,sp=<tenths>`.

        `timer_minutes` None sends the default timer (`limits.default_timer_minutes`).
        Raises MomitValidationError (nothing sent), MomitCommandRejectedError,
        MomitCommandTimeoutError.
        """
        command = AcCommand.turn_on(mode, setpoint_c, timer_minutes, limits=self._options.limits)
        await self.send_command(command)

    async def turn_off(self) -> None:
        """Send `cm=cool,t=0,sp=off`."""
        await self.send_command(AcCommand.turn_off())

    async def send_command(self, command: AcCommand) -> None:
        """PUT one validated command; one command in flight per node.

        After a timeout the state is re-read before anything is reported, because the PUT may
        still arrive on a late retransmission (stale-command hazard, §9.2 rule 3). If the
        re-read shows the command applied, the command counts as done.
        """
        await self.connect()
        sent = command.payload().decode("ascii")
        async with self._command_lock:
            try:
                response = await self._link.put(
                    PATH_EVENTS,
                    command.payload(),
                    CONTENT_FORMAT_LWM2M_TEXT,
                    self._options.command_timing,
                )
            except MomitConnectionError as err:
                state: AcState | None = None
                try:
                    state = await self.get_state()
                except MomitError as reread_err:
                    _LOGGER.debug("re-read after a command timeout failed: %s", reread_err)
                if state is not None and state.reflects(command):
                    _LOGGER.debug("command %s was applied although its answer was lost", sent)
                    return
                raise MomitCommandTimeoutError(
                    f"no answer to {sent} from {self.host}:{self.port}", state
                ) from err
            if not response.code.is_successful():
                raise MomitCommandRejectedError(
                    f"{self.host}:{self.port} rejected {sent}: {response.code}",
                    str(response.code),
                )

    # -- push --------------------------------------------------------------------------------

    @property
    def push_active(self) -> bool:
        """True while both observations are registered; poll while it is False."""
        return self._push_active

    @property
    def observe_registrations(self) -> dict[str, int]:
        """Successful observe registrations so far, per observed path (diagnostics)."""
        return {path: observer.registrations for path, observer in self._observers.items()}

    async def start_push(self) -> None:
        """Observe `/10242/0/0` and `/10241/0/0`; idempotent (one observation per resource).

        A node keeps very few observers (§7), so a client never holds two observations of the
        same resource; re-registrations reuse the client's socket, which the node treats as the
        same observer.
        """
        if self._observers:
            return
        await self.connect()
        settings = ObserveSettings(
            timing=self._options.probe_timing,
            silence_timeout_s=self._options.silence_timeout_s,
            backoff=self._options.backoff,
            refresh_interval_s=self._options.refresh_interval_s,
        )
        relocate = self._relocate_in_background if self._options.auto_relocate else None
        for path, deliver in (
            (PATH_EVENTS, self._deliver_state),
            (PATH_TEM_HUM_BAT, self._deliver_reading),
        ):
            self._observers[path] = ResourceObserver(
                self._link,
                path,
                settings,
                ObserveCallbacks(
                    on_payload=deliver,
                    on_active=self._observer_active_changed,
                    on_connection_error=relocate,
                ),
            )
        for observer in self._observers.values():
            observer.start()

    async def stop_push(self) -> None:
        """Stop both observations (locally; see _observe.py for what the node does)."""
        observers, self._observers = self._observers, {}
        relocation, self._relocation = self._relocation, None
        try:
            if relocation is not None:
                relocation.cancel()
                await asyncio.wait([relocation])
            for observer in observers.values():
                await observer.stop()
        finally:
            self._observer_active_changed(False)

    def _deliver_state(self, payload: bytes) -> None:
        try:
            state = AcState.from_payload(payload)
        except MomitProtocolError as err:
            _LOGGER.warning("%s: ignoring a malformed state notification: %s", self.host, err)
            return
        self._set_state(state)

    def _deliver_reading(self, payload: bytes) -> None:
        try:
            reading = RoomReading.from_payload(payload)
        except MomitProtocolError as err:
            _LOGGER.warning("%s: ignoring a malformed TEM-HUM-BAT notification: %s", self.host, err)
            return
        self._set_reading(reading)

    def _observer_active_changed(self, _active: bool) -> None:
        active = bool(self._observers) and all(o.active for o in self._observers.values())
        if active != self._push_active:
            self._push_active = active
            self._emit(lambda listener: listener.on_push, active)

    # -- re-discovery ------------------------------------------------------------------------

    async def relocate(self, *, force: bool = False) -> int | None:
        """Re-find this node by serial after its gateway port changed (§3 step 5).

        Rate-limited to one scan per `relocate_interval_s` unless `force`: returns None when
        skipped, else the node's (possibly new) port. Listeners get `on_port_change` when it
        moved. Raises MomitNodeNotFoundError when the scan does not find it.
        """
        async with self._relocate_lock:
            now = self._options.clock()
            if (
                not force
                and self._last_relocate is not None
                and now - self._last_relocate < self._options.relocate_interval_s
            ):
                return None
            self._last_relocate = now
            found = await find_ac_node(
                self.host, self.serial, options=self._options.scan, known_port=self.port
            )
            if self.serial is None:
                self.serial = found.serial
            if found.port != self.port:
                _LOGGER.info(
                    "Momit node %s moved from port %s to %s", self.serial, self.port, found.port
                )
                self._link.retarget(found.port)
                self._emit(lambda listener: listener.on_port_change, found.port)
            return found.port

    def _relocate_in_background(self) -> None:
        """An observation got no answer: look for the node elsewhere, without holding up the
        observers' own retries (the node may just have been off for a moment)."""
        if self._relocation is None or self._relocation.done():
            self._relocation = asyncio.get_running_loop().create_task(
                self._relocate_after_failure(), name=f"momit relocate {self.host}"
            )

    async def _relocate_after_failure(self) -> None:
        try:
            await self.relocate()
        except MomitError as err:
            _LOGGER.debug("re-discovery of %s failed: %s", self.serial or self.port, err)
