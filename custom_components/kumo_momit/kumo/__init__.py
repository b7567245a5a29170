"""Async library for the Mitsubishi Kumo local adapter API (spec: kumo.md).

No Home Assistant imports: this package could be published as it is. The HTTP session is
injected by the caller (Home Assistant's shared aiohttp session).
"""

from __future__ import annotations

from .client import (
    KumoIndoorUnit,
    KumoStation,
    KumoUnitClient,
    ProbeResult,
    probe,
)
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
    "AdapterStatus",
    "Capabilities",
    "FanSpeed",
    "IndoorUnitProfile",
    "IndoorUnitState",
    "IndoorUnitStatus",
    "KumoAdapterBusyError",
    "KumoAuthenticationError",
    "KumoCloudAuthError",
    "KumoCloudConnectionError",
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
    "KumoValidationError",
    "Mhk2Status",
    "OperationMode",
    "ProbeResult",
    "SetpointRange",
    "StationState",
    "TempSource",
    "VaneDirection",
    "WirelessSensor",
    "kumo_token",
    "probe",
]
