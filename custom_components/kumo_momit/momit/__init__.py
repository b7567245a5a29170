"""Momit Cool (IR AC controller) over CoAP through a Momit Gateway, on aiocoap.

A protocol library with no Home Assistant imports: typed models, a small exception tree,
one shared aiocoap client context, bounded timeouts, push via observe, port discovery.
Specification: `momit.md` (research note shipped with the project).
"""

from .client import DEFAULT_OPTIONS, MomitClientOptions, MomitCoolClient, MomitListener
from .discovery import (
    DEFAULT_SCAN,
    FALLBACK_PORTS,
    PRIMARY_PORTS,
    ProbeReply,
    ScanOptions,
    discover_ac_nodes,
    discover_nodes,
    find_ac_node,
    inspect_node,
    probe_ports,
)
from .errors import (
    MomitCommandRejectedError,
    MomitCommandTimeoutError,
    MomitConnectionError,
    MomitError,
    MomitNodeNotFoundError,
    MomitProtocolError,
    MomitValidationError,
)
from .linkformat import parse_listing
from .models import (
    CONTENT_FORMAT_LWM2M_TEXT,
    DEFAULT_LIMITS,
    AcCommand,
    AcMode,
    AcOutput,
    AcState,
    CommandLimits,
    DeviceInfo,
    DiscoveredNode,
    NodeListing,
    RoomReading,
)
from .observe import Backoff
from .relay import SourcePortRelay
from .transport import (
    COMMAND_TIMING,
    PROBE_TIMING,
    MomitTiming,
    acquire_client_context,
    client_context_users,
    release_client_context,
)

__all__ = [
    "COMMAND_TIMING",
    "CONTENT_FORMAT_LWM2M_TEXT",
    "DEFAULT_LIMITS",
    "DEFAULT_OPTIONS",
    "DEFAULT_SCAN",
    "FALLBACK_PORTS",
    "PRIMARY_PORTS",
    "PROBE_TIMING",
    "AcCommand",
    "AcMode",
    "AcOutput",
    "AcState",
    "Backoff",
    "CommandLimits",
    "DeviceInfo",
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
    "NodeListing",
    "ProbeReply",
    "RoomReading",
    "ScanOptions",
    "SourcePortRelay",
    "acquire_client_context",
    "client_context_users",
    "discover_ac_nodes",
    "discover_nodes",
    "find_ac_node",
    "inspect_node",
    "parse_listing",
    "probe_ports",
    "release_client_context",
]
