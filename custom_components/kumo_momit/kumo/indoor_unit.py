"""One indoor unit: a cheap poller that carries the commands (§6.1, §8, §9.1)."""

from __future__ import annotations

from collections.abc import Mapping
import logging
import math
from typing import Any, Final

from ._commands import IndoorUnitCommands, vocabulary_value
from ._poller import KumoPoller
from ._tree import JsonTree, dig
from .client import STATUS_TREE
from .errors import KumoAdapterBusyError, KumoError, KumoProtocolError, KumoValidationError
from .models import (
    Capabilities,
    IndoorUnitProfile,
    IndoorUnitState,
    IndoorUnitStatus,
    Mhk2Status,
    TempSource,
)

_LOGGER = logging.getLogger(__name__)

# Read one by one when the whole-node read fails (§5, §9.1): pykumo's list plus hotAdjust.
STATUS_ATTRIBUTES: Final = (
    "mode",
    "standby",
    "spHeat",
    "spCool",
    "roomTemp",
    "fanSpeed",
    "vaneDir",
    "filterDirty",
    "defrost",
    "hotAdjust",
    "tempSource",
    "activeThermistor",
)
# An injected room temperature outside this range is a broken sensor, not a room (°C). [G]
INJECTED_ROOM_TEMP_RANGE: Final = (-20.0, 50.0)


class KumoIndoorUnit(KumoPoller, IndoorUnitCommands):
    """One indoor unit: polls cheaply and carries the commands (§6.1, §8, §9.1).

    Per poll: one `indoorUnit.status` read. Profile + adapter status are read at the first
    poll, after any failed poll, and every `info_interval`; sensors / MHK2 only if the unit has
    them, every `accessory_interval`. When the status read fails with adapter-busy or a bad
    reply, attributes are read one by one (bounded by the 12 attributes) and a rate-limited
    adapter reboot is requested, as pykumo does (§9.1).
    """

    def _init_state(self) -> None:
        self._status_raw: JsonTree = {}
        self._profile_raw: JsonTree = {}
        self._mhk2_raw: Any = None
        self._pending: dict[str, tuple[Any, float]] = {}
        self._capabilities: Capabilities | None = None
        self._state: IndoorUnitState | None = None

    @property
    def state(self) -> IndoorUnitState | None:
        """The last known state (polled, or optimistically updated by a command)."""
        return self._state

    @property
    def unconfirmed(self) -> frozenset[str]:
        """Status keys written whose value no status read has shown yet (§2.2).

        Until a read confirms a new mode, what the unit does in it (heating, standby, defrost)
        is unknown: the state shown keeps the flags of the last read.
        """
        return frozenset(self._pending)

    @property
    def capabilities(self) -> Capabilities | None:
        """What the unit accepts; None before the first successful poll."""
        return self._capabilities

    async def async_update(self) -> IndoorUnitState:
        """Poll the unit; raises a `KumoError` if its status could not be read."""
        try:
            status, degraded = await self._read_status()
            if degraded and self._profile_raw:
                # The adapter is struggling (and may be rebooting): add no load now, re-read
                # profile and adapter status at the next poll instead.
                self._info.expire()
            else:
                await self._refresh_optional(need=not self._profile_raw)
        except KumoError:
            # Whatever went wrong may have changed the adapter (reboot, new firmware): re-read
            # profile and adapter status at the next successful poll.
            self._info.expire()
            raise
        self._merge_status(status)
        return self._publish()

    async def _read_status(self) -> tuple[JsonTree, bool]:
        """The status object, and whether it took the per-attribute fallback."""
        first_error: KumoError
        try:
            reply = await self.client.request(STATUS_TREE, reboot_on_busy=False)
        except (KumoAdapterBusyError, KumoProtocolError) as err:
            first_error = err
        else:
            status = dig(reply, "indoorUnit", "status")
            if isinstance(status, dict) and status:
                return status, False
            first_error = KumoProtocolError(f"{self.name}: reply without indoorUnit.status")
        _LOGGER.debug(
            "%s: status read failed (%s); reading attributes one by one", self.name, first_error
        )
        status = {}
        for attribute in STATUS_ATTRIBUTES:
            try:
                reply = await self.client.request(
                    {"indoorUnit": {"status": {attribute: {}}}}, reboot_on_busy=False
                )
            except KumoAdapterBusyError as err:
                rebooted = await self.client.reboot_if_due()
                raise KumoAdapterBusyError(str(err), reboot_requested=rebooted) from err
            except KumoProtocolError as err:
                _LOGGER.debug("%s: could not read %s: %s", self.name, attribute, err)
                continue
            value = dig(reply, "indoorUnit", "status")
            if isinstance(value, dict) and attribute in value:
                status[attribute] = value[attribute]
        if "mode" not in status:
            raise first_error
        if isinstance(first_error, KumoAdapterBusyError):
            # Small replies still work, but a leaking adapter only gets worse (hass-kumo #105):
            # a rate-limited reboot lets the next polls go back to one request.
            await self.client.reboot_if_due()
        return status, True

    def _info_paths(self) -> dict[str, tuple[str, ...]]:
        return {"profile": ("indoorUnit", "profile"), **super()._info_paths()}

    def _accessory_nodes(self) -> dict[str, tuple[str, ...]]:
        return {**super()._accessory_nodes(), "mhk2": ("mhk2", "status")}

    def _store_info(self, found: Mapping[str, Any]) -> bool:
        adapter_ok = super()._store_info(found)
        profile = found.get("profile")
        if isinstance(profile, dict) and profile:
            self._profile_raw.update(profile)
            return adapter_ok
        return False

    def _store_accessories(self, found: Mapping[str, Any]) -> None:
        super()._store_accessories(found)
        if "mhk2" in found:
            # An absent MHK2 may answer a non-object (§6.6); rebuild `{"status": ...}`.
            self._mhk2_raw = {"status": found["mhk2"]}
            self._present["mhk2"] = Mhk2Status.from_wire(self._mhk2_raw) is not None

    def _publish(self) -> IndoorUnitState:
        status_raw = self._status_with_pending()
        profile = IndoorUnitProfile.from_wire(self._profile_raw)
        adapter = self._adapter
        self._capabilities = Capabilities.derive(profile, adapter)
        self._state = IndoorUnitState(
            serial=self.serial,
            name=self.name,
            status=IndoorUnitStatus.from_wire(status_raw),
            profile=profile,
            adapter=adapter,
            capabilities=self._capabilities,
            sensors=self._sensors,
            mhk2=Mhk2Status.from_wire(self._mhk2_raw),
        )
        return self._state

    # --- commands (planned in `IndoorUnitCommands`) -------------------------------------

    async def _ready(self) -> IndoorUnitState:
        """Commands validate against the capabilities: poll once if never polled."""
        return self._state or await self.async_update()

    async def _send_status(self, values: JsonTree) -> None:
        await self.client.request({"indoorUnit": {"status": values}})

    def _optimistic_until(self) -> float:
        return self._clock() + self.options.optimistic_hold

    def _now(self) -> float:
        return self._clock()

    async def set_temperature_source(self, source: TempSource | str) -> IndoorUnitState:
        """Choose what the unit regulates on: `tempSource` (§6.1, §7.4).

        `api` lets `inject_room_temperature` feed it; `returnair` gives the unit back its own
        thermistor. The setting persists across adapter reboots (§6.1): whoever writes `api`
        must write another source when done. The source actually in effect is reported as
        `status.active_thermistor`.
        """
        await self._ready()
        value = vocabulary_value(TempSource, source, "temperature source")
        return await self._write_status({"tempSource": value.value})

    async def inject_room_temperature(self, celsius: float) -> IndoorUnitState:
        """Send the room temperature for the unit to regulate on (°C, one decimal, §6.1).

        Needs `tempSource` `api` (the adapter silently ignores `roomTemp` otherwise). The
        adapter falls back to its own thermistor unless the value is sent again about every
        20 s; the caller owns that keep-alive. The state shows the value at once, without an
        optimistic hold: the next poll tells whether the adapter is using it.
        """
        state = await self._ready()
        if state.status.temp_source is not TempSource.API:
            raise KumoValidationError(
                f"{self.name} does not take a room temperature: its temperature source is not 'api'"
            )
        if isinstance(celsius, bool) or not isinstance(celsius, int | float):
            raise KumoValidationError(f"{celsius!r} is not a temperature")
        low, high = INJECTED_ROOM_TEMP_RANGE
        if not (math.isfinite(celsius) and low <= celsius <= high):
            raise KumoValidationError(f"{celsius!r} °C is not a plausible room temperature")
        value = round(float(celsius), 1)
        await self.client.request({"indoorUnit": {"status": {"roomTemp": value}}})
        self._status_raw["roomTemp"] = value
        return self._publish()

    async def reboot(self) -> None:
        """Reboot the WiFi adapter; profile and adapter status are re-read afterwards."""
        await self.client.reboot()
        self._info.expire()
