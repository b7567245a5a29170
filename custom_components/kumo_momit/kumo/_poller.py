"""What pollers of indoor units and stations share: cadences and optional reads (§9.1).

The steady state is one request per poll (pykumo sends 5-6, §9.1): slow-changing nodes
(profile, adapter status, accessories) are read on their own cadence, together in one request
while the adapter allows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import logging
import time
from typing import Any

from ._tree import JsonTree, dig, merge_trees, read_tree
from .client import Clock, KumoUnitClient
from .errors import KumoAdapterBusyError, KumoError, KumoProtocolError
from .models import AdapterStatus, WirelessSensor, parse_sensors

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class KumoPollerOptions:
    """Cadences of a poller, in seconds."""

    # Profile + adapter status: rarely change.
    info_interval: float = 30 * 60.0
    # Wireless sensor / MHK2 humidity: change slowly.
    accessory_interval: float = 5 * 60.0
    # Adapters apply writes asynchronously and may echo the old value (§2.2); a status read
    # within this window that still shows the old value is not trusted over the value just
    # written. [G]
    optimistic_hold: float = 15.0


class Cadence:
    """When a slow-changing node is next due; `None` means due now."""

    def __init__(self, clock: Clock, interval: float) -> None:
        self._clock = clock
        self.interval = interval
        self.due_at: float | None = None

    @property
    def due(self) -> bool:
        return self.due_at is None or self._clock() >= self.due_at

    def done(self) -> None:
        self.due_at = self._clock() + self.interval

    def retry_in(self, seconds: float) -> None:
        self.due_at = self._clock() + min(seconds, self.interval)

    def expire(self) -> None:
        self.due_at = None


class KumoPoller:
    """Shared cadence and optional-node logic of indoor units and stations."""

    def __init__(
        self,
        serial: str,
        name: str,
        client: KumoUnitClient,
        *,
        clock: Clock = time.monotonic,
        options: KumoPollerOptions | None = None,
    ) -> None:
        """`clock` is monotonic seconds (injectable for tests)."""
        self.options = options or KumoPollerOptions()
        self.serial = serial
        self.name = name
        self.client = client
        self._clock = clock
        self._info = Cadence(clock, self.options.info_interval)
        self._accessories = Cadence(clock, self.options.accessory_interval)
        self._adapter_raw: JsonTree = {}
        self._sensors_raw: JsonTree | None = None
        # Accessory name -> present? (missing: not discovered yet)
        self._present: dict[str, bool] = {}
        # Reads of several nodes in one body are reported to work (§5, pykumo #7) but are not
        # verified on every firmware ([G]); the first partial or failed reply turns them off.
        self._combined_reads = True
        self._init_state()

    def _init_state(self) -> None:
        """Set up what a subclass keeps between polls (called by the constructor)."""

    async def _read_nodes(self, paths: Mapping[str, tuple[str, ...]]) -> dict[str, Any]:
        """Read several nodes, in one request while the adapter allows it.

        Returns name -> value for every node the adapter answered (its value may be any JSON
        value, or None: an absent MHK2 may answer a non-object, §6.6); a node whose top-level
        key the reply does not mention at all is missing.
        """
        found: dict[str, Any] = {}
        if self._combined_reads and len(paths) > 1:
            tree = merge_trees(*(read_tree(path) for path in paths.values()))
            try:
                reply = await self.client.request(tree, reboot_on_busy=False)
            except (KumoAdapterBusyError, KumoProtocolError) as err:
                # A bigger reply is more likely to exhaust adapter memory: go one by one.
                _LOGGER.debug(
                    "%s: combined read failed (%s); reading nodes one by one", self.name, err
                )
                self._combined_reads = False
            else:
                for name, path in paths.items():
                    if path[0] in reply:
                        found[name] = dig(reply, *path)
                if len(found) < len(paths):
                    _LOGGER.debug(
                        "%s: adapter ignores combined reads; reading nodes one by one", self.name
                    )
                    self._combined_reads = False
        for name, path in paths.items():
            if name in found:
                continue
            reply = await self.client.request(read_tree(path), reboot_on_busy=False)
            if path[0] in reply:
                found[name] = dig(reply, *path)
        return found

    async def _refresh_optional(self, *, need: bool) -> None:
        """Re-read profile / adapter status / accessories that are due.

        With `need` (nothing known yet) a failure is raised. Otherwise it is not fatal: the
        last values stay, so capabilities never shrink because of a transient failure, and
        the read is retried after a short while rather than on every poll.
        """
        info_due = self._info.due
        info_paths = self._info_paths() if info_due else {}
        accessory_paths = self._due_accessory_paths(info_due=info_due)
        if not info_paths and not accessory_paths:
            return
        retry = self._accessories.interval
        try:
            found = await self._read_nodes({**info_paths, **accessory_paths})
        except KumoError as err:
            if need:
                raise
            _LOGGER.debug("%s: optional read failed, keeping last values: %s", self.name, err)
            if info_paths:
                self._info.retry_in(retry)
            if accessory_paths:
                self._accessories.retry_in(retry)
            return
        if info_paths:
            if self._store_info(found):
                self._info.done()
            elif need:
                raise KumoProtocolError(f"{self.name}: the adapter did not return its profile")
            else:
                self._info.retry_in(retry)
        if accessory_paths:
            self._store_accessories(found)
            self._accessories.done()

    def _info_paths(self) -> dict[str, tuple[str, ...]]:
        return {"adapter": ("adapter", "status")}

    def _accessory_nodes(self) -> dict[str, tuple[str, ...]]:
        return {"sensors": ("sensors",)}

    def _due_accessory_paths(self, *, info_due: bool) -> dict[str, tuple[str, ...]]:
        """Accessories known (or not yet known) to exist, when their cadence is due.

        One known to be absent is only re-checked at the slow info cadence, so a newly paired
        sensor appears eventually without costing a request every few minutes.
        """
        accessories_due = self._accessories.due
        return {
            name: path
            for name, path in self._accessory_nodes().items()
            if (accessories_due and self._present.get(name) is not False)
            or (info_due and self._present.get(name) is False)
        }

    def _store_info(self, found: Mapping[str, Any]) -> bool:
        adapter = found.get("adapter")
        if isinstance(adapter, dict):
            # Merge rather than replace: a partial reply must not drop known flags.
            self._adapter_raw.update(adapter)
            return True
        return False

    def _store_accessories(self, found: Mapping[str, Any]) -> None:
        if "sensors" in found:
            sensors = found["sensors"]
            self._sensors_raw = sensors if isinstance(sensors, dict) else {}
            self._present["sensors"] = bool(parse_sensors(self._sensors_raw))

    @property
    def _sensors(self) -> tuple[WirelessSensor, ...]:
        return parse_sensors(self._sensors_raw)

    @property
    def _adapter(self) -> AdapterStatus | None:
        return AdapterStatus.from_wire(self._adapter_raw) if self._adapter_raw else None
