"""Import (and export) of the hass-kumo / pykumo unit cache, `kumo_cache.json` (kumo.md §14).

A user migrating from hass-kumo already has every unit's secrets and address in that file,
including secrets the cloud stopped handing out in 2026-08 (§13.6). Two shapes exist and both
are v2 login layouts: pykumo ≥ 0.5 writes a skeleton
`[{}, {}, {"children": [{"zoneTable": {...}}]}]`, older versions saved the full v2 login reply
(zone tables at several depths). Parsing is pure: reading the file is the caller's job, so the
Home Assistant layer can do it off the event loop.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ._values import parse_json
from .cloud_v2 import parse_v2_zone_tree
from .errors import KumoError
from .records import FieldSource, KumoUnitKind, KumoUnitRecord


class KumoCacheError(KumoError, ValueError):
    """The content is not a usable kumo_cache.json (not JSON, or not the §14 layout)."""


def parse_kumo_cache(content: str | bytes) -> tuple[KumoUnitRecord, ...]:
    """Units of a kumo_cache.json given as its text; every field is tagged `cache`.

    Junk is tolerated per unit (placeholder addresses such as `N/A`/`empty`, undecodable
    secrets, entries without a serial, serials UTF-8 cannot encode): those values are dropped,
    the rest is kept; lone surrogates in names become U+FFFD. A file that
    is not JSON or not a §14 list raises `KumoCacheError`. An empty tuple means the file is
    valid but lists no units.
    """
    try:
        data = parse_json(content)
    except ValueError:  # undecodable bytes and absurd nesting included
        raise KumoCacheError("The Kumo cache file is not valid JSON") from None
    return parse_kumo_cache_data(data)


def parse_kumo_cache_data(data: object) -> tuple[KumoUnitRecord, ...]:
    """Same as `parse_kumo_cache`, for already-decoded JSON."""
    # hass-kumo itself ignores anything but a list of at least 3 elements (§14).
    if not isinstance(data, list) or len(data) < 3:
        raise KumoCacheError(
            "The Kumo cache file is not a hass-kumo/pykumo cache (expected a list of at "
            "least 3 elements)"
        )
    if not isinstance(data[2], dict):
        raise KumoCacheError("The Kumo cache file has no zone tree in its third element")
    return parse_v2_zone_tree(data[2], source=FieldSource.CACHE)


def build_kumo_cache(units: Iterable[KumoUnitRecord]) -> list[Any]:
    """The pykumo ≥ 0.5 skeleton (§14) for `units`: a backup hass-kumo/pykumo can read back.

    Contains the secrets. Unknown values are left out rather than written as placeholders.
    """
    table: dict[str, dict[str, Any]] = {}
    for unit in units:
        entry: dict[str, Any] = {"serial": unit.serial}
        if unit.kind is KumoUnitKind.STATION:
            entry["unitType"] = "headless"
        elif unit.sources.kind is not None:
            entry["unitType"] = "ductless"  # pykumo's word for "not a station"
        optional = {
            "label": unit.name,
            "password": unit.password_b64,
            "cryptoSerial": unit.crypto_serial_hex,
            "mac": unit.mac,
            "address": unit.address,
        }
        entry |= {key: value for key, value in optional.items() if value is not None}
        table[unit.serial] = entry
    return [{}, {}, {"children": [{"zoneTable": table}]}]
