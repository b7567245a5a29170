"""Small helpers shared by the entity platforms."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from homeassistant.core import callback
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .data import KumoMomitConfigEntry


class _Description(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def exists_fn(self) -> Callable[[Any], bool]: ...


@callback
def async_add_entities_when_known[C: DataUpdateCoordinator[Any], D: _Description](
    entry: KumoMomitConfigEntry,
    coordinator: C,
    descriptions: Iterable[D],
    make_entity: Callable[[C, D], Entity],
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add each entity once the device's data shows it has what the entity reports.

    A unit that was unreachable at start-up gets its sensors when it first answers, without a
    reload; a unit never gets entities for hardware it does not have.
    """
    pending = list(descriptions)

    @callback
    def _add_known() -> None:
        data = coordinator.data
        if data is None or not pending:
            return
        ready = [d for d in pending if d.exists_fn(data)]
        for description in ready:
            pending.remove(description)
        if ready:
            async_add_entities(make_entity(coordinator, d) for d in ready)

    _add_known()
    entry.async_on_unload(coordinator.async_add_listener(_add_known))
