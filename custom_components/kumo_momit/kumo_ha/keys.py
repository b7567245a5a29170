"""Keys that are never lost: deleted units keep theirs, and every key can be exported.

Since 2026-08 the Kumo Cloud hands out no local keys (kumo.md §13.6), so the copy in the entry
may be the only one. Deleting a unit's device therefore moves the unit to the entry's
`deleted_units`, out of sight (no device, no entities, no polling), with its keys, MAC and
address. When the unit comes back (cloud refresh, DHCP, cache import) it comes back with them;
only a deliberate purge (options) forgets them.

The export writes every unit's keys as a `kumo_cache.json` in the §14 layout that hass-kumo and
pykumo read, into the configuration folder; the existing cache import reads it back. Units of a
cache already there are kept, and a file that is not a Kumo cache is never overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
import contextlib
from dataclasses import dataclass, field, replace
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant, callback

from ..const import LOGGER
from ..data import async_update_entry
from ..kumo import KumoUnitRecord, build_kumo_cache, merge_unit_record
from .const import CONF_DELETED_UNITS, CONF_ROOM_SENSORS, CONF_UNITS
from .data import deleted_units, stored_units, units_for_storage
from .flow_helpers import kumo_cache_path, read_kumo_cache

if TYPE_CHECKING:
    from ..data import KumoMomitConfigEntry


@callback
def async_delete_units(hass: HomeAssistant, entry: KumoMomitConfigEntry, serials: set[str]) -> None:
    """Take units out of sight (their device was deleted), keeping their keys in the entry."""
    gone = [unit for unit in stored_units(entry.data) if unit.serial in serials]
    if not gone:
        return

    def change(data: Mapping[str, Any]) -> dict[str, Any]:
        units = stored_units(data)
        kept = [unit for unit in deleted_units(data) if unit.serial not in serials]
        return {
            **data,
            CONF_UNITS: units_for_storage(u for u in units if u.serial not in serials),
            CONF_DELETED_UNITS: units_for_storage(
                [*kept, *(u for u in units if u.serial in serials)]
            ),
        }

    sensors = {
        serial: sensor
        for serial, sensor in entry.options.get(CONF_ROOM_SENSORS, {}).items()
        if serial not in serials
    }
    async_update_entry(hass, entry, data=change, options={CONF_ROOM_SENSORS: sensors})
    LOGGER.info(
        "Deleted %s; its local keys stay stored (out of sight) until purged in the options",
        ", ".join(unit.display_name for unit in gone),
    )


@callback
def async_forget_units(hass: HomeAssistant, entry: KumoMomitConfigEntry, serials: set[str]) -> None:
    """Purge deleted units for good: their keys are gone unless exported."""

    def change(data: Mapping[str, Any]) -> dict[str, Any]:
        remaining = [unit for unit in deleted_units(data) if unit.serial not in serials]
        changed = {**data, CONF_DELETED_UNITS: units_for_storage(remaining)}
        if not remaining:
            del changed[CONF_DELETED_UNITS]
        return changed

    async_update_entry(hass, entry, data=change)


# --- export --------------------------------------------------------------------------------


def write_kumo_cache(hass: HomeAssistant, units: list[KumoUnitRecord]) -> str | None:
    """Write `units` into `<config>/kumo_cache.json`; None, or the key of what went wrong.

    Never loses a key: units of an existing cache that are not ours are kept, and where we
    lack a unit's keys the file's stay; otherwise ours replace theirs. A file there that is not
    a Kumo cache is left alone. The file is a few kilobytes: written with plain `os` calls,
    readable by its owner only, swapped in atomically.
    """
    path = kumo_cache_path(hass)
    theirs: dict[str, KumoUnitRecord] = {}
    if path.exists():
        found = read_kumo_cache(hass)
        if isinstance(found, str):
            return "cache_in_the_way"
        theirs = {unit.serial: unit for unit in found}
    merged = [
        unit
        if unit.has_secrets or unit.serial not in theirs
        else merge_unit_record(theirs[unit.serial], unit)
        for unit in units
    ]
    ours = {unit.serial for unit in units}
    merged += [unit for serial, unit in theirs.items() if serial not in ours]
    content = json.dumps(build_kumo_cache(merged), indent=2)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        _write_private(temporary, content.encode())
        temporary.replace(path)
    except OSError as err:
        LOGGER.warning("Cannot write %s: %s", path, err.strerror)
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        return "export_failed"
    LOGGER.info("Wrote the local keys of %d Kumo units to %s", len(units), path)
    return None


def _write_private(path: Path, content: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, content)
    finally:
        os.close(fd)


# --- import --------------------------------------------------------------------------------


@dataclass
class CacheImport:
    """What importing a cache into an entry does, to show before it is done."""

    units: list[KumoUnitRecord] = field(default_factory=list)
    deleted: list[KumoUnitRecord] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        """Whether the import changes anything."""
        return bool(self.restored or self.completed or self.added)


def _fill_gaps(unit: KumoUnitRecord, cached: KumoUnitRecord) -> KumoUnitRecord:
    """What `unit` lacks, from the cache; what it has stays (a cache can be old: its names,
    keys and addresses never replace the entry's)."""
    gaps_only = replace(
        cached,
        name=None,
        model=None,
        site_name=None,
        group_name=None,
        mac=None if unit.mac else cached.mac,
    )
    return merge_unit_record(unit, gaps_only)


def plan_cache_import(
    units: list[KumoUnitRecord],
    deleted: list[KumoUnitRecord],
    cached: Iterable[KumoUnitRecord],
    *,
    elsewhere: set[str],
) -> CacheImport:
    """Deleted units in the cache come back (kept keys first), incomplete units take what
    they lack, and units the entry never had are added, unless another entry has them."""
    plan = CacheImport(deleted=list(deleted))
    by_serial = {unit.serial: unit for unit in cached if unit.serial not in elsewhere}
    for unit in units:
        cached_unit = by_serial.pop(unit.serial, None)
        if cached_unit is None or unit.is_complete:
            plan.units.append(unit)
            continue
        filled = _fill_gaps(unit, cached_unit)
        if filled != unit:
            plan.completed.append(filled.display_name)
        plan.units.append(filled)
    for kept in deleted:
        if (cached_unit := by_serial.pop(kept.serial, None)) is not None:
            plan.units.append(merge_unit_record(kept, cached_unit))
            plan.deleted.remove(kept)
            plan.restored.append(plan.units[-1].display_name)
    for cached_unit in by_serial.values():
        plan.units.append(cached_unit)
        plan.added.append(cached_unit.display_name)
    return plan
