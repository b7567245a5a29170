"""The auto-off timer of a Momit Cool node: minutes sent with every "on" command."""

from __future__ import annotations

from homeassistant.components.number import NumberMode, RestoreNumber
from homeassistant.const import EntityCategory, UnitOfTime
from homeassistant.core import callback
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from ..momit import DEFAULT_LIMITS
from .coordinator import MomitNodeCoordinator
from .data import MomitRuntimeData
from .entity import MomitEntity


@callback
def async_setup_momit_numbers(
    runtime: MomitRuntimeData, async_add_entities: AddEntitiesCallback
) -> None:
    """One timer per node."""
    async_add_entities(MomitTimerNumber(coordinator) for coordinator in runtime.nodes.values())


class MomitTimerNumber(MomitEntity, RestoreNumber):
    """Minutes until the AC switches itself off, sent as `t=` when turning on.

    The node's own upper bound is unknown; 1440 min (24 h) is what the original library sends
    (momit.md §5.1), so it is both the default and the maximum. 0 is not offered: with a
    setpoint its meaning is unknown ("no timer" or "off").
    """

    _attr_translation_key = "auto_off_timer"
    _attr_entity_category = EntityCategory.CONFIG
    _attr_mode = NumberMode.BOX
    _attr_native_min_value = 1
    _attr_native_max_value = DEFAULT_LIMITS.max_timer_minutes
    _attr_native_step = 1
    _attr_native_unit_of_measurement = UnitOfTime.MINUTES

    def __init__(self, coordinator: MomitNodeCoordinator) -> None:
        super().__init__(coordinator, "auto_off_timer")

    async def async_added_to_hass(self) -> None:
        """Keep the user's timer across restarts."""
        await super().async_added_to_hass()
        last = await self.async_get_last_number_data()
        if last is not None and last.native_value is not None:
            minutes = int(last.native_value)
            if self._attr_native_min_value <= minutes <= self._attr_native_max_value:
                self.coordinator.timer_minutes = minutes

    @property
    def native_value(self) -> float:
        """The timer the next "on" command will carry."""
        return self.coordinator.timer_minutes

    @property
    def available(self) -> bool:
        """A setting of ours: usable even while the node is unreachable."""
        return True

    async def async_set_native_value(self, value: float) -> None:
        """Store the timer (range-checked by Home Assistant against min/max)."""
        self.coordinator.timer_minutes = int(value)
        self.async_write_ha_state()
