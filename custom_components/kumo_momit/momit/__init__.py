"""Momit Cool (IR AC controller) over CoAP through a Momit Gateway, on aiocoap.

A protocol library with no Home Assistant imports: typed models, a small exception tree,
clients that own their aiocoap context (`async with`), bounded timeouts, push via observe and
port discovery. Everything a user needs is exported here; modules whose names start with an
underscore are internal.

`§` numbers and the evidence labels [SRC] (shown in a primary source), [LAB] (measured on
loopback), [INF] (inferred) and [UNK] (unknown) refer to the protocol notes in `docs/momit.md`.
"""

from ._observe import Backoff
from ._transport import MomitTiming
from .client import DEFAULT_OPTIONS, MomitClientOptions, MomitCoolClient, MomitListener
from .discovery import DEFAULT_SCAN, ScanOptions, discover_ac_nodes, discover_nodes, find_ac_node
from .errors import (
    MomitCommandRejectedError,
    MomitCommandTimeoutError,
    MomitConnectionError,
    MomitError,
    MomitNodeNotFoundError,
    MomitProtocolError,
    MomitValidationError,
)
from .models import (
    DEFAULT_LIMITS,
    AcCommand,
    AcMode,
    AcOutput,
    AcState,
    CommandLimits,
    DiscoveredNode,
    NodeIdentity,
    NodeListing,
    RoomReading,
)

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_OPTIONS",
    "DEFAULT_SCAN",
    "AcCommand",
    "AcMode",
    "AcOutput",
    "AcState",
    "Backoff",
    "CommandLimits",
    "DiscoveredNode",
    "MomitClientOptions",
    "MomitCommandRejectedError",
    "MomitCommandTimeoutError",
    "MomitConnectionError",
    "MomitCoolClient",
    "MomitError",
    "MomitListener",
    "MomitNodeNotFoundError",
    "MomitProtocolError",
    "MomitTiming",
    "MomitValidationError",
    "NodeIdentity",
    "NodeListing",
    "RoomReading",
    "ScanOptions",
    "discover_ac_nodes",
    "discover_nodes",
    "find_ac_node",
]
