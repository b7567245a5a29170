"""The base entity of both device families: one device per unit or node, entities named by it."""

from __future__ import annotations

from typing import Any

from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity, DataUpdateCoordinator


class KumoMomitEntity[CoordinatorT: DataUpdateCoordinator[Any]](CoordinatorEntity[CoordinatorT]):
    """An entity of one device, kept up to date by that device's coordinator."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: CoordinatorT,
        *,
        device_id: str,
        device_info: DeviceInfo,
        key: str | None,
    ) -> None:
        super().__init__(coordinator)
        # The device's main entity (climate) takes the device's id; the others add their key.
        self._attr_unique_id = device_id if key is None else f"{device_id}-{key}"
        self._attr_device_info = device_info
