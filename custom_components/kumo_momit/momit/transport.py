"""The shared aiocoap client context, bounded timings, and a link to one node.

Why one context: every distinct client source (IP, port) takes one of the gateway's ~32 NAT
entries for 5 minutes (spec §1.2 point 4), so all Momit nodes in the process share one
long-lived aiocoap client context (one UDP socket). It is created on first use and shut down
when its last user releases it.

Why bounded timings: aiocoap's default CON gives up after 62-93 s (64.1 s measured) and an outer
`wait_for` alone does not stop retransmissions; a request queued behind an abandoned CON is never
sent (NSTART 1) [LAB, §9.2]. Every message therefore carries a `TransportTuning` that ends the
exchange in the message layer itself, and an outer `wait_for` a little longer is only a safety
net.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import ipaddress
import logging
from typing import Any, Final
import weakref

import aiocoap
from aiocoap import error as coap_error
from aiocoap.numbers.constants import TransportTuning

from .errors import MomitConnectionError, MomitProtocolError, MomitValidationError
from .relay import LOOPBACK, SourcePortRelay

_LOGGER = logging.getLogger(__name__)

# Time allowed on top of the message layer's own give-up time before the outer safety net
# fires; the message layer should always end first.
_SAFETY_MARGIN_S: Final = 1.0


@dataclass(frozen=True, kw_only=True)
class MomitTiming:
    """CON retransmission parameters for one kind of request.

    A message is sent 1 + `max_retransmit` times; the first wait is `ack_timeout_s` times a
    random factor in [1, `ack_random_factor`], doubling each time. The exchange gives up after
    at most `give_up_after_s` = ack_timeout * random_factor * (2**(max_retransmit + 1) - 1).
    """

    ack_timeout_s: float
    max_retransmit: int
    ack_random_factor: float = 1.5

    def __post_init__(self) -> None:
        if self.ack_timeout_s <= 0 or self.max_retransmit < 0 or self.ack_random_factor < 1:
            raise MomitValidationError(f"invalid timing {self}")

    @property
    def give_up_after_s(self) -> float:
        """Worst case time until the message layer reports a dead node."""
        transmissions_span: int = 2 ** (self.max_retransmit + 1) - 1
        return self.ack_timeout_s * self.ack_random_factor * transmissions_span

    @property
    def deadline_s(self) -> float:
        """Outer safety net for one exchange."""
        return self.give_up_after_s + _SAFETY_MARGIN_S

    def tuning(self) -> TransportTuning:
        """An aiocoap per-message tuning (CON) with these parameters."""
        tuning = _ReliableTuning()
        # Instance attributes shadow the class constants aiocoap reads; its derived
        # MAX_TRANSMIT_* properties read them through `self`.
        tuning.ACK_TIMEOUT = self.ack_timeout_s
        tuning.ACK_RANDOM_FACTOR = self.ack_random_factor
        tuning.MAX_RETRANSMIT = self.max_retransmit
        return tuning


class _ReliableTuning(TransportTuning):  # type: ignore[misc]  # aiocoap is untyped
    reliability = True


PROBE_TIMING: Final = MomitTiming(ack_timeout_s=1.0, max_retransmit=1)
"""Reads, probes and observe registrations: 2 transmissions, a dead node fails in 3-4.5 s.

The spec suggests 2.0 s x 2 (14-21 s) for a multi-hop mesh [INF]; that is too slow for a
Home Assistant poll or config-flow probe. 1 s still leaves room for several 6LoWPAN hops with
duty cycling (hundreds of ms each [INF]); a too-early retransmission of a GET only costs airtime.
"""

COMMAND_TIMING: Final = MomitTiming(ack_timeout_s=1.0, max_retransmit=2)
"""Commands: 3 transmissions (a lost datagram should not fail a user's command), a dead node
fails in 7-10.5 s. PUT is idempotent, so a duplicate transmission is harmless [SRC RFC 7252]."""


class _SharedContext:
    """One aiocoap client context per event loop, reference-counted."""

    def __init__(self) -> None:
        self.context: aiocoap.Context | None = None
        self.users = 0
        self.lock = asyncio.Lock()


_SHARED: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _SharedContext] = (
    weakref.WeakKeyDictionary()
)


def _shared() -> _SharedContext:
    loop = asyncio.get_running_loop()
    shared = _SHARED.get(loop)
    if shared is None:
        shared = _SHARED[loop] = _SharedContext()
    return shared


async def acquire_client_context() -> aiocoap.Context:
    """Return the shared client context, creating it on first use; pair with a release."""
    shared = _shared()
    async with shared.lock:
        if shared.context is None:
            # UDP only: the default also brings up TCP/TLS/WebSocket client transports that
            # nothing here uses [LAB, §9.1].
            shared.context = await aiocoap.Context.create_client_context(transports=["udp6"])
            _LOGGER.debug("created the shared CoAP client context")
        shared.users += 1
        return shared.context


async def release_client_context() -> None:
    """Drop one user; the last one shuts the context down."""
    shared = _shared()
    async with shared.lock:
        if shared.users == 0:
            return
        shared.users -= 1
        if shared.users == 0 and shared.context is not None:
            context, shared.context = shared.context, None
            await context.shutdown()
            _LOGGER.debug("shut down the shared CoAP client context")


def client_context_users() -> int:
    """How many users hold the shared context in this event loop (for tests/diagnostics)."""
    shared = _SHARED.get(asyncio.get_running_loop())
    return 0 if shared is None else shared.users


def _consume_outcome(future: asyncio.Future[Any]) -> None:
    """Retrieve a late outcome nobody waits for any more (no "never retrieved" noise)."""
    if not future.cancelled():
        future.exception()


async def await_response(response: asyncio.Future[Any], timeout_s: float) -> Any:
    """Wait for an aiocoap response future without ever cancelling it.

    aiocoap 0.4.17 sets the result of a request's `response` future without checking whether
    it is still pending, so a reply arriving after a `wait_for` timeout or a cancelled caller
    raises InvalidStateError inside the event loop. The future is therefore shielded: giving
    up stops waiting, and the late outcome is retrieved and dropped.
    """
    try:
        return await asyncio.wait_for(asyncio.shield(response), timeout_s)
    except (TimeoutError, asyncio.CancelledError):
        response.add_done_callback(_consume_outcome)
        raise


def _uri_host(host: str) -> str:
    return f"[{host}]" if ipaddress.ip_address(host).version == 6 else host


def check_host(host: str) -> str:
    """Normalise a gateway address; only IP literals are accepted (the gateway has no name)."""
    try:
        return str(ipaddress.ip_address(host.strip()))
    except ValueError:
        raise MomitValidationError(f"not an IP address: {host!r}") from None


def check_port(port: int) -> int:
    """Validate a UDP port number."""
    if type(port) is not int or not 1 <= port <= 65535:
        raise MomitValidationError(f"not a UDP port: {port!r}")
    return port


class NodeLink:
    """Requests to one node `host:port`, through a relay by default, on the shared context."""

    def __init__(
        self, host: str, port: int, *, use_relay: bool = True, relay_upstream_port: int = 0
    ) -> None:
        """Nothing is opened until `open()`."""
        self.host = check_host(host)
        self._port = check_port(port)
        self._use_relay = use_relay
        self._relay_upstream_port = relay_upstream_port
        self._relay: SourcePortRelay | None = None
        self._context: aiocoap.Context | None = None
        self._open_lock = asyncio.Lock()

    @property
    def port(self) -> int:
        """The gateway port of the node."""
        return self._port

    @property
    def is_open(self) -> bool:
        """Whether `open()` has run and `close()` has not."""
        return self._context is not None

    @property
    def relay(self) -> SourcePortRelay | None:
        """The relay in use, if any."""
        return self._relay

    async def open(self) -> None:
        """Acquire the shared context and start the relay; idempotent."""
        async with self._open_lock:  # concurrent first uses must open once
            if self._context is not None:
                return
            if self._use_relay:
                relay = SourcePortRelay(
                    self.host, self._port, upstream_port=self._relay_upstream_port
                )
                try:
                    await relay.start()
                except OSError as err:
                    raise MomitConnectionError(f"cannot open a relay socket: {err}") from err
                self._relay = relay
            try:
                self._context = await acquire_client_context()
            except OSError as err:  # pragma: no cover - needs a host without free UDP ports
                if self._relay is not None:
                    self._relay.close()
                    self._relay = None
                raise MomitConnectionError(f"cannot create the CoAP context: {err}") from err

    async def close(self) -> None:
        """Release the context and close the relay; idempotent."""
        if self._relay is not None:
            self._relay.close()
            self._relay = None
        if self._context is not None:
            self._context = None
            await release_client_context()

    def retarget(self, port: int) -> None:
        """Talk to another gateway port from now on (the node's NAT mapping moved)."""
        self._port = check_port(port)
        if self._relay is not None:
            self._relay.retarget(port)

    def uri(self, path: str) -> str:
        """The URI aiocoap must use for `path` on this node."""
        if self._relay is not None:
            return f"coap://{LOOPBACK}:{self._relay.local_port}{path}"
        return f"coap://{_uri_host(self.host)}:{self._port}{path}"

    def context(self) -> aiocoap.Context:
        """The shared context; raises when the link is closed."""
        if self._context is None:
            raise MomitConnectionError(f"link to {self.host}:{self._port} is closed")
        return self._context

    async def request(
        self,
        code: aiocoap.Code,
        path: str,
        timing: MomitTiming,
        *,
        payload: bytes = b"",
        content_format: int | None = None,
        deadline_s: float | None = None,
    ) -> aiocoap.Message:
        """Send one CON request and return the response, whatever its code."""
        message = aiocoap.Message(
            code=code,
            uri=self.uri(path),
            payload=payload,
            transport_tuning=timing.tuning(),
        )
        if content_format is not None:
            message.opt.content_format = content_format
        request = self.context().request(message)
        try:
            return await await_response(request.response, deadline_s or timing.deadline_s)
        except (coap_error.NetworkError, coap_error.LibraryShutdown, TimeoutError) as err:
            raise MomitConnectionError(
                f"no answer from {self.host}:{self._port} for {code} {path}: {err!r}"
            ) from err
        except coap_error.Error as err:
            raise MomitProtocolError(
                f"bad answer from {self.host}:{self._port} for {code} {path}: {err!r}"
            ) from err
