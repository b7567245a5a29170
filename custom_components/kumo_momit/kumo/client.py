"""Async client for the Kumo local adapter API (spec kumo.md §2, §5, §9).

Three layers:

* `KumoUnitClient` — one adapter: signs and sends `PUT /api?m=<token>`, one request at a time,
  bounded retries, and turns every reply into either the `r` object or a typed `KumoError`.
* `KumoIndoorUnit` / `KumoStation` — pollers that decide *what* to read and *when*, so that the
  steady state is one request per poll (pykumo sends 5-6, §9.1), and that carry the commands.
* `probe()` — "is the unit with these secrets at this address?" for address discovery (§11).

No Home Assistant imports; the aiohttp session is injected and owned by the caller.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from enum import StrEnum
import json
import logging
import math
import re
import time
from typing import Any, Final

import aiohttp

from .errors import (
    KumoAdapterBusyError,
    KumoAuthenticationError,
    KumoCommandRejectedError,
    KumoConnectionError,
    KumoError,
    KumoProtocolError,
    KumoValidationError,
)
from .models import (
    AdapterStatus,
    Capabilities,
    FanSpeed,
    IndoorUnitProfile,
    IndoorUnitState,
    IndoorUnitStatus,
    Mhk2Status,
    OperationMode,
    StationState,
    VaneDirection,
    WirelessSensor,
    parse_celsius,
    parse_sensors,
    round_setpoint,
)
from .token import KumoCredentials, encode_body

_LOGGER = logging.getLogger(__name__)

type Clock = Callable[[], float]
type JsonTree = dict[str, Any]

DEFAULT_CONNECT_TIMEOUT: Final = 1.2  # pykumo / hass-kumo defaults (§2.3)
DEFAULT_READ_TIMEOUT: Final = 8.0
DEFAULT_ATTEMPTS: Final = 2
# device_authentication_error is also seen transiently under load (§9); pykumo retries 3x with
# 1 s sleeps. Two tries 0.5 s apart keep a genuinely wrong secret cheap to detect.
DEFAULT_AUTH_ATTEMPTS: Final = 2
DEFAULT_AUTH_RETRY_DELAY: Final = 0.5
REBOOT_INTERVAL: Final = 30 * 60.0  # at most one automatic adapter reboot per 30 min (§9)
INFO_INTERVAL: Final = 30 * 60.0  # profile + adapter status: rarely change
ACCESSORY_INTERVAL: Final = 5 * 60.0  # wireless sensor / MHK2 humidity: changes slowly
# Adapters apply writes asynchronously and may echo the old value (§2.2); a status read within
# this window that still shows the old value is not trusted over the value just written. [G]
OPTIMISTIC_HOLD: Final = 15.0

_HEADERS: Final = {
    "Accept": "application/json, text/plain, */*",
    "Content-Type": "application/json",
    # Adapters have a tiny socket table (§2.3). With one request per poll, keep-alive saves
    # nothing, and a pooled idle connection in a shared session would hold an adapter socket
    # between polls; pykumo likewise closes its connection after every cycle.
    "Connection": "close",
}
_SET_REJECTION = re.compile(r"__set_[A-Za-z_]+")

STATUS_TREE: Final[JsonTree] = {"indoorUnit": {"status": {}}}
PROFILE_TREE: Final[JsonTree] = {"indoorUnit": {"profile": {}}}
ADAPTER_TREE: Final[JsonTree] = {"adapter": {"status": {}}}
SENSORS_TREE: Final[JsonTree] = {"sensors": {}}
MHK2_TREE: Final[JsonTree] = {"mhk2": {"status": {}}}
OAT_TREE: Final[JsonTree] = {"eqc": {"oat": {}}}
REBOOT_TREE: Final[JsonTree] = {"adapter": {"status": {"runState": "reboot"}}}
# Read one by one when the whole-node read fails (§5, §9.1): pykumo's list plus hotAdjust.
STATUS_ATTRIBUTES: Final = (
    "mode",
    "standby",
    "spHeat",
    "spCool",
    "roomTemp",
    "fanSpeed",
    "vaneDir",
    "filterDirty",
    "defrost",
    "hotAdjust",
    "tempSource",
    "activeThermistor",
)


def _dig(tree: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(tree, dict):
            return None
        tree = tree.get(key)
    return tree


def _copy_tree(tree: Mapping[str, Any]) -> JsonTree:
    return {k: _copy_tree(v) if isinstance(v, Mapping) else v for k, v in tree.items()}


def _merge_trees(*trees: Mapping[str, Any]) -> JsonTree:
    merged: JsonTree = {}
    for tree in trees:
        for key, value in tree.items():
            if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
                merged[key] = _merge_trees(merged[key], value)
            else:
                merged[key] = _copy_tree(value) if isinstance(value, Mapping) else value
    return merged


def _check_address(address: str) -> str:
    address = address.strip()
    if not address or any(c in address for c in "/?#@ \t"):
        raise ValueError("A Kumo address is a host or host:port")
    return address


class KumoUnitClient:
    """Signed, serialised requests to one adapter, with reply classification (§2, §9)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        address: str,
        credentials: KumoCredentials,
        *,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        attempts: int = DEFAULT_ATTEMPTS,
        auth_attempts: int = DEFAULT_AUTH_ATTEMPTS,
        auth_retry_delay: float = DEFAULT_AUTH_RETRY_DELAY,
        reboot_interval: float = REBOOT_INTERVAL,
        clock: Clock = time.monotonic,
    ) -> None:
        """`address` is `host` or `host:port`; timeouts in seconds; `clock` is monotonic."""
        if attempts < 1 or auth_attempts < 1:
            raise ValueError("attempts and auth_attempts must be at least 1")
        self._session = session
        self._address = _check_address(address)
        self._credentials = credentials
        self._timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=connect_timeout, sock_read=read_timeout
        )
        self._attempts = attempts
        self._auth_attempts = auth_attempts
        self._auth_retry_delay = auth_retry_delay
        self._reboot_interval = reboot_interval
        self._clock = clock
        self._lock = asyncio.Lock()
        self._last_reboot: float | None = None
        self.http_attempts = 0
        """HTTP requests actually sent (every attempt), for diagnostics and benchmarks."""

    @property
    def address(self) -> str:
        """`host` or `host:port` of the adapter."""
        return self._address

    @property
    def last_reboot(self) -> float | None:
        """Clock time of the last reboot request, if any."""
        return self._last_reboot

    async def request(self, tree: Mapping[str, Any], *, reboot_on_busy: bool = True) -> JsonTree:
        """Send `{"c": tree}` and return the reply's `r` object.

        On adapter-busy, a reboot is requested when `reboot_on_busy` and the rate limit allow
        it; pollers that first try smaller reads pass False and decide themselves.
        """
        body = encode_body(_copy_tree(tree))
        token = self._credentials.token(body)
        try:
            return await self._locked_request(body, token)
        except KumoAdapterBusyError as err:
            if reboot_on_busy and await self.reboot_if_due():
                raise KumoAdapterBusyError(str(err), reboot_requested=True) from err
            raise

    async def reboot(self) -> None:
        """Reboot the WiFi adapter (not the indoor unit): `runState: reboot` (§6.3)."""
        self._last_reboot = self._clock()
        _LOGGER.warning("Rebooting the Kumo adapter at %s", self._address)
        await self.request(REBOOT_TREE, reboot_on_busy=False)

    async def reboot_if_due(self) -> bool:
        """Reboot a busy adapter unless one was requested in the last 30 min (§9).

        Returns whether a reboot was requested. The time is recorded before sending, so an
        adapter that fails to take the reboot is not asked again on every poll.
        """
        now = self._clock()
        if self._last_reboot is not None and now - self._last_reboot < self._reboot_interval:
            _LOGGER.debug(
                "Kumo adapter at %s is busy; last reboot %.0f s ago, not rebooting",
                self._address,
                now - self._last_reboot,
            )
            return False
        try:
            await self.reboot()
        except KumoError as err:
            # Whatever the adapter answered, the reboot was asked for; the rate limit holds.
            _LOGGER.debug("Reboot request to %s failed: %s", self._address, err)
        return True

    async def _locked_request(self, body: bytes, token: str) -> JsonTree:
        async with self._lock:
            for auth_try in range(1, self._auth_attempts + 1):
                raw = await self._send(body, token)
                try:
                    return self._classify(raw)
                except KumoAuthenticationError:
                    if auth_try == self._auth_attempts:
                        raise
                    _LOGGER.debug(
                        "Kumo adapter at %s rejected the token; retrying (%d/%d)",
                        self._address,
                        auth_try,
                        self._auth_attempts,
                    )
                    await asyncio.sleep(self._auth_retry_delay)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send(self, body: bytes, token: str) -> bytes:
        # The URL carries the token: never log it, never put it into an exception message.
        url = f"http://{self._address}/api?m={token}"
        for attempt in range(1, self._attempts + 1):
            self.http_attempts += 1
            try:
                async with self._session.put(
                    url, data=body, headers=_HEADERS, timeout=self._timeout
                ) as response:
                    return await response.read()
            except aiohttp.SocketTimeoutError as err:
                # Connected but no answer within the read timeout: the adapter is alive but
                # stuck or busy. Asking again would cost another read timeout and load it more,
                # so this is not retried. [G]
                raise KumoConnectionError(
                    f"Kumo adapter at {self._address} did not answer in time"
                ) from err
            except (aiohttp.ClientError, TimeoutError) as err:
                # Connect timeout, refused, reset or dropped: a fresh connection may work (§9.1).
                if attempt == self._attempts:
                    raise KumoConnectionError(
                        f"Cannot reach Kumo adapter at {self._address} "
                        f"({type(err).__name__}, {attempt} attempts)"
                    ) from err
                _LOGGER.debug(
                    "Attempt %d to %s failed (%s); retrying",
                    attempt,
                    self._address,
                    type(err).__name__,
                )
        raise AssertionError("unreachable")  # pragma: no cover

    def _classify(self, raw: bytes) -> JsonTree:
        """Reply -> `r` object or exception (§2.2, §9). HTTP status is ignored, as pykumo does."""
        text = raw.decode("utf-8", errors="replace")
        if "__no_memory" in text:
            raise KumoAdapterBusyError(f"Kumo adapter at {self._address} is out of memory")
        try:
            reply = json.loads(text)
        except ValueError as err:
            raise KumoProtocolError(
                f"Kumo adapter at {self._address} sent malformed JSON ({len(raw)} bytes)"
            ) from err
        if not isinstance(reply, dict):
            raise KumoProtocolError(f"Kumo adapter at {self._address} sent a non-object reply")
        api_error = reply.get("_api_error")
        if api_error == "device_authentication_error":
            raise KumoAuthenticationError(
                f"Kumo adapter at {self._address} rejected the password / crypto serial"
            )
        if api_error == "serializer_error":
            raise KumoAdapterBusyError(f"Kumo adapter at {self._address} could not build a reply")
        if api_error is not None:
            raise KumoProtocolError(
                f"Kumo adapter at {self._address} answered error {str(api_error)[:60]!r}"
            )
        if rejection := _SET_REJECTION.search(text):
            raise KumoCommandRejectedError(
                f"Kumo adapter at {self._address} rejected the write: {rejection.group()}"
            )
        result = reply.get("r")
        if not isinstance(result, dict):
            raise KumoProtocolError(f"Kumo adapter at {self._address} sent a reply without 'r'")
        return result


# --- probing -------------------------------------------------------------------------------


class ProbeResult(StrEnum):
    """Outcome of `probe()`."""

    MATCH = "match"
    """The adapter answered a status read signed with these secrets."""
    WRONG_SECRETS = "wrong_secrets"
    """A Kumo adapter answered, but rejected the token (another unit, or stale secrets)."""
    UNREACHABLE = "unreachable"
    """Nothing answered in time, or the adapter was too busy to tell; try again later."""
    NOT_KUMO = "not_kumo"
    """Something answered that is not a Kumo adapter."""


async def probe(
    session: aiohttp.ClientSession,
    address: str,
    credentials: KumoCredentials,
    *,
    # Per-socket connect/read timeouts of the one request (not a deadline around the call).
    timeout: float = 3.0,  # noqa: ASYNC109
) -> ProbeResult:
    """Check whether the unit owning `credentials` answers at `address` (§11).

    One signed status read, one attempt, no retries, no reboot: discovery may probe many
    addresses, and must stay cheap for each of them.
    """
    client = KumoUnitClient(
        session,
        address,
        credentials,
        connect_timeout=timeout,
        read_timeout=timeout,
        attempts=1,
        auth_attempts=1,
    )
    try:
        reply = await client.request(STATUS_TREE, reboot_on_busy=False)
    except KumoAuthenticationError:
        return ProbeResult.WRONG_SECRETS
    except KumoConnectionError:
        return ProbeResult.UNREACHABLE
    except KumoAdapterBusyError:
        # Whether a busy adapter checks the token before failing is unknown ([G]); claiming a
        # match could bind the address to the wrong unit, so report "try later" instead.
        return ProbeResult.UNREACHABLE
    except KumoProtocolError:
        return ProbeResult.NOT_KUMO
    # Any `r` reply proves the token was accepted, i.e. these are this adapter's secrets (a Kumo
    # Station has no indoorUnit node, so the content is not checked).
    del reply
    return ProbeResult.MATCH


# --- pollers -------------------------------------------------------------------------------


class _Cadence:
    """When a slow-changing node is next due; `None` means due now."""

    def __init__(self, clock: Clock, interval: float) -> None:
        self._clock = clock
        self.interval = interval
        self.due_at: float | None = None

    @property
    def due(self) -> bool:
        return self.due_at is None or self._clock() >= self.due_at

    def done(self) -> None:
        self.due_at = self._clock() + self.interval

    def retry_in(self, seconds: float) -> None:
        self.due_at = self._clock() + min(seconds, self.interval)

    def expire(self) -> None:
        self.due_at = None


class _KumoPoller:
    """Shared cadence and optional-node logic of indoor units and stations."""

    def __init__(
        self,
        serial: str,
        name: str,
        client: KumoUnitClient,
        *,
        clock: Clock = time.monotonic,
        info_interval: float = INFO_INTERVAL,
        accessory_interval: float = ACCESSORY_INTERVAL,
    ) -> None:
        self.serial = serial
        self.name = name
        self.client = client
        self._clock = clock
        self._info = _Cadence(clock, info_interval)
        self._accessories = _Cadence(clock, accessory_interval)
        self._adapter_raw: JsonTree = {}
        self._sensors_raw: JsonTree | None = None
        # Accessory name -> present? (missing: not discovered yet)
        self._present: dict[str, bool] = {}
        # Reads of several nodes in one body are reported to work (§5, pykumo #7) but are not
        # verified on every firmware ([G]); the first partial or failed reply turns them off.
        self._combined_reads = True

    async def _read_nodes(self, paths: Mapping[str, tuple[str, ...]]) -> dict[str, Any]:
        """Read several nodes, in one request while the adapter allows it.

        Returns name -> value for every node the adapter answered (its value may be any JSON
        value, or None: an absent MHK2 may answer a non-object, §6.6); a node whose top-level
        key the reply does not mention at all is missing.
        """
        found: dict[str, Any] = {}
        if self._combined_reads and len(paths) > 1:
            tree = _merge_trees(*(self._tree(path) for path in paths.values()))
            try:
                reply = await self.client.request(tree, reboot_on_busy=False)
            except (KumoAdapterBusyError, KumoProtocolError) as err:
                # A bigger reply is more likely to exhaust adapter memory: go one by one.
                _LOGGER.debug(
                    "%s: combined read failed (%s); reading nodes one by one", self.name, err
                )
                self._combined_reads = False
            else:
                for name, path in paths.items():
                    if path[0] in reply:
                        found[name] = _dig(reply, *path)
                if len(found) < len(paths):
                    _LOGGER.debug(
                        "%s: adapter ignores combined reads; reading nodes one by one", self.name
                    )
                    self._combined_reads = False
        for name, path in paths.items():
            if name in found:
                continue
            reply = await self.client.request(self._tree(path), reboot_on_busy=False)
            if path[0] in reply:
                found[name] = _dig(reply, *path)
        return found

    @staticmethod
    def _tree(path: tuple[str, ...]) -> JsonTree:
        tree: JsonTree = {}
        for key in reversed(path):
            tree = {key: tree}
        return tree

    @staticmethod
    def _has_path(reply: JsonTree, path: tuple[str, ...]) -> bool:
        parent = _dig(reply, *path[:-1])
        return isinstance(parent, dict) and path[-1] in parent

    async def _refresh_optional(self, *, need: bool) -> None:
        """Re-read profile / adapter status / accessories that are due.

        With `need` (nothing known yet) a failure is raised. Otherwise it is not fatal: the
        last values stay, so capabilities never shrink because of a transient failure, and
        the read is retried after a short while rather than on every poll.
        """
        info_due = self._info.due
        info_paths = self._info_paths() if info_due else {}
        accessory_paths = self._due_accessory_paths(info_due=info_due)
        if not info_paths and not accessory_paths:
            return
        retry = self._accessories.interval
        try:
            found = await self._read_nodes({**info_paths, **accessory_paths})
        except KumoError as err:
            if need:
                raise
            _LOGGER.debug("%s: optional read failed, keeping last values: %s", self.name, err)
            if info_paths:
                self._info.retry_in(retry)
            if accessory_paths:
                self._accessories.retry_in(retry)
            return
        if info_paths:
            if self._store_info(found):
                self._info.done()
            elif need:
                raise KumoProtocolError(f"{self.name}: the adapter did not return its profile")
            else:
                self._info.retry_in(retry)
        if accessory_paths:
            self._store_accessories(found)
            self._accessories.done()

    def _info_paths(self) -> dict[str, tuple[str, ...]]:
        return {"adapter": ("adapter", "status")}

    def _accessory_nodes(self) -> dict[str, tuple[str, ...]]:
        return {"sensors": ("sensors",)}

    def _due_accessory_paths(self, *, info_due: bool) -> dict[str, tuple[str, ...]]:
        """Accessories known (or not yet known) to exist, when their cadence is due.

        One known to be absent is only re-checked at the slow info cadence, so a newly paired
        sensor appears eventually without costing a request every few minutes.
        """
        accessories_due = self._accessories.due
        return {
            name: path
            for name, path in self._accessory_nodes().items()
            if (accessories_due and self._present.get(name) is not False)
            or (info_due and self._present.get(name) is False)
        }

    def _store_info(self, found: Mapping[str, Any]) -> bool:
        adapter = found.get("adapter")
        if isinstance(adapter, dict):
            # Merge rather than replace: a partial reply must not drop known flags.
            self._adapter_raw.update(adapter)
            return True
        return False

    def _store_accessories(self, found: Mapping[str, Any]) -> None:
        if "sensors" in found:
            sensors = found["sensors"]
            self._sensors_raw = sensors if isinstance(sensors, dict) else {}
            self._present["sensors"] = bool(parse_sensors(self._sensors_raw))

    @property
    def _sensors(self) -> tuple[WirelessSensor, ...]:
        return parse_sensors(self._sensors_raw)

    @property
    def _adapter(self) -> AdapterStatus | None:
        return AdapterStatus.from_wire(self._adapter_raw) if self._adapter_raw else None


class KumoIndoorUnit(_KumoPoller):
    """One indoor unit: polls cheaply and carries the commands (§6.1, §8, §9.1).

    Per poll: one `indoorUnit.status` read. Profile + adapter status are read at the first
    poll, after any failed poll, and every `info_interval`; sensors / MHK2 only if the unit has
    them, every `accessory_interval`. When the status read fails with adapter-busy or a bad
    reply, attributes are read one by one (bounded by the 12 attributes) and a rate-limited
    adapter reboot is requested, as pykumo does (§9.1).
    """

    def __init__(
        self,
        serial: str,
        name: str,
        client: KumoUnitClient,
        *,
        clock: Clock = time.monotonic,
        info_interval: float = INFO_INTERVAL,
        accessory_interval: float = ACCESSORY_INTERVAL,
        optimistic_hold: float = OPTIMISTIC_HOLD,
    ) -> None:
        """`clock` is monotonic seconds (injectable for tests); intervals in seconds."""
        super().__init__(
            serial,
            name,
            client,
            clock=clock,
            info_interval=info_interval,
            accessory_interval=accessory_interval,
        )
        self._optimistic_hold = optimistic_hold
        self._status_raw: JsonTree = {}
        self._profile_raw: JsonTree = {}
        self._mhk2_raw: Any = None
        self._pending: dict[str, tuple[Any, float]] = {}
        self._capabilities: Capabilities | None = None
        self._state: IndoorUnitState | None = None

    @property
    def state(self) -> IndoorUnitState | None:
        """The last known state (polled, or optimistically updated by a command)."""
        return self._state

    @property
    def capabilities(self) -> Capabilities | None:
        """What the unit accepts; None before the first successful poll."""
        return self._capabilities

    async def async_update(self) -> IndoorUnitState:
        """Poll the unit; raises a `KumoError` if its status could not be read."""
        try:
            status, degraded = await self._read_status()
            if degraded and self._profile_raw:
                # The adapter is struggling (and may be rebooting): add no load now, re-read
                # profile and adapter status at the next poll instead.
                self._info.expire()
            else:
                await self._refresh_optional(need=not self._profile_raw)
        except KumoError:
            # Whatever went wrong may have changed the adapter (reboot, new firmware): re-read
            # profile and adapter status at the next successful poll.
            self._info.expire()
            raise
        self._status_raw.update(status)
        now = self._clock()
        for key, (value, until) in list(self._pending.items()):
            if status.get(key) == value or now >= until:
                del self._pending[key]
        return self._publish()

    async def _read_status(self) -> tuple[JsonTree, bool]:
        """The status object, and whether it took the per-attribute fallback."""
        first_error: KumoError
        try:
            reply = await self.client.request(STATUS_TREE, reboot_on_busy=False)
        except (KumoAdapterBusyError, KumoProtocolError) as err:
            first_error = err
        else:
            status = _dig(reply, "indoorUnit", "status")
            if isinstance(status, dict) and status:
                return status, False
            first_error = KumoProtocolError(f"{self.name}: reply without indoorUnit.status")
        _LOGGER.debug(
            "%s: status read failed (%s); reading attributes one by one", self.name, first_error
        )
        status = {}
        for attribute in STATUS_ATTRIBUTES:
            try:
                reply = await self.client.request(
                    {"indoorUnit": {"status": {attribute: {}}}}, reboot_on_busy=False
                )
            except KumoAdapterBusyError as err:
                rebooted = await self.client.reboot_if_due()
                raise KumoAdapterBusyError(str(err), reboot_requested=rebooted) from err
            except KumoProtocolError as err:
                _LOGGER.debug("%s: could not read %s: %s", self.name, attribute, err)
                continue
            value = _dig(reply, "indoorUnit", "status")
            if isinstance(value, dict) and attribute in value:
                status[attribute] = value[attribute]
        if "mode" not in status:
            raise first_error
        if isinstance(first_error, KumoAdapterBusyError):
            # Small replies still work, but a leaking adapter only gets worse (hass-kumo #105):
            # a rate-limited reboot lets the next polls go back to one request.
            await self.client.reboot_if_due()
        return status, True

    def _info_paths(self) -> dict[str, tuple[str, ...]]:
        return {"profile": ("indoorUnit", "profile"), **super()._info_paths()}

    def _accessory_nodes(self) -> dict[str, tuple[str, ...]]:
        return {**super()._accessory_nodes(), "mhk2": ("mhk2", "status")}

    def _store_info(self, found: Mapping[str, Any]) -> bool:
        adapter_ok = super()._store_info(found)
        profile = found.get("profile")
        if isinstance(profile, dict) and profile:
            self._profile_raw.update(profile)
            return adapter_ok
        return False

    def _store_accessories(self, found: Mapping[str, Any]) -> None:
        super()._store_accessories(found)
        if "mhk2" in found:
            # An absent MHK2 may answer a non-object (§6.6); rebuild `{"status": ...}`.
            self._mhk2_raw = {"status": found["mhk2"]}
            self._present["mhk2"] = Mhk2Status.from_wire(self._mhk2_raw) is not None

    def _publish(self) -> IndoorUnitState:
        status_raw = dict(self._status_raw)
        for key, (value, _until) in self._pending.items():
            status_raw[key] = value
        profile = IndoorUnitProfile.from_wire(self._profile_raw)
        adapter = self._adapter
        self._capabilities = Capabilities.derive(profile, adapter)
        self._state = IndoorUnitState(
            serial=self.serial,
            name=self.name,
            status=IndoorUnitStatus.from_wire(status_raw),
            profile=profile,
            adapter=adapter,
            capabilities=self._capabilities,
            sensors=self._sensors,
            mhk2=Mhk2Status.from_wire(self._mhk2_raw),
        )
        return self._state

    # --- commands ------------------------------------------------------------------------

    async def _ready(self) -> IndoorUnitState:
        """Commands validate against the capabilities: poll once if never polled."""
        return self._state or await self.async_update()

    async def _write_status(self, values: JsonTree) -> IndoorUnitState:
        await self.client.request({"indoorUnit": {"status": values}})
        # Do not trust the echo (it may show the old value, §2.2): show what was written now;
        # the next status read confirms it (or, after the hold, overrides it).
        until = self._clock() + self._optimistic_hold
        for key, value in values.items():
            self._status_raw[key] = value
            self._pending[key] = (value, until)
        return self._publish()

    async def set_mode(self, mode: OperationMode | str) -> IndoorUnitState:
        """Set the operation mode (`off` powers the unit down, §6.1)."""
        state = await self._ready()
        target = self._writable_mode(mode, state.capabilities)
        return await self._write_status({"mode": target.value})

    async def set_heat_setpoint(self, celsius: float) -> IndoorUnitState:
        """Set spHeat (in auto, spCool is raised if needed to stay ≥ spHeat)."""
        state = await self._ready()
        return await self._write_status(
            self._setpoint_values(state, state.status.mode, heat=celsius, cool=None)
        )

    async def set_cool_setpoint(self, celsius: float) -> IndoorUnitState:
        """Set spCool (in auto, spHeat is lowered if needed to stay ≤ spCool)."""
        state = await self._ready()
        return await self._write_status(
            self._setpoint_values(state, state.status.mode, heat=None, cool=celsius)
        )

    async def set_mode_and_setpoints(
        self,
        mode: OperationMode | str,
        heat: float | None = None,
        cool: float | None = None,
    ) -> IndoorUnitState:
        """Mode and setpoints in ONE request, e.g. `{"mode":"auto","spHeat":20.5,"spCool":24}`.

        Multi-key status writes are used in the field (§5, homebridge clients); the body shape
        is one of the token vectors. Setpoints are clamped to the target mode's limits.
        """
        state = await self._ready()
        target = self._writable_mode(mode, state.capabilities)
        values: JsonTree = {"mode": target.value}
        values.update(self._setpoint_values(state, target, heat=heat, cool=cool))
        return await self._write_status(values)

    async def set_fan_speed(self, speed: FanSpeed | str) -> IndoorUnitState:
        """Set the fan speed; must be one of `capabilities.fan_speeds` (§7.2)."""
        state = await self._ready()
        value = _vocabulary(FanSpeed, speed, "fan speed")
        if value not in state.capabilities.fan_speeds:
            raise KumoValidationError(f"{self.name} does not support fan speed {value.value!r}")
        return await self._write_status({"fanSpeed": value.value})

    async def set_vane_direction(self, direction: VaneDirection | str) -> IndoorUnitState:
        """Set the vertical vane; must be one of `capabilities.vane_directions` (§7.3)."""
        state = await self._ready()
        value = _vocabulary(VaneDirection, direction, "vane direction")
        if value not in state.capabilities.vane_directions:
            raise KumoValidationError(
                f"{self.name} does not support vane direction {value.value!r}"
            )
        return await self._write_status({"vaneDir": value.value})

    async def reboot(self) -> None:
        """Reboot the WiFi adapter; profile and adapter status are re-read afterwards."""
        await self.client.reboot()
        self._info.expire()

    def _writable_mode(
        self, mode: OperationMode | str, capabilities: Capabilities
    ) -> OperationMode:
        target = _vocabulary(OperationMode, mode, "mode")
        if target in (OperationMode.AUTO_HEAT, OperationMode.AUTO_COOL):
            raise KumoValidationError(f"{target.value!r} is reported by the unit, write 'auto'")
        if target not in capabilities.modes:
            raise KumoValidationError(f"{self.name} does not support mode {target.value!r}")
        return target

    @staticmethod
    def _setpoint_values(
        state: IndoorUnitState,
        mode: OperationMode | None,
        *,
        heat: float | None,
        cool: float | None,
    ) -> JsonTree:
        """Round to 0.5 °C, clamp to the mode's limits (§8.2); in auto keep spCool ≥ spHeat.

        The value given wins: a lone heat setpoint above spCool pushes spCool up, a lone cool
        setpoint below spHeat pushes spHeat down; with both given, spCool is raised to spHeat
        (hass-kumo's convention, §8.3).
        """
        caps = state.capabilities
        heat_range, cool_range = caps.heat_setpoint_range(mode), caps.cool_setpoint_range(mode)
        heat_c = None if heat is None else heat_range.clamp(_setpoint(heat))
        cool_c = None if cool is None else cool_range.clamp(_setpoint(cool))
        if mode is not None and mode.is_auto:
            if heat_c is not None and cool_c is None:
                current = state.status.sp_cool
                if current is not None and current < heat_c:
                    cool_c = cool_range.clamp(heat_c)
            elif cool_c is not None and heat_c is None:
                current = state.status.sp_heat
                if current is not None and current > cool_c:
                    heat_c = heat_range.clamp(cool_c)
            if heat_c is not None and cool_c is not None and cool_c < heat_c:
                cool_c = cool_range.clamp(heat_c)
                heat_c = min(heat_c, cool_c)
        values: JsonTree = {}
        if heat_c is not None:
            values["spHeat"] = _wire_number(heat_c)
        if cool_c is not None:
            values["spCool"] = _wire_number(cool_c)
        return values


class KumoStation(_KumoPoller):
    """A Kumo Station (§10): `eqc.oat` every poll; sensors and adapter status as for units."""

    _state: StationState | None = None

    @property
    def state(self) -> StationState | None:
        """The last polled state."""
        return self._state

    async def async_update(self) -> StationState:
        """Poll the station; raises a `KumoError` if the outdoor temperature read failed."""
        try:
            reply = await self.client.request(OAT_TREE)
            if not self._has_path(reply, ("eqc", "oat")):
                raise KumoProtocolError(f"{self.name}: reply without eqc.oat")
        except KumoError:
            self._info.expire()
            raise
        # A station has no climate control and nothing here is needed to be useful.
        await self._refresh_optional(need=False)
        self._state = StationState(
            serial=self.serial,
            name=self.name,
            outdoor_temperature=parse_celsius(reply["eqc"]["oat"]),
            sensors=self._sensors,
            adapter=self._adapter,
        )
        return self._state


# --- command argument helpers --------------------------------------------------------------


def _vocabulary[E: StrEnum](enum_type: type[E], value: E | str, what: str) -> E:
    try:
        return enum_type(value)
    except ValueError:
        raise KumoValidationError(f"{value!r} is not a Kumo {what}") from None


def _setpoint(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise KumoValidationError(f"{value!r} is not a temperature")
    return round_setpoint(float(value))


def _wire_number(value: float) -> float | int:
    """Whole degrees go out as integers, like kumojs' JSON.stringify (`"spHeat":20`)."""
    return int(value) if value.is_integer() else value


__all__ = [
    "KumoIndoorUnit",
    "KumoStation",
    "KumoUnitClient",
    "ProbeResult",
    "probe",
]
