"""Regulating a Kumo indoor unit on any Home Assistant temperature sensor (kumo.md §6.1).

The adapter takes a room temperature over its local API: `tempSource: "api"`, then `roomTemp`
about every 20 s; without a fresh value it falls back to its own thermistor (§6.1). One
`RoomSensorFeed` per unit with a chosen sensor sends the sensor's value (°C, one decimal) on
every change and as a keep-alive, through the unit's lock like every other request.

It never leaves a unit regulating on a stale value: when the sensor goes unavailable, reports
something that is not a plausible temperature or stops reporting, sending stops, the adapter
falls back by itself, and the user is told once (a log line and a repair issue naming the
sensor); sending resumes when the sensor does. When the feed ends (option cleared, entry
unloaded, unit deleted) the unit's own source is written back. `tempSource` persists in the
adapter (§6.1), so at start-up a unit left on `api` with no sensor chosen is restored too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from datetime import datetime
from typing import TYPE_CHECKING, Any

from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    UnitOfTemperature,
)
from homeassistant.core import CALLBACK_TYPE, Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.event import (
    async_call_later,
    async_track_state_change_event,
    async_track_time_interval,
)
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_conversion import TemperatureConverter

from ..const import DOMAIN, LOGGER
from ..kumo import INJECTED_ROOM_TEMP_RANGE, KumoError, KumoIndoorUnit, TempSource
from .const import (
    CONF_ROOM_SENSORS,
    ROOM_SENSOR_KEEP_ALIVE,
    ROOM_SENSOR_MIN_GAP,
    ROOM_SENSOR_STALE_AFTER,
)
from .coordinator import KumoIndoorCoordinator

if TYPE_CHECKING:
    from ..data import KumoMomitConfigEntry

_TEMPERATURE_UNITS = {unit.value for unit in UnitOfTemperature}


def room_sensor_of(entry: KumoMomitConfigEntry, serial: str) -> str | None:
    """The entity id of the sensor a unit regulates on, if the user chose one."""
    sensor = entry.options.get(CONF_ROOM_SENSORS, {}).get(serial)
    return str(sensor) if sensor else None


def sensor_celsius(hass: HomeAssistant, entity_id: str) -> tuple[float | None, str]:
    """The sensor's reading in °C, or None and why it is not usable (for the log)."""
    state = hass.states.get(entity_id)
    if state is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
        return None, "unavailable"
    try:
        value = float(state.state)
    except ValueError:
        return None, f"not a number ({state.state[:20]!r})"
    unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) or hass.config.units.temperature_unit
    if unit not in _TEMPERATURE_UNITS:
        return None, f"not a temperature ({unit!r})"
    celsius = TemperatureConverter.convert(value, unit, UnitOfTemperature.CELSIUS)
    low, high = INJECTED_ROOM_TEMP_RANGE
    if not low <= celsius <= high:
        return None, f"implausible ({celsius:.1f} °C)"
    if dt_util.utcnow() - state.last_reported > ROOM_SENSOR_STALE_AFTER:
        minutes = ROOM_SENSOR_STALE_AFTER.total_seconds() / 60
        return None, f"silent for more than {minutes:.0f} minutes"
    return round(celsius, 1), "ok"


def room_sensor_error(hass: HomeAssistant, entity_id: str, serial: str) -> str | None:
    """Why an entity cannot regulate unit `serial` (a form error key), or None if it can.

    A sensor of the unit itself would feed the unit its own reading back. Otherwise only what
    the state machine shows is checked: a sensor that is unavailable right now is accepted (the
    feed waits for it), one that is no temperature is not.
    """
    registered = er.async_get(hass).async_get(entity_id)
    if registered is not None and registered.platform == DOMAIN:
        unique_id = registered.unique_id
        if unique_id == serial or unique_id.startswith(f"{serial}-"):
            return "own_unit_sensor"
    state = hass.states.get(entity_id)
    if state is None:
        return None
    unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
    if state.attributes.get(ATTR_DEVICE_CLASS) != "temperature" or unit not in _TEMPERATURE_UNITS:
        return "not_a_temperature_sensor"
    return None


class RoomSensorFeed:
    """Feeds one unit with one Home Assistant sensor's temperature while it is trustworthy."""

    def __init__(
        self, hass: HomeAssistant, entry: KumoMomitConfigEntry, coordinator: KumoIndoorCoordinator
    ) -> None:
        """`coordinator` is the unit's; the sensor is the one its options name."""
        self._hass = hass
        self._entry = entry
        self._coordinator = coordinator
        self.entity_id = room_sensor_of(entry, coordinator.unit.serial) or ""
        self._issue_id = f"{entry.entry_id}_{coordinator.unit.serial}_room_sensor"
        self._unsubscribe: list[CALLBACK_TYPE] = []
        self._later: CALLBACK_TYPE | None = None
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self._sent_c: float | None = None
        self._sent_at: datetime | None = None
        self._lost: str | None = None
        self._wrote_api = False
        self._previous_source: TempSource | None = None
        self._stopped = False

    @property
    def name(self) -> str:
        """The unit's name, for the log and the repair issue."""
        return self._coordinator.unit.display_name

    @property
    def sending(self) -> bool:
        """Whether the sensor is usable and its value is being sent."""
        return self._lost is None and not self._stopped

    @callback
    def async_start(self) -> None:
        """Follow the sensor's changes and keep the value alive in the adapter."""
        self._unsubscribe = [
            async_track_state_change_event(self._hass, [self.entity_id], self._on_change),
            async_track_time_interval(
                self._hass,
                self._on_keep_alive,
                ROOM_SENSOR_KEEP_ALIVE,
                name=f"Kumo {self.name} room sensor keep-alive",
            ),
        ]
        self.async_tick()

    @callback
    def _on_change(self, event: Event[EventStateChangedData]) -> None:
        self._evaluate(keep_alive=False)

    @callback
    def _on_keep_alive(self, now: datetime) -> None:
        self.async_tick()

    @callback
    def async_tick(self) -> None:
        """One keep-alive: send the current value again (or notice the sensor is gone)."""
        self._evaluate(keep_alive=True)

    @callback
    def _evaluate(self, *, keep_alive: bool) -> None:
        if self._stopped:
            return
        celsius, why = sensor_celsius(self._hass, self.entity_id)
        if celsius is None:
            self._lose(why)
            return
        self._recover()
        if not keep_alive:
            if celsius == self._sent_c:
                return  # nothing new: the keep-alive carries it
            wait = self._wait_before_change()
            if wait > 0:
                if self._later is None:
                    self._later = async_call_later(self._hass, wait, self._send_later)
                return
        self._send(celsius)

    def _wait_before_change(self) -> float:
        if self._sent_at is None:
            return 0.0
        return (ROOM_SENSOR_MIN_GAP - (dt_util.utcnow() - self._sent_at)).total_seconds()

    @callback
    def _send_later(self, now: datetime) -> None:
        self._later = None
        self.async_tick()

    @callback
    def _send(self, celsius: float) -> None:
        if self._task is not None and not self._task.done():
            self._again = True  # one request of ours at a time; the newest value goes next
            return
        self._task = self._entry.async_create_background_task(
            self._hass, self._async_send(celsius), f"Kumo {self.name} room temperature"
        )

    async def _async_send(self, celsius: float) -> None:
        device = self._coordinator.device
        if not isinstance(device, KumoIndoorUnit):
            return  # injection is local-only (kumo.md §6.1); cloud units are never fed
        state = device.state
        if state is None or not self._coordinator.last_update_success:
            return  # unreachable: polling finds it again, the next keep-alive sends
        switched = state.status.temp_source is not TempSource.API
        try:
            if switched:
                self._previous_source = state.status.temp_source
                state = await device.set_temperature_source(TempSource.API)
                self._wrote_api = True
                LOGGER.info("%s regulates on the temperature of %s", self.name, self.entity_id)
            state = await device.inject_room_temperature(celsius)
        except KumoError as err:
            LOGGER.debug("%s: room temperature not sent: %s", self.name, err)
        else:
            self._sent_c, self._sent_at = celsius, dt_util.utcnow()
            self._coordinator.async_show_state(state)
            if switched:
                # One confirming read shows the source in effect (`activeThermistor`) soon.
                await self._coordinator.async_request_refresh()
        if self._again and not self._stopped:
            self._again = False
            self._hass.loop.call_soon(self.async_tick)

    @callback
    def _lose(self, why: str) -> None:
        """Stop sending and tell the user, once per outage; the unit falls back by itself."""
        if self._later is not None:
            self._later()
            self._later = None
        if self._lost is not None:
            return
        self._lost = why
        self._sent_c = None
        LOGGER.warning(
            "%s: stopped sending the temperature of %s (%s); the unit goes back to its own "
            "sensor until %s reports again",
            self.name,
            self.entity_id,
            why,
            self.entity_id,
        )
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            self._issue_id,
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="room_sensor_lost",
            translation_placeholders={"name": self.name, "sensor": self.entity_id},
        )

    @callback
    def _recover(self) -> None:
        if self._lost is None:
            return
        self._lost = None
        LOGGER.info("%s: %s reports again; sending its temperature", self.name, self.entity_id)
        ir.async_delete_issue(self._hass, DOMAIN, self._issue_id)

    async def async_stop(self, *, restore: bool) -> None:
        """Stop sending; with `restore`, give the unit its own source back."""
        if self._stopped:
            return
        self._stopped = True
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        if self._later is not None:
            self._later()
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        ir.async_delete_issue(self._hass, DOMAIN, self._issue_id)
        state = self._coordinator.device.state
        on_api = state is not None and state.status.temp_source is TempSource.API
        if restore and (on_api or self._wrote_api):
            await async_restore_own_source(self._coordinator, self._previous_source)


async def async_restore_own_source(
    coordinator: KumoIndoorCoordinator, previous: TempSource | None = None
) -> None:
    """Write the unit's own source back: what it had before, else `returnair` (§6.1).

    A unit that does not answer now falls back to its thermistor by itself (no more values
    arrive) and is restored at the next start (`async_watch_stray_api_source`).
    """
    source = previous if previous not in (None, TempSource.API) else TempSource.RETURN_AIR
    assert source is not None
    name = coordinator.unit.display_name
    device = coordinator.device
    if not isinstance(device, KumoIndoorUnit):
        return  # a unit read through the cloud: its source cannot be written (kumo.md §6.1)
    try:
        state = await device.set_temperature_source(source)
    except KumoError as err:
        LOGGER.warning("%s: could not give the unit its own sensor back: %s", name, err)
        return
    LOGGER.info("%s regulates on its own sensor again (%s)", name, source.value)
    coordinator.async_show_state(state)


@callback
def async_watch_stray_api_source(
    hass: HomeAssistant, entry: KumoMomitConfigEntry, coordinator: KumoIndoorCoordinator
) -> Callable[[], None]:
    """Restore a unit that reports `api` although no sensor is chosen for it.

    `tempSource` survives adapter reboots (§6.1): after a crash, or a sensor cleared while the
    unit was unreachable, nothing would ever undo it. Checked once, at the unit's first state.
    """

    listening: list[CALLBACK_TYPE] = []

    @callback
    def _stop_watching() -> None:
        while listening:
            listening.pop()()

    @callback
    def _check() -> None:
        state = coordinator.data
        if state is None:
            return
        _stop_watching()
        if state.status.temp_source is TempSource.API:
            LOGGER.info("%s was left on an injected temperature; restoring it", coordinator.name)
            entry.async_create_background_task(
                hass, async_restore_own_source(coordinator), f"Kumo {coordinator.name} restore"
            )

    listening.append(coordinator.async_add_listener(_check))
    _check()
    return _stop_watching


class TemperatureSourceAttributes:
    """Mixed into the climate entity: which source the unit regulates on, and the sensor."""

    coordinator: KumoIndoorCoordinator

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """`active_thermistor` as the unit reports it; `room_sensor` when one is chosen."""
        data = self.coordinator.data
        active = data.status.active_thermistor if data is not None else None
        attributes: dict[str, Any] = {}
        if active is not None:
            attributes["active_thermistor"] = active.value
        sensor = room_sensor_of(self.coordinator.config_entry, self.coordinator.unit.serial)
        if sensor is not None:
            attributes["room_sensor"] = sensor
        return attributes or None
