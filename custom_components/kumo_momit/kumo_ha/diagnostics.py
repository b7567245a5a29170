"""What the diagnostics show of a Kumo account's units (redacted by the caller)."""

from __future__ import annotations

from typing import Any

from ..kumo import KumoCloudIndoorUnit
from .data import KumoRuntimeData


def kumo_device_diagnostics(runtime: KumoRuntimeData) -> dict[str, dict[str, Any]]:
    """Each unit's last state and request count, by device identifier (the unit's serial)."""
    return {
        coordinator.unit.serial: {
            "name": coordinator.unit.display_name,
            "serial": coordinator.unit.serial,
            "kind": coordinator.unit.kind.value,
            "last_update_success": coordinator.last_update_success,
            "reached_via": coordinator.via,
            # Local units: requests to the adapter; cloud units: the account's REST requests.
            "http_requests": (
                coordinator.device.control.requests
                if isinstance(coordinator.device, KumoCloudIndoorUnit)
                else coordinator.device.client.http_attempts
            ),
            "state": coordinator.data,
        }
        for coordinator in runtime.coordinators
    }
