"""Base entities: device info is built once per device, here."""

from __future__ import annotations

from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import KumoIndoorCoordinator, KumoStationCoordinator, MomitNodeCoordinator
from .kumo import KumoUnitKind

KUMO_MANUFACTURER = "Mitsubishi Electric"
# Shown until the cloud tells the real model number.
_DEFAULT_MODEL = {
    KumoUnitKind.INDOOR_UNIT: "Kumo indoor unit",
    KumoUnitKind.STATION: "Kumo Station",
}


def kumo_device_info(coordinator: KumoIndoorCoordinator | KumoStationCoordinator) -> DeviceInfo:
    """One device per Kumo adapter, keyed by its serial, with its MAC as a connection."""
    unit = coordinator.unit
    info = DeviceInfo(
        identifiers={(DOMAIN, unit.serial)},
        manufacturer=KUMO_MANUFACTURER,
        name=unit.display_name,
        serial_number=unit.serial,
        model=unit.model
        or ("Kumo Station" if unit.kind is KumoUnitKind.STATION else "Kumo indoor unit"),
    )
    if unit.mac:
        info["connections"] = {(CONNECTION_NETWORK_MAC, unit.mac)}
    return info


class KumoEntity[CoordinatorT: KumoIndoorCoordinator | KumoStationCoordinator](
    CoordinatorEntity[CoordinatorT]
):
    """An entity of one Kumo adapter."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: CoordinatorT, key: str | None) -> None:
        super().__init__(coordinator)
        serial = coordinator.unit.serial
        self._attr_unique_id = serial if key is None else f"{serial}-{key}"
        self._attr_device_info = kumo_device_info(coordinator)

    @property
    def available(self) -> bool:
        """Unavailable until the first successful poll, and after repeated failures."""
        return super().available and self.coordinator.data is not None


def momit_device_info(coordinator: MomitNodeCoordinator) -> DeviceInfo:
    """One device per Momit Cool AC node, keyed by its serial (its gateway port changes)."""
    node = coordinator.node
    return DeviceInfo(
        identifiers={(DOMAIN, f"momit-{node.serial}")},
        manufacturer=node.manufacturer or "Momit",
        model=node.model or "Momit Cool",
        name=f"Momit Cool {node.serial[-6:]}",
        serial_number=node.serial,
        sw_version=node.firmware,
    )


class MomitEntity(CoordinatorEntity[MomitNodeCoordinator]):
    """An entity of one Momit Cool node."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: MomitNodeCoordinator, key: str | None) -> None:
        super().__init__(coordinator)
        base = f"momit-{coordinator.node.serial}"
        self._attr_unique_id = base if key is None else f"{base}-{key}"
        self._attr_device_info = momit_device_info(coordinator)
