"""Constants of Momit gateway entries: entry data, options, polling."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

# --- entry data ----------------------------------------------------------------------------
CONF_NODES: Final = "nodes"
CONF_MANUFACTURER: Final = "manufacturer"
CONF_FIRMWARE: Final = "firmware"

# --- options -------------------------------------------------------------------------------
CONF_MIN_TEMP: Final = "min_temp"
CONF_MAX_TEMP: Final = "max_temp"
CONF_TEMP_STEP: Final = "temp_step"
# Where the spec has no range, typical AC remotes allow 16-30 °C in 0.5 °C steps (momit.md §5.1).
DEFAULT_MOMIT_MIN_TEMP: Final = 16.0
DEFAULT_MOMIT_MAX_TEMP: Final = 30.0
DEFAULT_MOMIT_TEMP_STEP: Final = 0.5

# Polled only while push (observe) is down.
MOMIT_POLL_INTERVAL: Final = timedelta(seconds=60)
