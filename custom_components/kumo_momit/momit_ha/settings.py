"""What the Momit glue runs with that is no user's choice: client timings and the port scan.

Production uses the library's defaults. Tests put their own settings into `hass.data` before
an entry is set up or a flow starts (short timings, a scan of the simulator's port window).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from homeassistant.core import HomeAssistant
from homeassistant.util.hass_dict import HassKey

from ..const import DOMAIN
from ..momit import DEFAULT_OPTIONS, DEFAULT_SCAN, MomitClientOptions, ScanOptions


@dataclass(frozen=True, kw_only=True)
class MomitSettings:
    """Settings read when a Momit entry is set up and when the config flow searches."""

    # Timings, relay and relocation scan of every Momit Cool client.
    client: MomitClientOptions = DEFAULT_OPTIONS
    # How the config flow searches a gateway for its Momit Cool nodes.
    scan: ScanOptions = DEFAULT_SCAN


MOMIT_SETTINGS: Final[HassKey[MomitSettings]] = HassKey(f"{DOMAIN}_momit_settings")
_DEFAULT_SETTINGS: Final = MomitSettings()


def momit_settings(hass: HomeAssistant) -> MomitSettings:
    """The settings in effect: what was put into `hass.data`, else the defaults."""
    return hass.data.get(MOMIT_SETTINGS, _DEFAULT_SETTINGS)
