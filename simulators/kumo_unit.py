"""A loopback simulator of Mitsubishi Kumo WiFi adapters (local API, spec kumo.md §2-§10).

Each simulated unit listens on its own port of 127.0.0.1, like one adapter per IP in a house.
It checks the request token with the unit's secrets, answers reads by mirroring the requested
tree under `r`, applies writes to a state model built from a `KumoUnitDefinition`, simulates
the room, and records every request so tests and benchmarks can assert on the wire.

    async with KumoUnitSimulator(demo_units()) as sim:
        address = sim.address(serial)              # "127.0.0.1:<port>"
        sim.unit(serial).faults.serializer_error = 1
        ...
        assert sim.unit(serial).counts["status"] == 1

Standalone: `python -m simulators.kumo_unit --units 2 --port 0` prints each unit's address and
secrets and serves until Ctrl-C.

Where the real adapter's behaviour is unknown the simulator picks something plausible and says
so with [G] (see the spec's tags): an absent node reads as `null`; an unknown writable key is
echoed as `__set_no_such_option`; a body that is not JSON gets `{"_api_error":"json_error"}`.

Room temperature injection (§6.1): `tempSource: "api"` lets clients write `roomTemp`; while an
injected value is fresh the unit regulates on it and reports it (`roomTemp`, `activeThermistor:
"api"`). Without a new one within `injection_fallback_s` it regulates on its own thermistor
again. `tempSource` is a setting and persists across reboots; see `SimulatedUnit._publish_source`
for what the simulator reports where the notes are silent.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
from collections import Counter
from collections.abc import Callable, Iterable
import contextlib
import copy
from dataclasses import dataclass, field
import hashlib
import hmac
import json
import logging
import signal
import time
from typing import Any

from aiohttp import web

from simulators.kumo_units import (
    KumoUnitDefinition,
    demo_units,
    make_crypto_serial_hex,
    make_password_b64,
)

_LOGGER = logging.getLogger(__name__)

_W_PARAM = bytes.fromhex("44c73283b498d432ff25f5c8e06a016aef931e68f0a00ea710e36e6338fb22db")

MODES = ("off", "heat", "cool", "dry", "vent", "auto")
FIVE_FAN_SPEEDS = ("superQuiet", "quiet", "low", "powerful", "superPowerful")
FOUR_FAN_SPEEDS = ("quiet", "Low", "powerful", "superPowerful")
VANE_POSITIONS = ("horizontal", "midhorizontal", "midpoint", "midvertical", "vertical", "auto")
TEMP_SOURCES = ("sensor0", "sensor1", "sensor2", "sensor3", "returnair", "remote", "api")
SENSOR_SLOTS = 4
# Room model: how fast the room follows a running unit, and the outside pull when it is off.
DRIFT_C_PER_MINUTE = 0.2
AMBIENT_DRIFT_C_PER_MINUTE = 0.05
AMBIENT_C = 18.0
# §6.1: an injected room temperature must be re-sent "about every 20 s" or the adapter falls back
# to its own thermistor. The real timeout is not known [G]; 40 s (one missed keep-alive) is the
# conservative choice: a client that keeps to ~20 s passes, one that relies on more slack fails.
INJECTION_FALLBACK_S = 40.0


def expected_token(password_b64: str, crypto_serial_hex: str, body: bytes) -> str:
    """The token a real adapter expects (§3), implemented independently of the client."""
    password = base64.b64decode(password_b64)
    serial = bytes.fromhex(crypto_serial_hex)
    message = (
        _W_PARAM
        + hashlib.sha256(password + body).digest()
        + bytes([0x08, 0x40, 0x00])
        + bytes(12)
        + serial[8:9]
        + serial[4:8]
        + serial[0:4]
    )
    return hashlib.sha256(message).hexdigest()


@dataclass
class UnitFaults:
    """Fault injection, switchable at runtime. Counters mean "the next N requests"."""

    no_answer: bool = False
    """Accept the request and never answer (the client's read timeout fires)."""
    no_memory: int = 0
    """Answer with a body containing `__no_memory` (§9)."""
    serializer_error: int = 0
    """Answer `{"_api_error":"serializer_error"}` (§9)."""
    malformed_json: int = 0
    """Answer a truncated JSON document."""
    auth_error: int = 0
    """Answer `device_authentication_error` even to a valid token (transient, §9)."""
    set_out_of_bounds: int = 0
    """Reject the next N writes with `__set_out_of_bounds` (§9)."""
    scripted_replies: list[bytes] = field(default_factory=list)
    """Raw bodies to answer the next requests with, first in first out (after the token check)."""
    max_reply_bytes: int | None = None
    """Adapter memory model: larger replies fail with `serializer_error`, smaller ones work."""
    reboot_clears_memory_faults: bool = True
    """A reboot resets `no_memory`, `serializer_error` and `max_reply_bytes` (hass-kumo #105)."""

    def clear(self) -> None:
        """Back to a healthy adapter."""
        self.no_answer = False
        self.no_memory = self.serializer_error = self.malformed_json = 0
        self.auth_error = self.set_out_of_bounds = 0
        self.scripted_replies.clear()
        self.max_reply_bytes = None


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the adapter received it."""

    body: bytes
    kinds: tuple[str, ...]
    """status / per-attribute / profile / adapter / adapter_info / sensors / mhk2 / eqc /
    all / write / reboot / other / invalid (one body may read several nodes)."""
    authorized: bool
    received_at: float

    @property
    def tree(self) -> Any:
        """The parsed `c` tree (None if the body was not JSON)."""
        try:
            return json.loads(self.body)["c"]
        except (ValueError, KeyError, TypeError):
            return None


def classify(tree: Any) -> tuple[str, ...]:
    """Kinds of one request tree, for the request counters."""
    if not isinstance(tree, dict):
        return ("invalid",)
    if not tree:
        return ("all",)
    kinds: list[str] = []
    for top, sub in tree.items():
        nodes = sub.items() if isinstance(sub, dict) and sub else [("", sub)]
        for node, leaf in nodes:
            if _has_write(leaf):
                is_reboot = top == "adapter" and isinstance(leaf, dict)
                is_reboot = is_reboot and leaf.get("runState") == "reboot"
                kinds.append("reboot" if is_reboot else "write")
                continue
            kinds.append(_read_kind(top, node, leaf))
    return tuple(dict.fromkeys(kinds))


def _has_write(tree: Any) -> bool:
    if isinstance(tree, dict):
        return any(_has_write(value) for value in tree.values())
    return True


def _read_kind(top: str, node: str, leaf: Any) -> str:
    if top == "indoorUnit" and node == "status":
        return "status" if leaf == {} else "per-attribute"
    if top == "indoorUnit" and node == "profile":
        return "profile"
    if top == "adapter":
        return "adapter_info" if node == "info" else "adapter"
    if top in ("sensors", "mhk2", "eqc"):
        return top
    return "other"


class SimulatedUnit:
    """State, faults and request log of one simulated adapter."""

    def __init__(
        self,
        definition: KumoUnitDefinition,
        *,
        clock: Callable[[], float],
        room_drift: bool,
        injection_fallback_s: float = INJECTION_FALLBACK_S,
    ) -> None:
        self.definition = definition
        self.serial = definition.serial
        self.faults = UnitFaults()
        self.requests: list[RecordedRequest] = []
        self.counts: Counter[str] = Counter()
        self.reboots = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.overlaps = 0
        """Requests that arrived while another one was being served."""
        self.response_delay = 0.0
        """Seconds to wait before answering any request (keeps requests in flight)."""
        self.write_delay = 0.0
        """Seconds (of the simulator clock) before a write takes effect (§2.2)."""
        self.echo_previous = True
        """Write echoes show the value before the write, as real adapters often do (§2.2)."""
        self.multi_node_reads = True
        """False models a firmware that answers only the first top-level node of a read. [G]"""
        self.room_drift = room_drift
        self.injection_fallback_s = injection_fallback_s
        """Seconds an injected `roomTemp` stays in effect without a new one (§6.1, value [G])."""
        self.listeners: list[Callable[[SimulatedUnit], None]] = []
        """Called after the unit's state may have changed (a write, the room moving)."""
        self.port = 0
        self._clock = clock
        self._last_tick = clock()
        self._room_c = 22.0
        self._injected_c: float | None = None
        self._injected_at = 0.0
        self._injection_in_effect = False
        self._pending_writes: list[tuple[float, list[str], Any]] = []
        self.tree: dict[str, Any] = self._initial_tree()
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._host = "127.0.0.1"
        self._stopping = False

    # --- public helpers ------------------------------------------------------------------

    @property
    def address(self) -> str:
        """`host:port` to give a client."""
        return f"{self._host}:{self.port}"

    @property
    def request_count(self) -> int:
        """Every HTTP request received (including rejected ones)."""
        return len(self.requests)

    @property
    def status(self) -> dict[str, Any]:
        """The live `indoorUnit.status` object (writable: tests may set values directly)."""
        self._settle()
        status: dict[str, Any] = self.tree["indoorUnit"]["status"]
        return status

    @property
    def profile(self) -> dict[str, Any]:
        """The `indoorUnit.profile` object (writable)."""
        profile: dict[str, Any] = self.tree["indoorUnit"]["profile"]
        return profile

    @property
    def adapter_status(self) -> dict[str, Any]:
        """The `adapter.status` object (writable)."""
        adapter: dict[str, Any] = self.tree["adapter"]["status"]
        return adapter

    def bodies(self, kind: str | None = None) -> list[bytes]:
        """Bodies received, optionally only those of one kind."""
        return [r.body for r in self.requests if kind is None or kind in r.kinds]

    def reset_records(self) -> None:
        """Forget recorded requests and counters (state and faults stay)."""
        self.requests.clear()
        self.counts.clear()
        self.reboots = self.max_in_flight = self.overlaps = 0

    @property
    def injection_in_effect(self) -> bool:
        """Whether the unit regulates on an injected room temperature right now (§6.1)."""
        if "indoorUnit" not in self.tree or self._injected_c is None:
            return False
        if self.tree["indoorUnit"]["status"].get("tempSource") != "api":
            return False
        return self._clock() - self._injected_at < self.injection_fallback_s

    @property
    def thermistor_c(self) -> float:
        """What the unit's own thermistor measures (the simulated room at the unit)."""
        return self._room_c

    def set_room_temperature(self, celsius: float) -> None:
        """Put the room at a temperature (the thermistor reports it in 0.5 °C steps)."""
        self._room_c = celsius
        self._publish_room()
        self._notify()

    def advance(self, seconds: float) -> None:
        """Let the room evolve for `seconds`, whatever the clock says."""
        self._evolve_room(seconds)

    async def go_offline(self) -> None:
        """Stop listening: new connections are refused."""
        if self._site is not None:
            await self._site.stop()
            self._site = None

    async def go_online(self) -> None:
        """Listen again on the same port."""
        if self._site is None and self._runner is not None:
            self._site = web.TCPSite(self._runner, self._host, self.port, reuse_address=True)
            await self._site.start()

    # --- state model -----------------------------------------------------------------------

    def _initial_tree(self) -> dict[str, Any]:
        d = self.definition
        sensor_slots: dict[str, Any] = {
            str(slot): {
                "uuid": None,
                "humidity": None,
                "temperature": None,
                "battery": None,
                "rssi": None,
                "txPower": None,
            }
            for slot in range(SENSOR_SLOTS)
        }
        if d.wireless_sensor:
            sensor_slots["0"] = {
                "uuid": hashlib.sha256(f"sensor/{d.serial}".encode()).hexdigest()[:32],
                "humidity": 45.5,
                "temperature": self._room_c + 0.4,
                "battery": 87,
                "rssi": -61,
                "txPower": 4,
            }
        tree: dict[str, Any] = {
            "adapter": {
                "status": {
                    "name": d.label,
                    "autoModePrevention": d.auto_mode_prevention,
                    "userHasModeDry": d.user_has_mode_dry,
                    "userHasModeHeat": d.user_has_mode_heat,
                    "runState": "normal",
                    "roomTempOffset": 0,
                    "ledDisabled": False,
                    "serverHostname": "geo-c.kumocloud.com",
                    "localNetwork": {"stationMode": {"RSSI": d.wifi_rssi_dbm, "SSID": "sim"}},
                },
                "info": {
                    "macAddress": d.mac,
                    "serialNumber": d.serial,
                    "isTestMode": False,
                    "firmwareVersion": d.firmware_version,
                },
            },
            "sensors": sensor_slots,
        }
        if d.mhk2:
            tree["mhk2"] = {
                "status": {"indoorHumid": 41.0, "outdoorTemp": None, "outdoorHumid": None},
                "hold": {"adapter": {"endTime": 0}},
                "info": {"model": "MHK2", "serial": f"M{d.serial[-8:]}", "firmware": "1.0"},
            }
        if d.kind == "station":
            tree["eqc"] = {
                "oat": d.outdoor_temperature_c,
                "connected": True,
                "heatModeDisable": False,
                "tempSource": "tb24",
            }
            return tree
        tree["indoorUnit"] = {
            "status": {
                "roomTemp": 22.0,
                "mode": "off",
                "spCool": 24.0,
                "spHeat": 21.0,
                "vaneDir": "auto",
                "fanSpeed": "auto" if d.has_fan_speed_auto else "low",
                "tempSource": "unset",
                "activeThermistor": "unset",
                "filterDirty": False,
                "hotAdjust": False,
                "defrost": False,
                "standby": False,
                "runTest": 0,
            },
            "profile": {
                "numberOfFanSpeeds": d.number_of_fan_speeds,
                "hasFanSpeedAuto": d.has_fan_speed_auto,
                "hasVaneDir": d.has_vane_dir,
                "hasVaneSwing": d.has_vane_swing,
                "hasModeDry": d.has_mode_dry,
                "hasModeHeat": d.has_mode_heat,
                "hasModeVent": d.has_mode_vent,
                "hasModeAuto": d.has_mode_auto,
                "extendedTemps": d.extended_temps,
                "usesSetPointInDryMode": d.uses_setpoint_in_dry_mode,
                "hasHotAdjust": True,
                "hasDefrost": True,
                "hasStandby": True,
                "hasInitialSettings": True,
                "hasModeTest": True,
                "maximumSetPoints": dict(d.maximum_setpoints),
                "minimumSetPoints": dict(d.minimum_setpoints),
            },
        }
        return tree

    def _mode(self) -> str:
        """The mode as written (the status reports autoHeat/autoCool while auto runs)."""
        mode = str(self.tree["indoorUnit"]["status"]["mode"])
        return "auto" if mode in ("autoHeat", "autoCool") else mode

    def _valid_write(self, path: list[str], value: Any) -> bool:
        """Whether the adapter would take this write; invalid ones are silently ignored (§2.2)."""
        if path[:2] != ["indoorUnit", "status"] or len(path) != 3:
            return True
        return self.accepts(path[2], value)

    def allowed_modes(self) -> set[str]:
        """The modes this unit takes (§8.1, the adapter flags folded into the definition)."""
        d = self.definition
        allowed = {"off", "cool"}
        allowed |= {"heat"} if d.has_mode_heat else set()
        allowed |= {"dry"} if d.has_mode_dry else set()
        allowed |= {"vent"} if d.has_mode_vent else set()
        allowed |= {"auto"} if d.has_mode_auto or not d.auto_mode_prevention else set()
        return allowed

    def setpoint_range(self, mode: str) -> tuple[float, float]:
        """The profile's limits for one mode (§8.2; 16-31 °C when the profile has none)."""
        profile = self.tree["indoorUnit"]["profile"]
        low = float(profile["minimumSetPoints"].get(mode, 16.0))
        high = float(profile["maximumSetPoints"].get(mode, 31.0))
        return low, high

    def fan_speeds(self) -> set[str]:
        """The fan speeds this unit takes (§7.2)."""
        d = self.definition
        speeds = set(FOUR_FAN_SPEEDS if d.number_of_fan_speeds == 4 else FIVE_FAN_SPEEDS)
        return speeds | ({"auto"} if d.has_fan_speed_auto else set())

    def vane_directions(self) -> set[str]:
        """The vane positions this unit takes (§7.3): none without a vane."""
        d = self.definition
        if not d.has_vane_dir:
            return set()
        return set(VANE_POSITIONS) | ({"swing"} if d.has_vane_swing else set())

    def accepts(self, key: str, value: Any) -> bool:
        """Whether a write of `indoorUnit.status.<key>` would be taken."""
        if key in ("spHeat", "spCool"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                return False
            low, high = self.setpoint_range("heat" if key == "spHeat" else "cool")
            return low <= value <= high
        vocabularies: dict[str, Callable[[], set[str]]] = {
            "mode": self.allowed_modes,
            "fanSpeed": self.fan_speeds,
            "vaneDir": self.vane_directions,
            "tempSource": lambda: set(TEMP_SOURCES),
        }
        if key in vocabularies:
            return value in vocabularies[key]()
        if key == "roomTemp":
            return bool(self.tree["indoorUnit"]["status"].get("tempSource") == "api")
        return True

    def write_status(self, **values: Any) -> dict[str, bool]:
        """Write `indoorUnit.status` keys as the adapter would take them from any source (the
        cloud, an IR remote, a wall controller): each key → whether it was taken."""
        self._settle()
        taken = {key: self.accepts(key, value) for key, value in values.items()}
        for key, value in values.items():
            if taken[key]:
                self._apply(["indoorUnit", "status", key], value)
        self._notify()
        return taken

    def _notify(self) -> None:
        for listener in list(self.listeners):
            listener(self)

    def _apply(self, path: list[str], value: Any) -> None:
        node = self.tree
        for key in path[:-1]:
            node = node[key]
        previous, node[path[-1]] = node.get(path[-1]), value
        if path == ["indoorUnit", "status", "roomTemp"]:
            # An injected value, not the room: the thermistor keeps measuring the air (§6.1).
            self._injected_c, self._injected_at = float(value), self._clock()
            self._publish_source()
        if path == ["indoorUnit", "status", "tempSource"] and value != previous:
            # [G] a new source starts without an injected value: after `api` is written the
            # unit waits for a first `roomTemp`, it does not reuse one from an earlier session.
            self._injected_c = None
            self._publish_source()
        if path[:2] == ["indoorUnit", "status"] and path[-1] in ("mode", "spHeat", "spCool"):
            self._publish_mode()
        if path == ["adapter", "status", "runState"] and value == "reboot":
            self._reboot()

    def _reboot(self) -> None:
        self.reboots += 1
        self.tree["adapter"]["status"]["runState"] = "normal"
        # §6.1: `tempSource` persists across reboots (it stays in the tree). [G] the injected
        # value is volatile: after a reboot the unit regulates on its thermistor until the next
        # `roomTemp`, which is the conservative reading for a client.
        if "indoorUnit" in self.tree:
            self._injected_c = None
            self._publish_source()
        if self.faults.reboot_clears_memory_faults:
            self.faults.no_memory = self.faults.serializer_error = 0
            self.faults.max_reply_bytes = None

    def _settle(self) -> None:
        """Apply due delayed writes and let the room evolve up to now."""
        now = self._clock()
        due = [w for w in self._pending_writes if w[0] <= now]
        self._pending_writes = [w for w in self._pending_writes if w[0] > now]
        before = copy.deepcopy(self.tree.get("indoorUnit", {}).get("status"))
        for _at, path, value in due:
            self._apply(path, value)
        if self.injection_in_effect != self._injection_in_effect:
            self._publish_source()  # the injected value went stale: back to the thermistor
        if self.room_drift:
            self._evolve_room((now - self._last_tick) / 1.0)
        self._last_tick = now
        if before != self.tree.get("indoorUnit", {}).get("status"):
            self._notify()

    def _evolve_room(self, seconds: float) -> None:
        if "indoorUnit" not in self.tree or seconds <= 0:
            return
        status = self.tree["indoorUnit"]["status"]
        if self.injection_in_effect:
            # Regulating on an injected value from a sensor elsewhere, whose room the simulator
            # does not model: the air at the unit holds still until the injection stops.
            return
        minutes = seconds / 60.0
        mode = self._mode()
        target: float | None = None
        if mode == "heat" and self._room_c < status["spHeat"]:
            target = float(status["spHeat"])
        elif mode in ("cool", "dry") and self._room_c > status["spCool"]:
            target = float(status["spCool"])
        elif mode == "auto":
            if self._room_c < status["spHeat"]:
                target = float(status["spHeat"])
            elif self._room_c > status["spCool"]:
                target = float(status["spCool"])
        if target is not None:
            step = DRIFT_C_PER_MINUTE * minutes
        else:
            target, step = AMBIENT_C, AMBIENT_DRIFT_C_PER_MINUTE * minutes
            if mode != "off":
                target = self._room_c  # running and satisfied: thermo-off, the room holds
        delta = target - self._room_c
        self._room_c += max(-step, min(step, delta))
        self._publish_room()

    def _publish_room(self) -> None:
        sensor = self.tree["sensors"]["0"]
        if sensor.get("uuid"):
            sensor["temperature"] = round(self._room_c + 0.4, 6)
        if "indoorUnit" not in self.tree:
            return
        if not self.injection_in_effect:
            self.tree["indoorUnit"]["status"]["roomTemp"] = round(self._room_c * 2) / 2
        self._publish_mode()

    def _control_c(self) -> float:
        """The temperature the unit regulates on: the injected one while it is fresh (§6.1)."""
        if self._injected_c is not None and self.injection_in_effect:
            return self._injected_c
        return self._room_c

    def _publish_source(self) -> None:
        """`activeThermistor` and `roomTemp` for the source in effect (§6.1).

        The notes confirm that `activeThermistor` reads `api` while an injected value is fresh
        and that the unit then falls back to its own thermistor. What it reports after the
        fallback is not documented; the simulator takes the conservative model [G]:
        `tempSource` keeps reading `api` (it is a persistent setting, nobody wrote another one),
        `activeThermistor` reads `returnair` (the unit's own thermistor) and `roomTemp` is that
        thermistor's reading again. A client must therefore judge the source in effect by
        `activeThermistor`, never by `tempSource`, and write `returnair` itself to end it.
        For other sources `activeThermistor` mirrors `tempSource`.
        """
        status = self.tree["indoorUnit"]["status"]
        self._injection_in_effect = self.injection_in_effect
        source = status.get("tempSource")
        if self._injection_in_effect:
            status["activeThermistor"] = "api"
            status["roomTemp"] = self._control_c()
        else:
            status["activeThermistor"] = "returnair" if source == "api" else source
            status["roomTemp"] = round(self._room_c * 2) / 2
        self._publish_mode()

    def _publish_mode(self) -> None:
        """autoHeat/autoCool while auto runs (§6.1), and standby once the room is satisfied."""
        status = self.tree["indoorUnit"]["status"]
        mode = self._mode()
        control_c = self._control_c()
        if mode == "auto":
            midpoint = (status["spHeat"] + status["spCool"]) / 2
            status["mode"] = "autoHeat" if control_c < midpoint else "autoCool"
        running = mode not in ("off", "vent")
        satisfied = (
            (mode == "heat" and control_c >= status["spHeat"])
            or (mode in ("cool", "dry") and control_c <= status["spCool"])
            or (mode == "auto" and status["spHeat"] <= control_c <= status["spCool"])
        )
        status["standby"] = running and satisfied

    # --- request handling --------------------------------------------------------------------

    def _walk(self, state: Any, request: Any, path: list[str], writes: list[Any]) -> Any:
        """Mirror `request` over `state`: `{}` reads, any other leaf writes (§5)."""
        if request == {}:
            return copy.deepcopy(state)
        if not isinstance(request, dict):
            writes.append((path, request))
            return request
        if not isinstance(state, dict):
            return None  # [G] an absent node reads as null (pykumo guards mhk2 for this, §6.6)
        reply: dict[str, Any] = {}
        for key, sub in request.items():
            if key not in state:
                reply[key] = "__set_no_such_option" if not isinstance(sub, dict) else None
                continue
            if isinstance(sub, dict):
                reply[key] = self._walk(state[key], sub, [*path, key], writes)
                continue
            writes.append(([*path, key], sub))
            reply[key] = copy.deepcopy(state[key]) if self.echo_previous else sub
        return reply

    def _serve(self, tree: Any) -> dict[str, Any]:
        self._settle()
        writes: list[tuple[list[str], Any]] = []
        reply = self._walk(self.tree, tree, [], writes)
        if writes and self.faults.set_out_of_bounds > 0:
            self.faults.set_out_of_bounds -= 1
            for path, _value in writes:
                node = reply
                for key in path[:-1]:
                    node = node[key]
                node[path[-1]] = "__set_out_of_bounds"
            return {"r": reply}
        now = self._clock()
        for path, value in writes:
            if not self._known_path(path) or not self._valid_write(path, value):
                continue
            if path == ["adapter", "status", "runState"] or self.write_delay <= 0:
                self._apply(path, value)
            else:
                self._pending_writes.append((now + self.write_delay, path, value))
        if writes:
            self._settle()
            self._notify()
        return {"r": reply}

    def _known_path(self, path: list[str]) -> bool:
        node: Any = self.tree
        for key in path:
            if not isinstance(node, dict) or key not in node:
                return False
            node = node[key]
        return True

    async def handle(self, request: web.Request) -> web.Response:
        """`PUT /api?m=<token>` (§2.1)."""
        body = await request.read()
        try:
            parsed = json.loads(body)
            tree = parsed.get("c") if isinstance(parsed, dict) else None
        except ValueError:
            tree = None
        d = self.definition
        token = request.query.get("m", "")
        good = hmac.compare_digest(token, expected_token(d.password_b64, d.crypto_serial_hex, body))
        record = RecordedRequest(
            body=body, kinds=classify(tree), authorized=good, received_at=self._clock()
        )
        self.requests.append(record)
        self.counts.update(record.kinds)
        self.in_flight += 1
        if self.in_flight > 1:
            self.overlaps += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            # `no_answer` is a plain field tests flip at will, so it is polled. Released on stop.
            while self.faults.no_answer and not self._stopping:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
            if self.response_delay > 0:
                await asyncio.sleep(self.response_delay)
            return self._answer(good, tree)
        finally:
            self.in_flight -= 1

    def _answer(self, good_token: bool, tree: Any) -> web.Response:
        faults = self.faults
        if not good_token or faults.auth_error > 0:
            faults.auth_error = max(0, faults.auth_error - (0 if not good_token else 1))
            return _json({"_api_error": "device_authentication_error"})
        if not isinstance(tree, dict):
            return _json({"_api_error": "json_error"})  # [G] real wording unknown
        if faults.scripted_replies:
            return web.Response(body=faults.scripted_replies.pop(0), status=200)
        if not self.multi_node_reads and len(tree) > 1 and not _has_write(tree):
            tree = dict([next(iter(tree.items()))])
        if (injected := self._memory_fault(tree)) is not None:
            return injected
        reply = json.dumps(self._serve(tree), separators=(",", ":")).encode()
        if faults.max_reply_bytes is not None and len(reply) > faults.max_reply_bytes:
            return _json({"_api_error": "serializer_error"})
        return web.Response(body=reply, content_type="application/json")

    def _memory_fault(self, tree: dict[str, Any]) -> web.Response | None:
        """The reply of a pending memory/serializer/truncation fault, if one is due."""
        faults = self.faults
        if faults.no_memory > 0:
            faults.no_memory -= 1
            return _json({"r": _mark_leaves(tree, "__no_memory")})
        if faults.serializer_error > 0:
            faults.serializer_error -= 1
            return _json({"_api_error": "serializer_error"})
        if faults.malformed_json > 0:
            faults.malformed_json -= 1
            return web.Response(body=b'{"r":{"indoorUnit":{"status":{"mode":"he', status=200)
        return None


def _mark_leaves(tree: dict[str, Any], marker: str) -> dict[str, Any]:
    return {
        k: _mark_leaves(v, marker) if isinstance(v, dict) and v else marker for k, v in tree.items()
    }


def _json(document: dict[str, Any]) -> web.Response:
    return web.Response(
        body=json.dumps(document, separators=(",", ":")).encode(), content_type="application/json"
    )


class KumoUnitSimulator:
    """Many simulated adapters, one loopback port each."""

    def __init__(
        self,
        definitions: Iterable[KumoUnitDefinition] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.monotonic,
        room_drift: bool = True,
        injection_fallback_s: float = INJECTION_FALLBACK_S,
    ) -> None:
        """`port` 0 gives every unit a free port; otherwise units get port, port+1, …

        `injection_fallback_s`: how long an injected room temperature stays in effect (§6.1).
        """
        self._host = host
        self._base_port = port
        self._units = {
            d.serial: SimulatedUnit(
                d, clock=clock, room_drift=room_drift, injection_fallback_s=injection_fallback_s
            )
            for d in (demo_units() if definitions is None else definitions)
        }
        self._started = False

    async def __aenter__(self) -> KumoUnitSimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def units(self) -> dict[str, SimulatedUnit]:
        """Serial -> simulated unit."""
        return dict(self._units)

    def unit(self, serial: str) -> SimulatedUnit:
        """One simulated unit."""
        return self._units[serial]

    def address(self, serial: str) -> str:
        """`127.0.0.1:<port>` of a unit."""
        return self._units[serial].address

    async def start(self) -> None:
        """Start listening (one port per unit)."""
        for index, unit in enumerate(self._units.values()):
            app = web.Application()
            app.router.add_route("PUT", "/api", unit.handle)
            runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1)
            await runner.setup()
            port = self._base_port + index if self._base_port else 0
            site = web.TCPSite(runner, self._host, port, reuse_address=True)
            await site.start()
            unit._host, unit._runner, unit._site, unit._stopping = self._host, runner, site, False
            unit.port = runner.addresses[0][1]
        self._started = True

    async def stop(self) -> None:
        """Stop every unit, releasing requests held by `no_answer`."""
        for unit in self._units.values():
            unit._stopping = True
        for unit in self._units.values():
            if unit._runner is not None:
                await unit._runner.cleanup()
            unit._runner = unit._site = None
        self._started = False


# --- standalone ----------------------------------------------------------------------------


def definitions_for(count: int | None) -> list[KumoUnitDefinition]:
    """The demo units, then generated 5-speed indoor units, `count` in all (None: the demo)."""
    units = demo_units()
    if count is None:
        return units
    for index in range(len(units), count):
        seed = f"sim-unit-{index}"
        units.append(
            KumoUnitDefinition(
                serial=f"9Z99P{index:03d}Q1000000",
                label=f"Simulated Unit {index + 1}",
                mac=f"50:26:ef:99:{index // 256:02x}:{index % 256:02x}",
                password_b64=make_password_b64(seed),
                crypto_serial_hex=make_crypto_serial_hex(seed),
            )
        )
    return units[:count]


async def _serve_forever(args: argparse.Namespace) -> None:
    simulator = KumoUnitSimulator(
        definitions_for(args.units),
        host=args.host,
        port=args.port,
        room_drift=not args.no_drift,
        injection_fallback_s=args.injection_fallback,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with simulator:
        for serial, unit in simulator.units.items():
            unit.write_delay = args.write_delay
            d = unit.definition
            if args.json:
                continue
            print(
                f"{serial}  {d.label!r:18} {d.kind:8} http://{unit.address}/api  "
                f"password={d.password_b64}  crypto_serial={d.crypto_serial_hex}",
                flush=True,
            )
        if args.json:
            print(
                json.dumps(
                    [
                        {
                            "serial": s,
                            "label": u.definition.label,
                            "kind": u.definition.kind,
                            "address": u.address,
                            "password": u.definition.password_b64,
                            "crypto_serial": u.definition.crypto_serial_hex,
                        }
                        for s, u in simulator.units.items()
                    ]
                ),
                flush=True,
            )
        print("Kumo unit simulator running; Ctrl-C to stop.", flush=True)
        await stop.wait()
    print("Kumo unit simulator stopped.", flush=True)


def main(argv: list[str] | None = None) -> None:
    """`python -m simulators.kumo_unit`."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--units", type=int, default=None, help="number of units (default: demo)")
    parser.add_argument("--port", type=int, default=0, help="first port; 0 = any free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--write-delay", type=float, default=0.0, help="seconds before writes apply"
    )
    parser.add_argument("--no-drift", action="store_true", help="keep room temperatures still")
    parser.add_argument(
        "--injection-fallback",
        type=float,
        default=INJECTION_FALLBACK_S,
        help="seconds an injected roomTemp stays in effect (tempSource api)",
    )
    parser.add_argument("--json", action="store_true", help="print the units as one JSON line")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve_forever(args))


if __name__ == "__main__":
    main()
