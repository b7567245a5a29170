"""A link to one node (its own aiocoap client context and relay) with bounded timings.

Why long-lived sockets: every distinct client source (IP, port) takes one of the gateway's ~32
NAT entries for 5 minutes (§1.2 point 4), so a link opens its sockets once and keeps them until
it is closed; nothing opens a socket per request. (Through the relay, the default, only the
relay's upstream socket reaches the gateway; the aiocoap context talks to loopback.)

Why bounded timings: aiocoap's default CON gives up after 62-93 s (64.1 s measured) and an outer
`wait_for` alone does not stop retransmissions; a request queued behind an abandoned CON is never
sent (NSTART 1) [LAB, §9.2]. Every message therefore carries a `TransportTuning` that ends the
exchange in the message layer itself, and an outer `wait_for` a little longer is only a safety
net.

Why every request carries its resolved remote: left to itself, aiocoap 0.4.17 resolves each
request's `coap://ip:port` with an async generator it advances once and drops unclosed
(`udp6.determine_remote`), so every request leaves the event loop's finalizer an `aclose()` task
to schedule whenever that generator is collected, possibly after its owner (a config entry, a
test) has finished. Our hosts are IP literals, so `NodeLink.request` fills in the remote itself.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import ipaddress
import logging
from typing import Any, Final

import aiocoap
from aiocoap import error as coap_error
from aiocoap.numbers.constants import TransportTuning
from aiocoap.transports.udp6 import MessageInterfaceUDP6, UDP6EndpointAddress

from ._relay import LOOPBACK, SourcePortRelay
from .errors import MomitConnectionError, MomitProtocolError, MomitValidationError
from .models import MAX_VALUE_BYTES

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

§9.2 suggests 2.0 s x 2 (14-21 s) for a multi-hop mesh [INF]; that is too slow for a
Home Assistant poll or config-flow probe. 1 s still leaves room for several 6LoWPAN hops with
duty cycling (hundreds of ms each [INF]); a too-early retransmission of a GET only costs airtime.
"""

LISTING_DEADLINE_S: Final = 60.0
"""Bound of a whole `/.well-known/core` transfer: ~27 Block2 round trips over the mesh [INF];
each block is bounded by the timing."""

COMMAND_TIMING: Final = MomitTiming(ack_timeout_s=1.0, max_retransmit=2)
"""Commands: 3 transmissions (a lost datagram should not fail a user's command), a dead node
fails in 7-10.5 s. PUT is idempotent, so a duplicate transmission is harmless [SRC RFC 7252]."""


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


async def _create_context() -> aiocoap.Context:
    # UDP only: the default also brings up TCP/TLS/WebSocket client transports that nothing
    # here uses [LAB, §9.1].
    try:
        context = await aiocoap.Context.create_client_context(transports=["udp6"])
    except OSError as err:  # pragma: no cover - needs a host without free UDP ports
        raise MomitConnectionError(f"cannot create a CoAP client context: {err}") from err
    _LOGGER.debug("created a CoAP client context")
    return context


def _udp_interface(context: aiocoap.Context) -> Any | None:
    """The UDP message interface of a client context (aiocoap 0.4.17 layout), or None."""
    for interface in getattr(context, "request_interfaces", ()):
        messages = getattr(getattr(interface, "token_interface", None), "message_interface", None)
        if isinstance(messages, MessageInterfaceUDP6):
            return messages
    return None


def _sockaddr(host: str, port: int) -> tuple[str, int, int, int] | None:
    """The socket address aiocoap's dual-stack UDP socket uses for `host:port` (None: scoped)."""
    address = ipaddress.ip_address(host)
    if isinstance(address, ipaddress.IPv4Address):
        return (f"::ffff:{address}", port, 0, 0)
    if address.scope_id:
        return None  # a zone needs aiocoap's own resolution
    return (str(address), port, 0, 0)


class NodeLink:
    """Requests to one node `host:port`, through a relay by default, on a context of its own."""

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
        self._interface: Any | None = None
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
        """Start the relay and create the CoAP context; idempotent."""
        async with self._open_lock:  # concurrent first uses must open once
            if self._context is not None:
                return
            relay: SourcePortRelay | None = None
            if self._use_relay:
                relay = SourcePortRelay(
                    self.host, self._port, upstream_port=self._relay_upstream_port
                )
                try:
                    await relay.start()
                except OSError as err:
                    raise MomitConnectionError(f"cannot open a relay socket: {err}") from err
            try:
                self._context = await _create_context()
            except BaseException:  # pragma: no cover - see _create_context
                if relay is not None:
                    relay.close()
                raise
            self._relay = relay
            self._interface = _udp_interface(self._context)

    async def close(self) -> None:
        """Shut the context down and close the relay; idempotent."""
        if self._relay is not None:
            self._relay.close()
            self._relay = None
        context, self._context = self._context, None
        self._interface = None
        if context is not None:
            await context.shutdown()
            _LOGGER.debug("shut down a CoAP client context")

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

    def request(self, message: aiocoap.Message) -> Any:
        """Start a request (no blockwise handling) with its remote resolved here.

        aiocoap's own resolution would leave an unclosed async generator behind per request
        (see the module docstring); it is only used for a scoped IPv6 address or when the
        context has no UDP interface we recognise.
        """
        context = self.context()
        if self._relay is not None:
            sockaddr = _sockaddr(LOOPBACK, self._relay.local_port)
        else:
            sockaddr = _sockaddr(self.host, self._port)
        if self._interface is not None and sockaddr is not None:
            message.remote = UDP6EndpointAddress(sockaddr, self._interface)
        return context.request(message, handle_blockwise=False)

    def context(self) -> aiocoap.Context:
        """The link's CoAP context; raises when the link is closed."""
        if self._context is None:
            raise MomitConnectionError(f"link to {self.host}:{self._port} is closed")
        return self._context

    async def get(
        self,
        path: str,
        timing: MomitTiming,
        *,
        deadline_s: float | None = None,
        max_bytes: int = MAX_VALUE_BYTES,
    ) -> aiocoap.Message:
        """GET `path` (CON) and return the response, whatever its code.

        A Block2 body is fetched block by block here, not by aiocoap, so that it can be cut off:
        more than `max_bytes` is a MomitProtocolError. `deadline_s` (default: the timing's
        deadline) bounds the whole transfer.
        """
        deadline = deadline_s or timing.deadline_s
        try:
            async with asyncio.timeout(deadline):
                first = await self._exchange(self._get_message(path, timing), f"GET {path}")
                return await self._rest_of_body(first, path, timing, max_bytes)
        except TimeoutError as err:
            raise MomitConnectionError(
                f"no complete answer from {self.host}:{self._port} for GET {path} "
                f"within {deadline:.0f} s"
            ) from err

    def _get_message(
        self, path: str, timing: MomitTiming, block: tuple[int, bool, int] | None = None
    ) -> aiocoap.Message:
        return aiocoap.Message(
            code=aiocoap.GET, uri=self.uri(path), block2=block, transport_tuning=timing.tuning()
        )

    async def _rest_of_body(
        self, first: aiocoap.Message, path: str, timing: MomitTiming, max_bytes: int
    ) -> aiocoap.Message:
        """Fetch the remaining Block2 blocks of `first` (RFC 7959 §2.4) within `max_bytes`."""
        block = first.opt.block2
        body = bytearray(first.payload)
        while block is not None and block.more:
            if block.start != len(body) - len(first.payload) or len(first.payload) != block.size:
                raise MomitProtocolError(f"GET {path}: inconsistent Block2 block {block}")
            if len(body) > max_bytes:
                break
            following = (block.block_number + 1, False, block.size_exponent)
            first = await self._exchange(
                self._get_message(path, timing, following), f"GET {path} block"
            )
            if not first.code.is_successful() or first.opt.block2 is None:
                raise MomitProtocolError(f"GET {path}: block answered {first.code}")
            if first.opt.block2.block_number != following[0]:
                raise MomitProtocolError(f"GET {path}: got block {first.opt.block2} out of order")
            block = first.opt.block2
            body += first.payload
        if len(body) > max_bytes:
            raise MomitProtocolError(f"GET {path}: answer larger than {max_bytes} bytes")
        first.payload = bytes(body)
        first.opt.block2 = None
        return first

    async def put(
        self, path: str, payload: bytes, content_format: int, timing: MomitTiming
    ) -> aiocoap.Message:
        """PUT `payload` to `path` (CON) and return the response, whatever its code."""
        message = aiocoap.Message(
            code=aiocoap.PUT,
            uri=self.uri(path),
            payload=payload,
            content_format=content_format,
            transport_tuning=timing.tuning(),
        )
        return await self._exchange(message, f"PUT {path}")

    async def _exchange(self, message: aiocoap.Message, what: str) -> aiocoap.Message:
        """One CON exchange, ended by the message layer (the timing) or its safety net."""
        tuning = message.transport_tuning
        deadline_s = tuning.MAX_TRANSMIT_WAIT + _SAFETY_MARGIN_S
        request = self.request(message)
        try:
            return await await_response(request.response, deadline_s)
        except (coap_error.NetworkError, coap_error.LibraryShutdown, TimeoutError) as err:
            raise MomitConnectionError(
                f"no answer from {self.host}:{self._port} for {what} ({describe_error(err)})"
            ) from err
        except coap_error.Error as err:
            raise MomitProtocolError(
                f"bad answer from {self.host}:{self._port} for {what} ({describe_error(err)})"
            ) from err


def describe_error(err: BaseException) -> str:
    """A short human description of a transport error (no Python repr)."""
    text = str(err).strip()
    return f"{type(err).__name__}: {text}" if text else type(err).__name__
