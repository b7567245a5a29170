"""One Kumo adapter on the LAN: signed, serialised requests and reply classification (§2, §9).

Every request is `PUT /api?m=<token>` (§2.1), sent one at a time per adapter (§2.3), retried
within bounds, and its reply turned into either the `r` object or a typed `KumoError`.

Hostile or broken adapters cannot hold a unit: every request has a total deadline (a reply
dripped byte by byte is cut off with the rest), a reply is read chunk by chunk up to a size
cap (real replies are a few KB), redirects are not followed (they would carry the signed URL
elsewhere), and the errors raised name the adapter's address but never the signed URL, not
even through their cause.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum, auto
import logging
import re
import time
from typing import Any, Final

import aiohttp

from ._limits import read_capped
from ._session import SessionOwner
from ._tree import JsonTree, copy_tree
from ._values import parse_json
from .errors import (
    KumoAdapterBusyError,
    KumoAuthenticationError,
    KumoCommandRejectedError,
    KumoConnectionError,
    KumoError,
    KumoProtocolError,
)
from .token import KumoCredentials, encode_body

_LOGGER = logging.getLogger(__name__)

type Clock = Callable[[], float]

_HEADERS: Final = {
    "Accept": "application/json, text/plain, */*",
    "Content-Type": "application/json",
    # Adapters have a tiny socket table (§2.3). With one request per poll, keep-alive saves
    # nothing, and a pooled idle connection in a shared session would hold an adapter socket
    # between polls; pykumo likewise closes its connection after every cycle.
    "Connection": "close",
}
_SET_REJECTION = re.compile(r"__set_[A-Za-z_]{1,40}")
# An adapter error code quoted in a message: a short identifier, never arbitrary reply text.
_ERROR_CODE = re.compile(r"[A-Za-z0-9_]{1,60}")

_MALFORMED: Final = object()


class _Failed(Enum):
    """An attempt that got no usable body, for reasons that are not worth another try."""

    READ_TIMEOUT = auto()
    TOO_LARGE = auto()


STATUS_TREE: Final[JsonTree] = {"indoorUnit": {"status": {}}}
REBOOT_TREE: Final[JsonTree] = {"adapter": {"status": {"runState": "reboot"}}}


@dataclass(frozen=True, kw_only=True)
class KumoClientOptions:
    """Timeouts (seconds), limits, retries and reboot policy of a `KumoUnitClient`."""

    # pykumo / hass-kumo defaults (§2.3), per connection attempt and per read.
    connect_timeout: float = 1.2
    read_timeout: float = 8.0
    # Total time one `request()` may hold the adapter, all attempts and retries included: one
    # slow attempt (connect + read timeout) plus a fast retry fits; a dripped reply does not.
    deadline: float = 12.0
    # Real replies are a few KB (the largest, a full status or profile, under 2 KB in every
    # published sample); 64 KiB leaves room for any firmware and refuses junk early.
    max_reply_bytes: int = 64 * 1024
    attempts: int = 2
    # device_authentication_error is also seen transiently under load (§9); pykumo retries 3x
    # with 1 s sleeps. Two tries 0.5 s apart keep a genuinely wrong secret cheap to detect.
    auth_attempts: int = 2
    auth_retry_delay: float = 0.5
    # At most one automatic adapter reboot per 30 min (§9).
    reboot_interval: float = 30 * 60.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.auth_attempts < 1:
            raise ValueError("attempts and auth_attempts must be at least 1")
        if self.deadline <= 0 or self.max_reply_bytes < 1:
            raise ValueError("deadline and max_reply_bytes must be positive")


def _check_address(address: str) -> str:
    address = address.strip()
    if (
        not address
        or not (address.isascii() and address.isprintable())
        or any(c in address for c in "/?#@ \t")
    ):
        raise ValueError("A Kumo address is a host or host:port")
    return address


def _classify_reply(raw: bytes, where: str) -> JsonTree:
    """Reply -> `r` object or exception (§2.2, §9). HTTP status is ignored, as pykumo does."""
    text = raw.decode("utf-8", errors="replace")
    if "__no_memory" in text:
        raise KumoAdapterBusyError(f"Kumo adapter at {where} is out of memory")
    try:
        reply = parse_json(text)
    except ValueError:
        reply = _MALFORMED
    if reply is _MALFORMED:
        raise KumoProtocolError(f"Kumo adapter at {where} sent malformed JSON ({len(raw)} bytes)")
    if not isinstance(reply, dict):
        raise KumoProtocolError(f"Kumo adapter at {where} sent a non-object reply")
    api_error = reply.get("_api_error")
    if api_error == "device_authentication_error":
        raise KumoAuthenticationError(
            f"Kumo adapter at {where} rejected the password / crypto serial"
        )
    if api_error == "serializer_error":
        raise KumoAdapterBusyError(f"Kumo adapter at {where} could not build a reply")
    if api_error is not None:
        code = api_error if isinstance(api_error, str) and _ERROR_CODE.fullmatch(api_error) else "?"
        raise KumoProtocolError(f"Kumo adapter at {where} answered error {code!r}")
    if rejection := _SET_REJECTION.search(text):
        raise KumoCommandRejectedError(
            f"Kumo adapter at {where} rejected the write: {rejection.group()}"
        )
    result = reply.get("r")
    if not isinstance(result, dict):
        raise KumoProtocolError(f"Kumo adapter at {where} sent a reply without 'r'")
    return result


class KumoUnitClient(SessionOwner):
    """Signed, serialised requests to one adapter, with reply classification (§2, §9).

    Given Home Assistant's shared session it never closes it; given None it uses its own,
    closed by `close()` or at the end of `async with`.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession | None,
        address: str,
        credentials: KumoCredentials,
        *,
        options: KumoClientOptions | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        """`address` is `host` or `host:port`; `clock` is monotonic seconds."""
        super().__init__(session)
        self._address = _check_address(address)
        self._credentials = credentials
        self._options = options or KumoClientOptions()
        self._timeout = aiohttp.ClientTimeout(
            total=None,
            sock_connect=self._options.connect_timeout,
            sock_read=self._options.read_timeout,
        )
        self._clock = clock
        self._lock = asyncio.Lock()
        self._last_reboot: float | None = None
        self.http_attempts = 0
        """HTTP requests actually sent (every attempt), for diagnostics and benchmarks."""

    def __repr__(self) -> str:
        """The address only: never the secrets or a signed URL."""
        return f"KumoUnitClient(address={self._address!r})"

    @property
    def address(self) -> str:
        """`host` or `host:port` of the adapter."""
        return self._address

    @property
    def options(self) -> KumoClientOptions:
        """Timeouts, retries and reboot policy in use."""
        return self._options

    @property
    def last_reboot(self) -> float | None:
        """Clock time of the last reboot request, if any."""
        return self._last_reboot

    async def request(self, tree: Mapping[str, Any], *, reboot_on_busy: bool = True) -> JsonTree:
        """Send `{"c": tree}` and return the reply's `r` object.

        On adapter-busy, a reboot is requested when `reboot_on_busy` and the rate limit allow
        it; pollers that first try smaller reads pass False and decide themselves.
        """
        body = encode_body(copy_tree(tree))
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
        last = self._last_reboot
        if last is not None and now - last < self._options.reboot_interval:
            _LOGGER.debug(
                "Kumo adapter at %s is busy; last reboot %.0f s ago, not rebooting",
                self._address,
                now - last,
            )
            return False
        try:
            await self.reboot()
        except KumoError as err:
            # Whatever the adapter answered, the reboot was asked for; the rate limit holds.
            _LOGGER.debug("Reboot request to %s failed: %s", self._address, err)
        return True

    async def _locked_request(self, body: bytes, token: str) -> JsonTree:
        deadline = self._options.deadline
        async with self._lock:
            try:
                async with asyncio.timeout(deadline):
                    return await self._request_with_auth_retries(body, token)
            except TimeoutError:
                pass
        # Raised outside the handler: the cancelled transport call is not the context.
        raise KumoConnectionError(
            f"Kumo adapter at {self._address} did not answer within {deadline:g} s"
        )

    async def _request_with_auth_retries(self, body: bytes, token: str) -> JsonTree:
        auth_attempts = self._options.auth_attempts
        for auth_try in range(1, auth_attempts + 1):
            raw = await self._send(body, token)
            try:
                return _classify_reply(raw, self._address)
            except KumoAuthenticationError:
                if auth_try == auth_attempts:
                    raise
                _LOGGER.debug(
                    "Kumo adapter at %s rejected the token; retrying (%d/%d)",
                    self._address,
                    auth_try,
                    auth_attempts,
                )
                await asyncio.sleep(self._options.auth_retry_delay)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send(self, body: bytes, token: str) -> bytes:
        # The URL carries the token: never log it, never let it into an exception, its message
        # or its cause (aiohttp's errors quote the URL). Hence the failures are only recorded in
        # the handlers and raised after them.
        url = f"http://{self._address}/api?m={token}"
        attempts = self._options.attempts
        for attempt in range(1, attempts + 1):
            self.http_attempts += 1
            failure = await self._attempt(url, body)
            if isinstance(failure, bytes):
                return failure
            if failure is _Failed.READ_TIMEOUT:
                # Connected but no answer within the read timeout: the adapter is alive but
                # stuck or busy. Asking again would cost another read timeout and load it more,
                # so this is not retried. [G]
                raise KumoConnectionError(f"Kumo adapter at {self._address} did not answer in time")
            if failure is _Failed.TOO_LARGE:
                raise KumoProtocolError(
                    f"Kumo adapter at {self._address} sent a reply larger than "
                    f"{self._options.max_reply_bytes} bytes"
                )
            # Connect timeout, refused, reset or dropped: a fresh connection may work (§9.1).
            if attempt == attempts:
                raise KumoConnectionError(
                    f"Cannot reach Kumo adapter at {self._address} ({failure}, {attempt} attempts)"
                )
            _LOGGER.debug("Attempt %d to %s failed (%s); retrying", attempt, self._address, failure)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _attempt(self, url: str, body: bytes) -> bytes | _Failed | str:
        """One HTTP exchange: the body, a `_Failed`, or the name of a retryable failure."""
        try:
            async with self.http.put(
                url, data=body, headers=_HEADERS, timeout=self._timeout, allow_redirects=False
            ) as response:
                raw = await read_capped(response, self._options.max_reply_bytes)
        except aiohttp.SocketTimeoutError:
            return _Failed.READ_TIMEOUT
        except (aiohttp.ClientError, TimeoutError) as err:
            return type(err).__name__
        return _Failed.TOO_LARGE if raw is None else raw
