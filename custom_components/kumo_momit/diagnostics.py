"""Diagnostics: the entry and each device's parsed state, with every secret redacted."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from enum import Enum
from typing import Any, Final

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntry

from .const import DOMAIN
from .data import KumoMomitConfigEntry, KumoRuntimeData, MomitRuntimeData

# Account login, local keys, and what identifies the household's devices.
TO_REDACT: Final = {
    CONF_PASSWORD,
    CONF_USERNAME,
    "crypto_serial",
    "crypto_serial_hex",
    "password_b64",
    "access",
    "refresh",
    "token",
    "serial",
    "mac",
    "address",
    "host",
    "uuid",
    "unique_id",
    "title",
}


def _plain(value: Any) -> Any:
    """Dataclasses and enums as JSON-ready values."""
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _devices(entry: KumoMomitConfigEntry) -> list[dict[str, Any]]:
    runtime = entry.runtime_data
    devices: list[dict[str, Any]] = []
    if isinstance(runtime, KumoRuntimeData):
        for coordinator in runtime.coordinators:
            devices.append(
                {
                    "name": coordinator.unit.display_name,
                    "serial": coordinator.unit.serial,
                    "kind": coordinator.unit.kind.value,
                    "last_update_success": coordinator.last_update_success,
                    "http_requests": coordinator.device.client.http_attempts,
                    "state": _plain(coordinator.data),
                }
            )
    elif isinstance(runtime, MomitRuntimeData):
        for node in runtime.nodes.values():
            devices.append(
                {
                    "name": f"Momit Cool {node.node.serial[-6:]}",
                    "serial": node.node.serial,
                    "port": node.client.port,
                    "push_active": node.client.push_active,
                    "relay_reply_ports": sorted(
                        node.client.link.relay.reply_ports if node.client.link.relay else ()
                    ),
                    "last_update_success": node.last_update_success,
                    "timer_minutes": node.timer_minutes,
                    "state": _plain(node.data),
                }
            )
    return devices


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: KumoMomitConfigEntry
) -> dict[str, Any]:
    """The entry (secrets redacted) and every device's last state."""
    return async_redact_data(
        {
            "entry": {
                "title": entry.title,
                "data": _plain(dict(entry.data)),
                "options": dict(entry.options),
            },
            "devices": _devices(entry),
        },
        TO_REDACT,
    )


async def async_get_device_diagnostics(
    hass: HomeAssistant, entry: KumoMomitConfigEntry, device: DeviceEntry
) -> dict[str, Any]:
    """One device's last state."""
    serials = {
        identifier.removeprefix("momit-")
        for domain, identifier in device.identifiers
        if domain == DOMAIN
    }
    state = [d for d in _devices(entry) if d["serial"] in serials]
    return async_redact_data({"device": state[0] if state else None}, TO_REDACT)
