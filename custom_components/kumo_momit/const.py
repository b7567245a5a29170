"""Constants for the Mitsubishi Kumo & Momit Cool (local) integration."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "kumo_momit"
LOGGER: Final = logging.getLogger(__package__)
