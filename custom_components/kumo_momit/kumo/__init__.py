"""Async library for Mitsubishi Kumo WiFi adapters: local API and Kumo Cloud accounts.

No Home Assistant imports: this package could be published as it is. Everything a caller
needs is exported here; modules with a leading underscore are internals.

* Local control (§2-§10): `KumoUnitClient` signs and sends requests to one adapter;
  `KumoIndoorUnit` / `KumoStation` poll it and carry the commands; `probe` checks secrets at
  an address, `async_resolve_addresses` & co. find addresses from DHCP sightings (§11).
* Unit records (§1.1): `KumoUnitRecord` is what a caller persists per unit, with the source
  of every field; `merge_unit_records` merges what several sources say.
* Learning units: `async_discover_units` asks the Kumo Cloud (§12, §13); `parse_kumo_cache`
  imports a hass-kumo `kumo_cache.json` (§14). The cloud is only a way to *learn* what local
  control needs (§1.1): a caller that persists the records never needs it to run.
* Cloud control, for units without local keys (§13.4-§13.6): `KumoCloudControl` (REST reads
  and `send-command`, minding the account's rate limit), `KumoCloudIndoorUnit` (the same state
  model and commands as `KumoIndoorUnit`), `KumoCloudPush` (the Socket.IO push channel).

Clients take an aiohttp session (e.g. Home Assistant's shared one, never closed by them) or
None (they create their own and close it in `close()` / at the end of `async with`).
"""

from __future__ import annotations

from ._cloud_http import CloudRateLimit, KumoCloudOptions
from ._poller import KumoPollerOptions
from ._values import normalize_address, normalize_mac
from .addresses import (
    KUMO_OUIS,
    AddressCheck,
    AddressResolution,
    ProbeAttempt,
    async_check_address,
    async_identify_address,
    async_resolve_addresses,
    is_kumo_mac,
    normalize_dhcp_sightings,
)
from .cache import KumoCacheError, build_kumo_cache, parse_kumo_cache
from .client import KumoClientOptions, KumoUnitClient
from .cloud_control import KumoCloudControl, KumoCloudIndoorUnit, cloud_commands
from .cloud_discovery import (
    CloudProblem,
    CloudService,
    KumoCloudDiscovery,
    KumoCloudEndpoints,
    async_discover_units,
)
from .cloud_push import (
    DEFAULT_SOCKET_URL,
    CloudAdapterUpdate,
    CloudProfileUpdate,
    CloudPushEvent,
    KumoCloudPush,
    PushBackoff,
    cloud_wait_floor,
    parse_push_event,
)
from .cloud_state import CloudConnectionState, CloudDeviceState
from .cloud_tokens import KumoCloudTokens
from .cloud_v2 import DEFAULT_V2_BASE_URL, DEFAULT_V2_CANADA_BASE_URL, async_v2_login
from .cloud_v3 import KumoCloudV3Client, KumoCloudV3Units
from .cloud_v3_api import DEFAULT_V3_BASE_URL, KumoCloudV3Api
from .cloud_v3_models import KumoCloudAdapterStatus, KumoCloudDevice, KumoCloudSite
from .errors import (
    KumoAdapterBusyError,
    KumoAuthenticationError,
    KumoCloudAuthError,
    KumoCloudCommandError,
    KumoCloudConnectionError,
    KumoCloudError,
    KumoCloudNoSecretsError,
    KumoCloudRateLimitError,
    KumoCloudSetpointRangeError,
    KumoCloudSignInRejectedError,
    KumoCloudThrottledError,
    KumoCommandRejectedError,
    KumoConnectionError,
    KumoCredentialsError,
    KumoError,
    KumoProtocolError,
    KumoValidationError,
)
from .fahrenheit import celsius_setpoint_to_fahrenheit, fahrenheit_setpoint_to_celsius
from .indoor_unit import INJECTED_ROOM_TEMP_RANGE, KumoIndoorUnit
from .models import (
    AdapterStatus,
    Capabilities,
    FanSpeed,
    IndoorUnitProfile,
    IndoorUnitState,
    IndoorUnitStatus,
    Mhk2Status,
    OperationMode,
    SetpointRange,
    StationState,
    TempSource,
    VaneDirection,
    WirelessSensor,
)
from .probe import ProbeResult, probe
from .records import (
    FieldSource,
    FieldSources,
    KumoUnitKind,
    KumoUnitRecord,
    merge_unit_record,
    merge_unit_records,
)
from .station import KumoStation
from .token import KumoCredentials, kumo_token

__all__ = [
    "DEFAULT_SOCKET_URL",
    "DEFAULT_V2_BASE_URL",
    "DEFAULT_V2_CANADA_BASE_URL",
    "DEFAULT_V3_BASE_URL",
    "INJECTED_ROOM_TEMP_RANGE",
    "KUMO_OUIS",
    "AdapterStatus",
    "AddressCheck",
    "AddressResolution",
    "Capabilities",
    "CloudAdapterUpdate",
    "CloudConnectionState",
    "CloudDeviceState",
    "CloudProblem",
    "CloudProfileUpdate",
    "CloudPushEvent",
    "CloudRateLimit",
    "CloudService",
    "FanSpeed",
    "FieldSource",
    "FieldSources",
    "IndoorUnitProfile",
    "IndoorUnitState",
    "IndoorUnitStatus",
    "KumoAdapterBusyError",
    "KumoAuthenticationError",
    "KumoCacheError",
    "KumoClientOptions",
    "KumoCloudAdapterStatus",
    "KumoCloudAuthError",
    "KumoCloudCommandError",
    "KumoCloudConnectionError",
    "KumoCloudControl",
    "KumoCloudDevice",
    "KumoCloudDiscovery",
    "KumoCloudEndpoints",
    "KumoCloudError",
    "KumoCloudIndoorUnit",
    "KumoCloudNoSecretsError",
    "KumoCloudOptions",
    "KumoCloudPush",
    "KumoCloudRateLimitError",
    "KumoCloudSetpointRangeError",
    "KumoCloudSignInRejectedError",
    "KumoCloudSite",
    "KumoCloudThrottledError",
    "KumoCloudTokens",
    "KumoCloudV3Api",
    "KumoCloudV3Client",
    "KumoCloudV3Units",
    "KumoCommandRejectedError",
    "KumoConnectionError",
    "KumoCredentials",
    "KumoCredentialsError",
    "KumoError",
    "KumoIndoorUnit",
    "KumoPollerOptions",
    "KumoProtocolError",
    "KumoStation",
    "KumoUnitClient",
    "KumoUnitKind",
    "KumoUnitRecord",
    "KumoValidationError",
    "Mhk2Status",
    "OperationMode",
    "ProbeAttempt",
    "ProbeResult",
    "PushBackoff",
    "SetpointRange",
    "StationState",
    "TempSource",
    "VaneDirection",
    "WirelessSensor",
    "async_check_address",
    "async_discover_units",
    "async_identify_address",
    "async_resolve_addresses",
    "async_v2_login",
    "build_kumo_cache",
    "celsius_setpoint_to_fahrenheit",
    "cloud_commands",
    "cloud_wait_floor",
    "fahrenheit_setpoint_to_celsius",
    "is_kumo_mac",
    "kumo_token",
    "merge_unit_record",
    "merge_unit_records",
    "normalize_address",
    "normalize_dhcp_sightings",
    "normalize_mac",
    "parse_kumo_cache",
    "parse_push_event",
    "probe",
]
