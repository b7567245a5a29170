"""The typed config entry: each entry belongs to one device family and holds its runtime data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback

from .const import CONF_FAMILY, DOMAIN, FAMILY_KUMO
from .kumo_ha.data import KumoRuntimeData
from .momit_ha.data import MomitRuntimeData

type KumoMomitConfigEntry = ConfigEntry[KumoRuntimeData | MomitRuntimeData]


def entry_family(data: Mapping[str, Any]) -> str:
    """The device family of an entry's data (`FAMILY_KUMO` or `FAMILY_MOMIT`).

    Entries that carry no family are Kumo accounts: the family key came with Momit support.
    """
    return str(data.get(CONF_FAMILY, FAMILY_KUMO))


@callback
def async_family_entries(hass: HomeAssistant, family: str) -> list[ConfigEntry[Any]]:
    """This integration's entries of one device family."""
    return [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry_family(entry.data) == family
    ]
