"""Constants shared by both device families of the Mitsubishi Kumo & Momit Cool integration.

Each family keeps its own in `kumo_ha/const.py` and `momit_ha/const.py`.
"""

from __future__ import annotations

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

# A device's serial: a Kumo unit picked in a form, a Momit node kept in its entry.
CONF_SERIAL: Final = "serial"
