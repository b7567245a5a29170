"""Constants of Kumo account entries: entry data, form fields, options, timings."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

# --- entry data and form fields ------------------------------------------------------------
CONF_UNITS: Final = "units"
CONF_ADDRESS: Final = "address"
CONF_UNIT_PASSWORD: Final = "unit_password"  # noqa: S105 - a form field name, not a secret
CONF_CRYPTO_SERIAL: Final = "crypto_serial"
CONF_V3_BASE_URL: Final = "v3_base_url"
CONF_V2_BASE_URL: Final = "v2_base_url"
CONF_V2_CA_BASE_URL: Final = "v2_ca_base_url"
# The collapsed form section holding the three server URLs (advanced mode).
CONF_CLOUD_SERVERS: Final = "cloud_servers"
# "Finish this unit later" (through its repair issue).
CONF_SKIP: Final = "skip"

# --- options -------------------------------------------------------------------------------
CONF_SCAN_INTERVAL: Final = "scan_interval"
CONF_REFRESH_FROM_CLOUD: Final = "refresh_from_cloud"
DEFAULT_SCAN_INTERVAL: Final = timedelta(seconds=60)
MIN_SCAN_INTERVAL_S: Final = 15
MAX_SCAN_INTERVAL_S: Final = 300

# --- polling and commands ------------------------------------------------------------------
# A unit rides through this many failed polls in a row before its entities go unavailable.
KUMO_TRANSIENT_FAILURES: Final = 1
# A burst of commands ends in one confirming status read this long after the last one.
REFRESH_COOLDOWN_S: Final = 1.5

# hass-kumo's cache of units, in the Home Assistant config folder.
KUMO_CACHE_FILENAME: Final = "kumo_cache.json"
