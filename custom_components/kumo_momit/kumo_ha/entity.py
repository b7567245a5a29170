"""The Kumo base entity: one device per adapter; entities appear once the unit shows them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

from homeassistant.core import callback
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from ..const import DOMAIN
from ..entity import KumoMomitEntity
from ..kumo import KumoUnitKind
from .coordinator import KumoIndoorCoordinator, KumoStationCoordinator

if TYPE_CHECKING:
    from ..data import KumoMomitConfigEntry

KUMO_MANUFACTURER = "Mitsubishi Electric"


def kumo_device_info(coordinator: KumoIndoorCoordinator | KumoStationCoordinator) -> DeviceInfo:
    """One device per Kumo adapter, keyed by its serial, with its MAC as a connection."""
    unit = coordinator.unit
    info = DeviceInfo(
        identifiers={(DOMAIN, unit.serial)},
        manufacturer=KUMO_MANUFACTURER,
        name=unit.display_name,
        serial_number=unit.serial,
        # Until the cloud tells the real model number.
        model=unit.model
        or ("Kumo Station" if unit.kind is KumoUnitKind.STATION else "Kumo indoor unit"),
        # As the cloud last reported it; a cloud refresh updates it.
        sw_version=unit.firmware,
    )
    if unit.mac:
        info["connections"] = {(CONNECTION_NETWORK_MAC, unit.mac)}
    return info


class KumoEntity[CoordinatorT: KumoIndoorCoordinator | KumoStationCoordinator](
    KumoMomitEntity[CoordinatorT]
):
    """An entity of one Kumo adapter."""

    def __init__(self, coordinator: CoordinatorT, key: str | None) -> None:
        super().__init__(
            coordinator,
            device_id=coordinator.unit.serial,
            device_info=kumo_device_info(coordinator),
            key=key,
        )

    @property
    def available(self) -> bool:
        """Unavailable until the first successful poll, and after repeated failures."""
        return super().available and self.coordinator.data is not None


class _Description(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def exists_fn(self) -> Callable[[Any], bool]: ...


@callback
def async_add_entities_when_known[
    C: KumoIndoorCoordinator | KumoStationCoordinator,
    D: _Description,
](
    entry: KumoMomitConfigEntry,
    coordinator: C,
    descriptions: Iterable[D],
    make_entity: Callable[[C, D], Entity],
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add each entity once the unit's data shows it has what the entity reports.

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
