"""Control of units through the Kumo Cloud: for units whose local keys are unknown (§13.4-§13.6).

Since ~2026-08 the cloud hands out no local keys (§13.6), so a Comfort-app account's units can
only be controlled the way the app does it: `POST /v3/devices/send-command`, with state from
`GET /v3/devices/{serial}` or, better, from the push channel (`cloud_push`).

* `KumoCloudControl` — the account's REST calls: device documents, profile, adapter status,
  commands. It shares the account's `KumoCloudV3Api` (one login, one token pair: an expired
  access token is refreshed, then the stored password logs in again, and only then a
  `KumoCloudAuthError` reaches the caller). It minds the account's budget (§13.5: about 50
  requests a minute): after a 429 it refuses further calls without sending until the wait the
  cloud asked for has passed, raising `KumoCloudRateLimitError` with the seconds left.
* `KumoCloudIndoorUnit` — one unit with the same state model (`IndoorUnitState`) and the same
  commands as the local `KumoIndoorUnit`: commands are planned in local words and translated
  (`mode` → `power` + `operationMode`, `vaneDir` → `airDirection`), shown at once, and
  confirmed by the next push or read.

Errors of `send-command` (§13.5): HTTP 400 "Failed to validate commands" becomes
`KumoCloudSetpointRangeError` for `invalidSp{Heat,Cool,Auto}Range` (naming the limit) and
`KumoCloudCommandError` for any other code; nothing was changed in either case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
import logging
import re
import time
from typing import Any, Final
from urllib.parse import quote

from ._cloud_http import CloudReply, cloud_failure
from ._commands import IndoorUnitCommands
from ._tree import JsonTree
from .cloud_push import CloudAdapterUpdate, CloudProfileUpdate, CloudPushEvent
from .cloud_state import (
    CloudConnectionState,
    CloudDeviceState,
    cloud_adapter_status,
    cloud_unit_state,
)
from .cloud_v3_api import KumoCloudV3Api, reply_json
from .cloud_v3_models import parse_v3_profile
from .errors import (
    KumoCloudCommandError,
    KumoCloudError,
    KumoCloudRateLimitError,
    KumoCloudSetpointRangeError,
)
from .models import (
    AdapterStatus,
    Capabilities,
    IndoorUnitProfile,
    IndoorUnitState,
    IndoorUnitStatus,
)

_LOGGER = logging.getLogger(__name__)

SEND_COMMAND_PATH: Final = "/v3/devices/send-command"
_RANGE_CODE = re.compile(r"invalidSp(Heat|Cool|Auto)Range")
# Local status keys → send-command keys (§13.4's mapping); `mode` is special (power).
_CLOUD_KEYS: Final = {
    "spHeat": "spHeat",
    "spCool": "spCool",
    "fanSpeed": "fanSpeed",
    "vaneDir": "airDirection",
}
# A command is shown at once and trusted over reads/pushes that still show the old value for
# this long; the confirming push normally comes within a second [G].
DEFAULT_OPTIMISTIC_HOLD_S: Final = 20.0


def cloud_commands(values: Mapping[str, Any]) -> dict[str, Any]:
    """`indoorUnit.status` values (local words) as `send-command` commands (§13.5).

    `mode: off` is `power: 0`; any other mode is `power: 1` with it, as the app sends it.
    """
    commands: dict[str, Any] = {}
    mode = values.get("mode")
    if mode == "off":
        commands["power"] = 0
    elif mode is not None:
        commands |= {"power": 1, "operationMode": mode}
    for local_key, cloud_key in _CLOUD_KEYS.items():
        if local_key in values:
            commands[cloud_key] = values[local_key]
    return commands


def _command_failure(serial: str, reply: CloudReply) -> KumoCloudError:
    """The typed error for a refused `send-command`."""
    if reply.status != 400:
        return cloud_failure(reply, f"Kumo Cloud command for {serial}")
    error = reply.data.get("error") if isinstance(reply.data, Mapping) else None
    per_device = error.get(serial) if isinstance(error, Mapping) else None
    raw_codes = per_device.get("commands") if isinstance(per_device, Mapping) else None
    codes = [code for code in raw_codes or () if isinstance(code, str)]
    described = ", ".join(codes) or "no reason given"
    for code in codes:
        if match := _RANGE_CODE.fullmatch(code):
            limit = match.group(1).lower()
            return KumoCloudSetpointRangeError(
                f"Kumo Cloud refused the {limit} setpoint for {serial}: outside the unit's "
                f"limits ({described})",
                codes=codes,
                limit=limit,
            )
    return KumoCloudCommandError(
        f"Kumo Cloud refused the command for {serial} ({described})", codes=codes
    )


class KumoCloudControl:
    """REST reads and commands of one account's cloud-controlled units."""

    def __init__(self, api: KumoCloudV3Api, *, clock: Callable[[], float] = time.monotonic) -> None:
        """`api` is the account's authenticated API (shared with its other v3 clients)."""
        self.api = api
        self._clock = clock
        self._blocked_until = 0.0
        self.requests = 0
        """REST requests sent by this client (for budgets and benchmarks)."""

    def __repr__(self) -> str:
        """No secrets."""
        return f"KumoCloudControl(base_url={self.api.base_url!r})"

    @property
    def blocked_for(self) -> float:
        """Seconds until the cloud takes requests again after a 429 (0: it does now)."""
        return max(0.0, self._blocked_until - self._clock())

    @property
    def remaining_requests(self) -> int | None:
        """The account's requests left in this window, as the cloud last said (§13.5)."""
        return self.api.rate_limit_remaining

    async def _call(self, method: str, path: str, json_body: object = None) -> CloudReply:
        if (wait := self.blocked_for) > 0:
            raise KumoCloudRateLimitError(
                f"Kumo Cloud rate limit: waiting {wait:.0f} s before the next request",
                retry_after_s=wait,
            )
        self.requests += 1
        reply = await self.api.authorized(method, path, json_body=json_body)
        if reply.status == 429:
            error = cloud_failure(reply, f"Kumo Cloud {method} {path}")
            assert isinstance(error, KumoCloudRateLimitError)
            self._blocked_until = self._clock() + error.retry_after_s
            raise error
        return reply

    async def _get(self, path: str) -> Any:
        return reply_json(await self._call("GET", path), f"Kumo Cloud GET {path}")

    async def async_read_device(self, serial: str) -> CloudDeviceState:
        """`GET /v3/devices/{serial}`: the unit's live state (§13.4)."""
        data = await self._get(f"/v3/devices/{quote(serial, safe='')}")
        state = CloudDeviceState.from_wire(data, serial)
        assert state is not None  # a serial was given
        return state

    async def async_get_profile(self, serial: str) -> IndoorUnitProfile | None:
        """`GET /v3/devices/{serial}/profile` (§13.4)."""
        return parse_v3_profile(await self._get(f"/v3/devices/{quote(serial, safe='')}/profile"))

    async def async_get_adapter_status(self, serial: str) -> AdapterStatus:
        """`GET /v3/devices/{serial}/status`, as the local `adapter.status` model (§13.4)."""
        return cloud_adapter_status(await self._get(f"/v3/devices/{quote(serial, safe='')}/status"))

    async def async_send_command(self, serial: str, commands: Mapping[str, Any]) -> None:
        """`POST /v3/devices/send-command` with cloud-word `commands` (§13.5)."""
        if not commands:
            raise ValueError("no command to send")
        reply = await self._call(
            "POST", SEND_COMMAND_PATH, {"deviceSerial": serial, "commands": dict(commands)}
        )
        if reply.status != 200:
            raise _command_failure(serial, reply)
        _LOGGER.debug("Kumo Cloud accepted %s for %s", sorted(commands), serial)


class KumoCloudIndoorUnit(IndoorUnitCommands):
    """One indoor unit controlled through the cloud, fed by pushes or REST reads."""

    def __init__(
        self,
        serial: str,
        name: str,
        control: KumoCloudControl,
        *,
        optimistic_hold: float = DEFAULT_OPTIMISTIC_HOLD_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """The unit `serial` of the account `control` serves."""
        self.serial = serial
        self.name = name
        self.control = control
        self._hold = optimistic_hold
        self._clock = clock
        self._status_raw: JsonTree = {}
        self._pending: dict[str, tuple[Any, float]] = {}
        self._device: CloudDeviceState | None = None
        self._profile: IndoorUnitProfile | None = None
        self._adapter: AdapterStatus | None = None
        self._state: IndoorUnitState | None = None
        self.connection: CloudConnectionState | None = None

    def __repr__(self) -> str:
        """Serial and name only."""
        return f"KumoCloudIndoorUnit({self.serial!r}, {self.name!r})"

    @property
    def state(self) -> IndoorUnitState | None:
        """The last known state; None until both a device document and a profile arrived."""
        return self._state

    @property
    def capabilities(self) -> Capabilities | None:
        """What the unit accepts; None until its state is known."""
        return None if self._state is None else self._state.capabilities

    @property
    def reachable(self) -> bool | None:
        """What `device_status_v2` last said (None: not heard yet), §13.5-§13.6."""
        return None if self.connection is None else self.connection.reachable

    @property
    def has_profile(self) -> bool:
        """Whether the capability profile is known (from a push or a read)."""
        return self._profile is not None

    def apply(self, event: CloudPushEvent) -> bool:
        """Take a pushed event for this unit; whether the state or reachability changed."""
        if event.serial != self.serial:
            return False
        before = (self._state, self.reachable)
        if isinstance(event, CloudDeviceState):
            self._take_device(event)
        elif isinstance(event, CloudConnectionState):
            self.connection = event
        elif isinstance(event, CloudAdapterUpdate):
            self._adapter = event.adapter
        elif isinstance(event, CloudProfileUpdate):
            self._profile = event.profile
        self._publish_if_known()
        return (self._state, self.reachable) != before

    def _take_device(self, device: CloudDeviceState) -> None:
        self._device = device
        self._merge_status(dict(device.status_fields))

    async def async_update(self) -> IndoorUnitState:
        """Read the unit through REST: its document, and profile/adapter while unknown."""
        device = await self.control.async_read_device(self.serial)
        if self._profile is None:
            self._profile = await self.control.async_get_profile(self.serial)
            if self._profile is None:
                raise KumoCloudError(f"{self.name}: the Kumo Cloud has no profile for it")
        if self._adapter is None:
            self._adapter = await self.control.async_get_adapter_status(self.serial)
        self._take_device(device)
        state = self._publish_if_known()
        assert state is not None  # device and profile are known now
        return state

    def _publish_if_known(self) -> IndoorUnitState | None:
        if self._device is not None and self._profile is not None:
            return self._publish()
        return None

    # --- `IndoorUnitCommands` ---------------------------------------------------------------

    def _publish(self) -> IndoorUnitState:
        assert self._device is not None
        assert self._profile is not None
        self._state = cloud_unit_state(
            self._device,
            name=self.name,
            profile=self._profile,
            adapter=self._adapter,
            status=IndoorUnitStatus.from_wire(self._status_with_pending()),
        )
        return self._state

    async def _ready(self) -> IndoorUnitState:
        return self._state or await self.async_update()

    async def _send_status(self, values: JsonTree) -> None:
        await self.control.async_send_command(self.serial, cloud_commands(values))

    def _optimistic_until(self) -> float:
        return self._clock() + self._hold

    def _now(self) -> float:
        return self._clock()
