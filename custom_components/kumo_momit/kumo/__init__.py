"""Async library for the Mitsubishi Kumo local adapter API (spec: kumo.md).

No Home Assistant imports: this package could be published as it is. The HTTP session is
injected by the caller (Home Assistant's shared aiohttp session).
"""

from __future__ import annotations

from .cache import KumoCacheError, build_kumo_cache, parse_kumo_cache
from .client import (
    KumoIndoorUnit,
    KumoStation,
    KumoUnitClient,
    ProbeResult,
    probe,
)
from .cloud import (
    DEFAULT_V2_BASE_URL,
    DEFAULT_V2_CANADA_BASE_URL,
    DEFAULT_V3_BASE_URL,
    FieldSource,
    FieldSources,
    KumoCloudEndpoints,
    KumoUnitKind,
    KumoUnitRecord,
    async_discover_units,
    merge_unit_records,
    normalize_mac,
)
from .discovery import async_check_address, async_identify_address, async_resolve_addresses
from .errors import (
    KumoAdapterBusyError,
    KumoAuthenticationError,
    KumoCloudAuthError,
    KumoCloudConnectionError,
    KumoCloudError,
    KumoCloudNoSecretsError,
    KumoCloudThrottledError,
    KumoCommandRejectedError,
    KumoConnectionError,
    KumoCredentialsError,
    KumoError,
    KumoProtocolError,
    KumoValidationError,
)
from .fahrenheit import celsius_setpoint_to_fahrenheit, fahrenheit_setpoint_to_celsius
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
from .token import KumoCredentials, kumo_token

__all__ = [
    "DEFAULT_V2_BASE_URL",
    "DEFAULT_V2_CANADA_BASE_URL",
    "DEFAULT_V3_BASE_URL",
    "AdapterStatus",
    "Capabilities",
    "FanSpeed",
    "FieldSource",
    "FieldSources",
    "IndoorUnitProfile",
    "IndoorUnitState",
    "IndoorUnitStatus",
    "KumoAdapterBusyError",
    "KumoAuthenticationError",
    "KumoCacheError",
    "KumoCloudAuthError",
    "KumoCloudConnectionError",
    "KumoCloudEndpoints",
    "KumoCloudError",
    "KumoCloudNoSecretsError",
    "KumoCloudThrottledError",
    "KumoCommandRejectedError",
    "KumoConnectionError",
    "KumoCredentials",
    "KumoCredentialsError",
    "KumoError",
    "KumoIndoorUnit",
    "KumoProtocolError",
    "KumoStation",
    "KumoUnitClient",
    "KumoUnitKind",
    "KumoUnitRecord",
    "KumoValidationError",
    "Mhk2Status",
    "OperationMode",
    "ProbeResult",
    "SetpointRange",
    "StationState",
    "TempSource",
    "VaneDirection",
    "WirelessSensor",
    "async_check_address",
    "async_discover_units",
    "async_identify_address",
    "async_resolve_addresses",
    "build_kumo_cache",
    "celsius_setpoint_to_fahrenheit",
    "fahrenheit_setpoint_to_celsius",
    "kumo_token",
    "merge_unit_records",
    "normalize_mac",
    "parse_kumo_cache",
    "probe",
]
