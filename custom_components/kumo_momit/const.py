"""Constants for the Mitsubishi Kumo & Momit Cool (local) integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

from homeassistant.const import Platform

DOMAIN: Final = "kumo_momit"
LOGGER: Final = logging.getLogger(__package__)

PLATFORMS: Final = [
    Platform.BINARY_SENSOR,
    Platform.CLIMATE,
    Platform.NUMBER,
    Platform.SENSOR,
]

# Every entry belongs to one device family: a Kumo Cloud account or a Momit gateway.
CONF_FAMILY: Final = "family"
FAMILY_KUMO: Final = "kumo"
FAMILY_MOMIT: Final = "momit"

# --- Kumo entries ------------------------------------------------------------------------
CONF_UNITS: Final = "units"
CONF_SERIAL: Final = "serial"
CONF_ADDRESS: Final = "address"
CONF_UNIT_PASSWORD: Final = "unit_password"  # noqa: S105 - a form field name, not a secret
CONF_CRYPTO_SERIAL: Final = "crypto_serial"
CONF_V3_BASE_URL: Final = "v3_base_url"
CONF_V2_BASE_URL: Final = "v2_base_url"
CONF_V2_CA_BASE_URL: Final = "v2_ca_base_url"
CONF_SCAN_INTERVAL: Final = "scan_interval"
CONF_REFRESH_FROM_CLOUD: Final = "refresh_from_cloud"

DEFAULT_SCAN_INTERVAL: Final = timedelta(seconds=60)
MIN_SCAN_INTERVAL_S: Final = 15
MAX_SCAN_INTERVAL_S: Final = 300
# A unit rides through this many failed polls in a row before its entities go unavailable.
KUMO_TRANSIENT_FAILURES: Final = 1
# A burst of commands ends in one confirming status read this long after the last one.
REFRESH_COOLDOWN_S: Final = 1.5

KUMO_CACHE_FILENAME: Final = "kumo_cache.json"

# --- Momit entries -----------------------------------------------------------------------
CONF_NODES: Final = "nodes"
CONF_MANUFACTURER: Final = "manufacturer"
CONF_FIRMWARE: Final = "firmware"
CONF_MIN_TEMP: Final = "min_temp"
CONF_MAX_TEMP: Final = "max_temp"
CONF_TEMP_STEP: Final = "temp_step"
# Where the spec has no range, typical AC remotes allow 16-30 °C in 0.5 °C steps (momit.md §5.1).
DEFAULT_MOMIT_MIN_TEMP: Final = 16.0
DEFAULT_MOMIT_MAX_TEMP: Final = 30.0
DEFAULT_MOMIT_TEMP_STEP: Final = 0.5
# Polled only while push (observe) is down.
MOMIT_POLL_INTERVAL: Final = timedelta(seconds=60)
