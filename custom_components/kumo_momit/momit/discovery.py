"""Finding Momit nodes behind a gateway: port scan, classification, lookup by serial.

Each gateway UDP port is a NAT mapping to one mesh node, allocated at random in 10000-19999 and
re-allocated over time (Contiki ip64 model [INF, strong], ports 19924/15395/17062 seen for one AC
in a month [SRC]; §1.2, §3). So: scan 10000-19999 first, the rest only as a fallback, and key
nodes on their serial (`/3/0/2`), never on the port. The raw scan is in `_scan.py`; responders
are then inspected (full listing, serial) with aiocoap through the relay.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
import itertools
import logging
from typing import Final

from ._linkformat import parse_listing
from ._scan import ProbeReply, probe_ports
from ._transport import PROBE_TIMING, MomitTiming, NodeLink
from .errors import MomitError, MomitNodeNotFoundError, MomitValidationError
from .models import PATH_SERIAL, PATH_WELL_KNOWN_CORE, DiscoveredNode

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
            PATH_WELL_KNOWN_CORE, options.inspect_timing, deadline_s=_LISTING_DEADLINE_S
        )
        listing = parse_listing(response.payload if response.code.is_successful() else b"")
        serial: str | None = None
        response = await link.get(PATH_SERIAL, options.inspect_timing)
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
