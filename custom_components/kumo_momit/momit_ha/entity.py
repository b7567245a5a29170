"""The Momit base entity: one device per Momit Cool AC node."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceInfo

from ..const import DOMAIN
from ..entity import KumoMomitEntity
from .coordinator import MomitNodeCoordinator


def momit_device_info(coordinator: MomitNodeCoordinator) -> DeviceInfo:
    """One device per Momit Cool AC node, keyed by its serial (its gateway port changes)."""
    node = coordinator.node
    return DeviceInfo(
        identifiers={(DOMAIN, node.device_id)},
        manufacturer=node.manufacturer or "Momit",
        model=node.model or "Momit Cool",
        name=node.display_name,
        serial_number=node.serial,
        sw_version=node.firmware,
    )


class MomitEntity(KumoMomitEntity[MomitNodeCoordinator]):
    """An entity of one Momit Cool node."""

    def __init__(self, coordinator: MomitNodeCoordinator, key: str | None) -> None:
        super().__init__(
            coordinator,
            device_id=coordinator.node.device_id,
            device_info=momit_device_info(coordinator),
            key=key,
        )
