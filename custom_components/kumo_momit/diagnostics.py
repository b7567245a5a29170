"""Diagnostics: the entry and each device's parsed state (by its family), secrets redacted."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from enum import Enum
import re
from typing import Any, Final

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntry

from .const import DOMAIN
from .data import KumoMomitConfigEntry
from .kumo_ha.data import KumoRuntimeData
from .kumo_ha.diagnostics import kumo_device_diagnostics
from .momit_ha.diagnostics import momit_device_diagnostics

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


# `scheme://user:password@host`: a custom server URL may carry credentials in its userinfo.
_URL_USERINFO: Final = re.compile(r"(?<=://)[^/?#@\s]+@")


def _without_userinfo(value: Any) -> Any:
    """`value` with the userinfo of every URL in it redacted, at any depth."""
    if isinstance(value, str):
        return _URL_USERINFO.sub("**REDACTED**@", value)
    if isinstance(value, dict):
        return {k: _without_userinfo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_userinfo(v) for v in value]
    return value


def _redact(data: dict[str, Any]) -> dict[str, Any]:
    """Secret keys and URL credentials redacted."""
    redacted: dict[str, Any] = _without_userinfo(async_redact_data(data, TO_REDACT))
    return redacted


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


def _devices(entry: KumoMomitConfigEntry) -> dict[str, dict[str, Any]]:
    """Each device's diagnostics by its device identifier, from the entry's family."""
    runtime = entry.runtime_data
    if isinstance(runtime, KumoRuntimeData):
        return kumo_device_diagnostics(runtime)
    return momit_device_diagnostics(runtime)


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: KumoMomitConfigEntry
) -> dict[str, Any]:
    """The entry (secrets redacted) and every device's last state."""
    return _redact(
        _plain(
            {
                "entry": {
                    "title": entry.title,
                    "data": dict(entry.data),
                    "options": dict(entry.options),
                },
                "devices": list(_devices(entry).values()),
            }
        )
    )


async def async_get_device_diagnostics(
    hass: HomeAssistant, entry: KumoMomitConfigEntry, device: DeviceEntry
) -> dict[str, Any]:
    """One device's last state."""
    devices = _devices(entry)
    state = next(
        (
            devices[value]
            for domain, value in device.identifiers
            if domain == DOMAIN and value in devices
        ),
        None,
    )
    return _redact({"device": _plain(state)})
