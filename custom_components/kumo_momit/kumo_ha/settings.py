"""What the Kumo glue runs with that is no user's choice: the clock of the pollers' cadences
and of cloud control, and the push channel's reconnection back-off.

Production uses the defaults. Tests and benchmarks put their own settings into `hass.data`
before an entry is set up (e.g. a clock they advance to simulate an hour of polls).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
import time
from typing import Final

from homeassistant.core import HomeAssistant
from homeassistant.util.hass_dict import HassKey

from ..const import DOMAIN
from ..kumo import PushBackoff


@dataclass(frozen=True, kw_only=True)
class KumoSettings:
    """Settings read when a Kumo entry is set up."""

    # Monotonic seconds deciding when a unit's profile, adapter status and sensors are due,
    # how long a cloud command is trusted before its push, and a 429's back-off.
    clock: Callable[[], float] = time.monotonic
    # Reconnection delays of the Kumo Cloud push channel.
    push_backoff: PushBackoff = field(default_factory=PushBackoff)
    # Time between two REST reads of an account's cloud units while push is down (None: from
    # the unit count, see `KumoCloudLink.read_spacing`). Whether a unit is due is decided on
    # `clock`, so tests tick fast here and move `clock` by minutes.
    cloud_read_spacing: timedelta | None = None


KUMO_SETTINGS: Final[HassKey[KumoSettings]] = HassKey(f"{DOMAIN}_kumo_settings")
_DEFAULT_SETTINGS: Final = KumoSettings()


def kumo_settings(hass: HomeAssistant) -> KumoSettings:
    """The settings in effect: what was put into `hass.data`, else the defaults."""
    return hass.data.get(KUMO_SETTINGS, _DEFAULT_SETTINGS)
