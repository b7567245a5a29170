"""The typed config entry: each entry belongs to one device family and holds its runtime data."""

from __future__ import annotations

from collections.abc import Callable, Mapping
import re
from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback

from .const import CONF_FAMILY, DOMAIN, FAMILY_KUMO, LOGGER

if TYPE_CHECKING:
    # The alias below is evaluated lazily: the families' data modules import this one.
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


# Home Assistant writes entries as UTF-8 JSON; a lone surrogate (e.g. "\udcff" escaped in a
# device's or a cache file's JSON) cannot be encoded, and the failed write would lose every
# entry's pending change, not only this one's.
_LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def storable(value: Any) -> Any:
    """`value` (JSON-like) with every lone surrogate in its text replaced by U+FFFD."""
    if isinstance(value, str):
        if _LONE_SURROGATE.search(value) is None:
            return value
        LOGGER.warning("Replacing text that cannot be saved: %s", ascii(value)[:80])
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, Mapping):
        return {storable(key): storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [storable(item) for item in value]
    return value


type DataChange = Callable[[Mapping[str, Any]], Mapping[str, Any]]


@callback
def async_update_entry(
    hass: HomeAssistant,
    entry: ConfigEntry[Any],
    *,
    data: DataChange | None = None,
    options: Mapping[str, Any] | None = None,
    title: str | None = None,
    unique_id: str | None = None,
) -> bool:
    """The one way this integration changes an entry; True if something changed.

    `data` maps the entry's data as it is *now* to its new data, and `options` are merged into
    the entry's current options: the read and the write happen in this callback, with no await
    between them, so whatever another flow saved while this one waited for a device or the
    cloud (keys typed into a repair, an address DHCP confirmed, a deleted unit) is kept.
    """
    if hass.config_entries.async_get_entry(entry.entry_id) is None:
        return False  # removed meanwhile: nothing left to save into
    changes: dict[str, Any] = {}
    if data is not None:
        changes["data"] = storable(dict(data(entry.data)))
    if options is not None:
        changes["options"] = storable({**entry.options, **options})
    if title is not None:
        changes["title"] = storable(title)
    if unique_id is not None:
        changes["unique_id"] = unique_id
    return hass.config_entries.async_update_entry(entry, **changes)
