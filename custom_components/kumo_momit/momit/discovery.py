"""Finding Momit nodes behind a gateway: port scan, classification, lookup by serial.

Each gateway UDP port is a NAT mapping to one mesh node, allocated at random in 10000-19999 and
re-allocated over time (Contiki ip64 model [INF, strong], ports 19924/15395/17062 seen for one AC
in a month [SRC]; spec §1.2, §3). So: scan 10000-19999 first, the rest only as a fallback, and
key nodes on their serial (`/3/0/2`), never on the port.

The scan runs on one raw asyncio UDP socket and matches replies by token from **any** source port
of the gateway (replies may come from a new NAT port [INF], which aiocoap would drop [LAB]; §9.5).
Messages are still encoded and decoded by aiocoap. Responders are then inspected (full listing,
serial) with aiocoap through the relay.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
import ipaddress
import itertools
import logging
import secrets
import socket
from typing import Final, cast

import aiocoap
from aiocoap import error as coap_error

from .errors import MomitConnectionError, MomitError, MomitNodeNotFoundError, MomitValidationError
from .linkformat import parse_listing
from .models import PATH_SERIAL, PATH_WELL_KNOWN_CORE, DiscoveredNode
from .transport import PROBE_TIMING, MomitTiming, NodeLink, check_host

_LOGGER = logging.getLogger(__name__)

# The listing is ~27 Block2 round trips over the mesh [INF]; each block is bounded by the
# timing, this only caps the whole transfer.
_LISTING_DEADLINE_S: Final = 60.0

PRIMARY_PORTS: Final = (range(10000, 20000),)
"""ip64's FIRST_MAPPED_PORT..LAST_MAPPED_PORT; all four ports ever seen fall in it [SRC+INF]."""
FALLBACK_PORTS: Final = (range(1024, 10000), range(20000, 65536))
"""Everything else above the ip64 ephemeral limit, in case the gateway is not ip64 [INF]."""


@dataclass(frozen=True, kw_only=True)
class ScanOptions:
    """How to scan a gateway.

    With ip64, unmapped ports are silent, so every probe of an empty port costs a full
    `probe_timeout_s`: 10 000 ports at 128 in flight and 1.5 s take about 2 minutes [INF]. Be
    gentle: the gateway is probably a microcontroller.
    """

    primary_ports: tuple[range, ...] = PRIMARY_PORTS
    fallback_ports: tuple[range, ...] = FALLBACK_PORTS
    scan_fallback: bool = True
    """Scan `fallback_ports` when the primary ranges had no (matching) AC node."""
    concurrency: int = 128
    probe_timeout_s: float = 1.5
    probe_attempts: int = 1
    inspect_concurrency: int = 4
    inspect_timing: MomitTiming = PROBE_TIMING
    use_relay: bool = True

    def __post_init__(self) -> None:
        if self.concurrency < 1 or self.inspect_concurrency < 1 or self.probe_attempts < 1:
            raise MomitValidationError("scan concurrency and attempts must be at least 1")
        if self.probe_timeout_s <= 0:
            raise MomitValidationError("probe timeout must be positive")


DEFAULT_SCAN: Final = ScanOptions()


@dataclass(frozen=True, kw_only=True)
class ProbeReply:
    """A CoAP answer to a scan probe."""

    port: int
    """The probed port."""
    reply_port: int
    """The port the answer came from (differs from `port` behind a NAT that remaps replies)."""
    code: str


class _ProbeSocket(asyncio.DatagramProtocol):
    """Raw UDP endpoint: NON probes out, replies matched by token from any gateway port."""

    def __init__(self, gateway_ip: str) -> None:
        self._gateway_ip = gateway_ip
        self._pending: dict[bytes, tuple[int, asyncio.Future[ProbeReply]]] = {}
        self._mids = itertools.count(secrets.randbelow(0x10000))
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        source = ipaddress.ip_address(str(addr[0]))
        if isinstance(source, ipaddress.IPv6Address) and source.ipv4_mapped is not None:
            source = source.ipv4_mapped
        if str(source) != self._gateway_ip:
            return
        try:
            reply = aiocoap.Message.decode(data)
        except coap_error.Error:
            return  # not CoAP: some other service on that port
        if reply.mtype == aiocoap.CON and self.transport is not None:
            # A separate (CON) response must be acknowledged or the node retransmits it.
            ack = aiocoap.Message(code=aiocoap.EMPTY)
            ack.mtype, ack.mid = aiocoap.ACK, reply.mid
            self.transport.sendto(ack.encode(), addr[:2])
        if not reply.code.is_response():
            return
        entry = self._pending.get(bytes(reply.token))
        if entry is None:
            return
        port, future = entry
        if not future.done():
            future.set_result(ProbeReply(port=port, reply_port=int(addr[1]), code=str(reply.code)))

    def error_received(self, exc: Exception) -> None:
        _LOGGER.debug("scan socket error: %s", exc)

    async def probe(self, port: int, timeout_s: float) -> ProbeReply | None:
        assert self.transport is not None
        message = aiocoap.Message(
            code=aiocoap.GET, uri=f"coap://{self._gateway_ip}:{port}{PATH_WELL_KNOWN_CORE}"
        )
        token = secrets.token_bytes(4)
        while token in self._pending:
            token = secrets.token_bytes(4)
        # Set after construction: no deprecation warning for mtype (spec §9.5).
        message.mtype, message.mid, message.token = aiocoap.NON, next(self._mids) % 0x10000, token
        future: asyncio.Future[ProbeReply] = asyncio.get_running_loop().create_future()
        self._pending[token] = (port, future)
        try:
            self.transport.sendto(message.encode(), (self._gateway_ip, port))
            return await asyncio.wait_for(future, timeout_s)
        except TimeoutError:
            return None
        finally:
            del self._pending[token]


async def probe_ports(
    host: str,
    ports: Iterable[int],
    *,
    concurrency: int = 128,
    timeout_s: float = 1.5,
    attempts: int = 1,
) -> list[ProbeReply]:
    """Send a NON `GET /.well-known/core` to each port; return the ports that answered."""
    gateway_ip = check_host(host)
    family = socket.AF_INET6 if ipaddress.ip_address(gateway_ip).version == 6 else socket.AF_INET
    loop = asyncio.get_running_loop()
    try:
        transport, protocol = await loop.create_datagram_endpoint(
            lambda: _ProbeSocket(gateway_ip),
            local_addr=("::" if family == socket.AF_INET6 else "0.0.0.0", 0),  # noqa: S104
            family=family,
        )
    except OSError as err:
        raise MomitConnectionError(f"cannot open a scan socket: {err}") from err
    window = asyncio.Semaphore(concurrency)

    async def one(port: int) -> ProbeReply | None:
        async with window:
            for _ in range(attempts):
                reply = await protocol.probe(port, timeout_s)
                if reply is not None:
                    return reply
            return None

    try:
        results = await asyncio.gather(*(one(port) for port in ports))
    finally:
        transport.close()
    return [reply for reply in results if reply is not None]


async def inspect_node(
    host: str, port: int, *, reply_port: int | None = None, options: ScanOptions = DEFAULT_SCAN
) -> DiscoveredNode:
    """Read one node's listing (and serial) to classify it.

    Raises MomitConnectionError when the node does not answer.
    """
    link = NodeLink(host, port, use_relay=options.use_relay)
    await link.open()
    try:
        response = await link.request(
            aiocoap.GET,
            PATH_WELL_KNOWN_CORE,
            options.inspect_timing,
            deadline_s=_LISTING_DEADLINE_S,
        )
        listing = parse_listing(response.payload if response.code.is_successful() else b"")
        serial: str | None = None
        response = await link.request(aiocoap.GET, PATH_SERIAL, options.inspect_timing)
        if response.code.is_successful():
            serial = response.payload.decode("utf-8", errors="replace").strip() or None
    finally:
        await link.close()
    return DiscoveredNode(
        host=link.host,
        port=port,
        reply_port=port if reply_port is None else reply_port,
        listing=listing,
        serial=serial,
    )


async def _scan_phase(
    host: str, ranges: Iterable[Iterable[int]], options: ScanOptions
) -> list[DiscoveredNode]:
    replies = await probe_ports(
        host,
        itertools.chain.from_iterable(ranges),
        concurrency=options.concurrency,
        timeout_s=options.probe_timeout_s,
        attempts=options.probe_attempts,
    )
    window = asyncio.Semaphore(options.inspect_concurrency)

    async def inspect(reply: ProbeReply) -> DiscoveredNode | None:
        async with window:
            try:
                return await inspect_node(
                    host, reply.port, reply_port=reply.reply_port, options=options
                )
            except MomitError as err:
                _LOGGER.debug(
                    "port %s answered the probe but not the inspection: %s", reply.port, err
                )
                return None

    nodes = await asyncio.gather(*(inspect(reply) for reply in replies))
    return sorted((node for node in nodes if node is not None), key=lambda node: node.port)


async def discover_nodes(
    host: str, *, options: ScanOptions = DEFAULT_SCAN, serial: str | None = None
) -> list[DiscoveredNode]:
    """Scan the gateway and return every node that answered, AC controller or not.

    The primary ranges are scanned first; the fallback ranges only when the primary ones held no
    AC controller (or, with `serial`, not that one).
    """
    nodes = await _scan_phase(host, options.primary_ports, options)

    def satisfied(found: list[DiscoveredNode]) -> bool:
        if serial is not None:
            return any(node.serial == serial for node in found)
        return any(node.is_ac_controller for node in found)

    if not satisfied(nodes) and options.scan_fallback and options.fallback_ports:
        nodes += await _scan_phase(host, options.fallback_ports, options)
    return nodes


async def discover_ac_nodes(
    host: str, *, options: ScanOptions = DEFAULT_SCAN
) -> list[DiscoveredNode]:
    """Scan the gateway for AC controller nodes; raise MomitNodeNotFoundError if there is none."""
    nodes = [node for node in await discover_nodes(host, options=options) if node.is_ac_controller]
    if not nodes:
        raise MomitNodeNotFoundError(f"no Momit Cool AC controller found behind {host}")
    return nodes


async def find_ac_node(
    host: str, serial: str | None, *, options: ScanOptions = DEFAULT_SCAN
) -> DiscoveredNode:
    """Find the AC node with `serial` (or the only AC node when `serial` is None)."""
    nodes = [
        node
        for node in await discover_nodes(host, options=options, serial=serial)
        if node.is_ac_controller and (serial is None or node.serial == serial)
    ]
    if len(nodes) == 1 or (serial is not None and nodes):
        return nodes[0]
    if not nodes:
        wanted = "no AC node" if serial is None else f"AC node {serial} not"
        raise MomitNodeNotFoundError(f"{wanted} found behind {host}")
    raise MomitNodeNotFoundError(f"{len(nodes)} AC nodes behind {host}; a serial is needed")
