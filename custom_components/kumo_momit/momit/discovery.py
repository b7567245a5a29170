"""Finding Momit nodes behind a gateway: port scan, classification, lookup by serial.

Each gateway UDP port is a NAT mapping to one mesh node, allocated at random in 10000-19999 and
re-allocated over time (Contiki ip64 model [INF, strong], ports 19924/15395/17062 seen for one AC
in a month [SRC]; §1.2, §3). So: scan 10000-19999 first, the rest only as a fallback, and key
nodes on their serial (`/3/0/2`), never on the port. The raw scan is in `_scan.py`; responders
are then inspected (full listing, serial) with aiocoap through the relay.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterable
from contextlib import aclosing
from dataclasses import dataclass
import itertools
import logging
from typing import Final

import aiocoap

from ._linkformat import parse_listing
from ._scan import ProbeReply, scan_ports
from ._transport import LISTING_DEADLINE_S, PROBE_TIMING, MomitTiming, NodeLink
from .errors import MomitError, MomitNodeNotFoundError, MomitProtocolError, MomitValidationError
from .models import (
    MAX_LISTING_BYTES,
    PATH_EVENTS,
    PATH_SERIAL,
    PATH_WELL_KNOWN_CORE,
    AcState,
    DiscoveredNode,
    parse_identity_text,
)

_LOGGER = logging.getLogger(__name__)

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
    search_deadline_s: float | None = None
    """Give up a search by serial (`find_ac_node`) after this long; None: bounded by the ports."""

    def __post_init__(self) -> None:
        if self.concurrency < 1 or self.inspect_concurrency < 1 or self.probe_attempts < 1:
            raise MomitValidationError("scan concurrency and attempts must be at least 1")
        if self.probe_timeout_s <= 0:
            raise MomitValidationError("probe timeout must be positive")
        if self.search_deadline_s is not None and self.search_deadline_s <= 0:
            raise MomitValidationError("search deadline must be positive")


DEFAULT_SCAN: Final = ScanOptions()


async def inspect_node(
    host: str, port: int, *, reply_port: int | None = None, options: ScanOptions = DEFAULT_SCAN
) -> DiscoveredNode:
    """Read one node's listing (and serial) to classify it.

    Raises MomitConnectionError when the node does not answer.
    """
    link = NodeLink(host, port, use_relay=options.use_relay)
    await link.open()
    try:
        response = await link.get(
            PATH_WELL_KNOWN_CORE,
            options.inspect_timing,
            deadline_s=LISTING_DEADLINE_S,
            max_bytes=MAX_LISTING_BYTES,
        )
        listing = parse_listing(response.payload if response.code.is_successful() else b"")
        response = await link.get(PATH_SERIAL, options.inspect_timing)
        serial = _serial(response, f"{link.host}:{port}")
    finally:
        await link.close()
    return DiscoveredNode(
        host=link.host,
        port=port,
        reply_port=port if reply_port is None else reply_port,
        serial=serial,
        is_ac_controller=listing.is_ac_controller,
        listing=listing,
    )


def _serial(response: aiocoap.Message, where: str) -> str | None:
    if not response.code.is_successful():
        return None
    try:
        return parse_identity_text(response.payload)
    except MomitProtocolError as err:
        _LOGGER.warning("%s: ignoring its serial number: %s", where, err)
        return None


def _scan(host: str, ports: Iterable[int], options: ScanOptions) -> AsyncGenerator[ProbeReply]:
    return scan_ports(
        host,
        ports,
        concurrency=options.concurrency,
        timeout_s=options.probe_timeout_s,
        attempts=options.probe_attempts,
    )


async def _scan_phase(
    host: str, ranges: Iterable[Iterable[int]], options: ScanOptions
) -> list[DiscoveredNode]:
    scan = _scan(host, itertools.chain.from_iterable(ranges), options)
    async with aclosing(scan):
        replies = [reply async for reply in scan]
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


async def discover_nodes(host: str, *, options: ScanOptions = DEFAULT_SCAN) -> list[DiscoveredNode]:
    """Scan the gateway and return every node that answered, AC controller or not.

    The primary ranges are scanned first; the fallback ranges only when the primary ones held no
    AC controller. Each port gets `probe_attempts` NON probes; each responder is inspected
    (its listing, ~27 blocks on a device, and its serial).
    """
    nodes = await _scan_phase(host, options.primary_ports, options)
    if (
        not any(node.is_ac_controller for node in nodes)
        and options.scan_fallback
        and options.fallback_ports
    ):
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
    host: str,
    serial: str | None,
    *,
    options: ScanOptions = DEFAULT_SCAN,
    known_port: int | None = None,
) -> DiscoveredNode:
    """Find the AC node with `serial` (or the only AC node when `serial` is None).

    With a serial the search is bounded and ends at the first match (§3 steps 1, 2, 5):

    1. `known_port` (the node's last port), if given, is asked for its serial first;
    2. then the primary ranges (ip64's 10000-19999 [INF, §1.2]): one NON probe per port
       (`probe_attempts`), each responder identified by `GET /3/0/2`, and a match confirmed by
       `GET /10242/0/0` answering `out=`;
    3. the fallback ranges only when `known_port` is unknown or outside the primary ranges: the
       gateway re-maps a node within the range it allocated it from [INF, §1.2].

    So a search costs at most one probe per port searched plus 1-2 GETs per responder: with the
    default ranges and a known port in 10000-19999, at most 10,000 probes and about 2 minutes
    on an ip64 gateway (silent ports cost `probe_timeout_s` each, `concurrency` at a time).
    `options.search_deadline_s` bounds the time further. Without a serial, the whole gateway is
    discovered (`discover_nodes`). Raises MomitNodeNotFoundError when not found in time.
    """
    if serial is None:
        return await _only_ac_node(host, options)
    deadline = options.search_deadline_s
    try:
        async with asyncio.timeout(deadline):
            found = await _search(host, serial, options, known_port)
    except TimeoutError:
        raise MomitNodeNotFoundError(
            f"AC node {serial} not found behind {host} within {deadline:.0f} s"
        ) from None
    if found is None:
        raise MomitNodeNotFoundError(f"AC node {serial} not found behind {host}")
    return found


async def _only_ac_node(host: str, options: ScanOptions) -> DiscoveredNode:
    nodes = [node for node in await discover_nodes(host, options=options) if node.is_ac_controller]
    if len(nodes) == 1:
        return nodes[0]
    if not nodes:
        raise MomitNodeNotFoundError(f"no AC node found behind {host}")
    raise MomitNodeNotFoundError(f"{len(nodes)} AC nodes behind {host}; a serial is needed")


def _within(port: int, ranges: tuple[range, ...]) -> bool:
    return any(port in ports for ports in ranges)


async def _search(
    host: str, serial: str, options: ScanOptions, known_port: int | None
) -> DiscoveredNode | None:
    if known_port is not None:
        known = ProbeReply(port=known_port, reply_port=known_port, code="")
        if (node := await _identify(host, known, serial, options)) is not None:
            return node
    phases = [options.primary_ports]
    if options.scan_fallback and (
        known_port is None or not _within(known_port, options.primary_ports)
    ):
        phases.append(options.fallback_ports)
    for ranges in phases:
        ports = (port for port in itertools.chain.from_iterable(ranges) if port != known_port)
        scan = _scan(host, ports, options)
        async with aclosing(scan):
            async for reply in scan:
                if (node := await _identify(host, reply, serial, options)) is not None:
                    return node
    return None


async def _identify(
    host: str, reply: ProbeReply, serial: str, options: ScanOptions
) -> DiscoveredNode | None:
    """The AC node with `serial` on the replying port, or None (cheap: no listing)."""
    link = NodeLink(host, reply.port, use_relay=options.use_relay)
    try:
        await link.open()
        response = await link.get(PATH_SERIAL, options.inspect_timing)
        if _serial(response, f"{link.host}:{reply.port}") != serial:
            return None
        response = await link.get(PATH_EVENTS, options.inspect_timing)
        if (
            response.code != aiocoap.CONTENT
            or "out" not in AcState.from_payload(response.payload).fields
        ):
            return None
    except MomitError as err:
        _LOGGER.debug("port %s answered the probe but not its identification: %s", reply.port, err)
        return None
    finally:
        await link.close()
    return DiscoveredNode(
        host=link.host,
        port=reply.port,
        reply_port=reply.reply_port,
        serial=serial,
        is_ac_controller=True,
    )
