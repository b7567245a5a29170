"""Typed models of what a Momit Cool node says and what it is told.

Everything is parsed here, at the edge: the rest of the package and its users only see these
frozen dataclasses. Evidence labels and `§` numbers refer to the protocol notes (docs/momit.md):
[SRC] shown in a primary source, [LAB] measured on loopback, [INF] inferred, [UNK] unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
import math
import re
from typing import Final, Self

from .errors import MomitProtocolError, MomitValidationError

# Content-Format 1541 = application/vnd.oma.lwm2m+text (pre-release LwM2M drafts); the
# captured commands carry it [SRC]. IANA never registered it.
CONTENT_FORMAT_LWM2M_TEXT: Final = 1541

PATH_EVENTS: Final = "/10242/0/0"
"""AC command/state resource "Events": GET, PUT, observe [SRC]."""
PATH_TEM_HUM_BAT: Final = "/10241/0/0"
"""Temperature/humidity/battery "TEM-HUM-BAT": GET, observe [SRC]."""
PATH_WELL_KNOWN_CORE: Final = "/.well-known/core"
PATH_MANUFACTURER: Final = "/3/0/0"
PATH_MODEL: Final = "/3/0/1"
PATH_SERIAL: Final = "/3/0/2"
PATH_FIRMWARE: Final = "/3/0/3"
PATH_BATTERY_STATUS: Final = "/3/0/9"
"""AC node only; units [UNK] (LwM2M says percent)."""

MAX_VALUE_BYTES: Final = 1024
"""Largest state, reading or identity payload accepted. Erbium sends at most 64 bytes per block
(REST_MAX_CHUNK_SIZE [INF], §2) and the captured payloads are about 20 bytes [SRC]; anything 16
blocks long is not from a Momit node and is refused as a protocol error."""
MAX_LISTING_BYTES: Final = 16384
"""Largest `/.well-known/core` accepted: the device listing is ~1.7 KB (§2), this is ~10x that."""
MAX_IDENTITY_CHARS: Final = 64
"""Longest `/3/0/x` text kept (serial, model, ...); their formats are [UNK] (§13 question 9)."""

_KEY = re.compile(r"[A-Za-z0-9_]+")
_INT = re.compile(r"[+-]?[0-9]+")
# A Momit node is a microcontroller with 16-bit integer resources [INF]: an integer field with
# more digits than that, or outside -32768..65535, is not a reading but a broken or hostile
# reply. Checking the length first also keeps int() away from huge digit strings.
_INT_MAX_CHARS: Final = 6
_INT_RANGE: Final = (-32768, 65535)
_SIGNED_16_BITS: Final = (-32768, 32767)

# Plausibility window for a room temperature. A value outside it (but within 16 bits) is far
# more likely a sensor error code than a real reading, so it is reported as unknown [INF].
_TEMPERATURE_PLAUSIBLE_C: Final = (-50.0, 100.0)
# Physical range of the `sp` echo in tenths of °C: no AC setpoint lies outside 0-100 °C [INF].
_SETPOINT_TENTHS_RANGE: Final = (0, 1000)


class AcMode(StrEnum):
    """Mode sent as `cm=`; the wire value is the enum value.

    `cool` is captured; `heat` is listed in the 1.x library's comment [SRC]. Other modes
    (auto/dry/fan) are [UNK] and deliberately absent.
    """

    COOL = "cool"
    HEAT = "heat"


class AcOutput(StrEnum):
    """What the node reports as `out=` in `/10242/0/0`: the last command it sent over IR.

    The node cannot see the AC (IR is one-way) [INF]; `?` is the 1.x library's "unknown" [SRC].
    """

    COOL = "cool"
    HEAT = "heat"
    OFF = "off"
    UNKNOWN = "?"


def excerpt(payload: bytes, limit: int = 32) -> str:
    """A short, printable rendering of untrusted bytes for error messages (no Python repr)."""
    text = payload[:limit].decode("ascii", errors="backslashreplace")
    text = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)
    return text + ("..." if len(payload) > limit else "")


def _decode_ascii(payload: bytes, what: str, *, max_bytes: int = MAX_VALUE_BYTES) -> str:
    if len(payload) > max_bytes:
        raise MomitProtocolError(f"{what}: payload of {len(payload)} bytes (at most {max_bytes})")
    try:
        text = payload.decode("ascii")
    except UnicodeDecodeError as err:
        raise MomitProtocolError(f"{what}: payload is not ASCII: {excerpt(payload)}") from err
    if not text.strip():
        raise MomitProtocolError(f"{what}: empty payload")
    if any(not ch.isprintable() for ch in text.strip()):
        raise MomitProtocolError(f"{what}: payload has control characters: {excerpt(payload)}")
    return text.strip()


def parse_key_values(payload: bytes) -> dict[str, str]:
    """Parse `key=value,...` tolerantly (§5.2, §5.3).

    Split on `,`, then on the first `=`; pairs without `=` or with a key outside the grammar
    are skipped; the last value wins for repeated keys. A payload with no usable pair at all is
    malformed.
    """
    text = _decode_ascii(payload, "key=value payload")
    pairs: dict[str, str] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        key = key.strip()
        if sep and _KEY.fullmatch(key):
            pairs[key] = value.strip()
    if not pairs:
        raise MomitProtocolError(f"no key=value pair in {excerpt(payload)}")
    return pairs


def _int_field(value: str | None, what: str, valid: tuple[int, int] = _INT_RANGE) -> int | None:
    """An integer field: None when absent or not a number (tolerated, §5.2); a number outside
    16 bits or outside `valid` is a protocol error."""
    if value is None or not _INT.fullmatch(value):
        return None
    digits = value.lstrip("+-")
    low, high = valid
    if len(digits) > _INT_MAX_CHARS or not low <= (number := int(value)) <= high:
        raise MomitProtocolError(f"{what} out of range {low}..{high}: {excerpt(value.encode())}")
    return number


def parse_identity_text(payload: bytes) -> str | None:
    """A `/3/0/x` text (serial, model, ...): None when empty; unusable text is an error.

    The text must be printable and at most `MAX_IDENTITY_CHARS` long after stripping: a serial
    becomes a device identifier and a model a device name in the consumer's registry.
    """
    if len(payload) > MAX_VALUE_BYTES:
        raise MomitProtocolError(f"identity text of {len(payload)} bytes")
    text = payload.decode("utf-8", errors="replace").strip()
    if not text:
        return None
    if len(text) > MAX_IDENTITY_CHARS or "\ufffd" in text or not text.isprintable():
        raise MomitProtocolError(f"unusable identity text: {excerpt(payload)}")
    return text


@dataclass(frozen=True, kw_only=True)
class AcState:
    """State of the AC controller as read from `/10242/0/0`.

    Only `out` is [SRC]. `cm`, `t` and `sp` are expected by symmetry with the PUT [INF]; each
    is None when absent or unreadable. Every key the node sent, known or not, is in `fields`.
    """

    output: AcOutput
    mode: AcMode | None
    timer_minutes: int | None
    setpoint_c: float | None
    fields: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def is_on(self) -> bool | None:
        """True/False from `out`; None when the node reports `?` or nothing."""
        if self.output is AcOutput.UNKNOWN:
            return None
        return self.output is not AcOutput.OFF

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        """Parse a GET/notification payload; a missing or unknown `out` is UNKNOWN, no error.

        Raises MomitProtocolError for a payload that is not `key=value` text of at most
        `MAX_VALUE_BYTES`, and for numbers outside their physical range (a timer below 0 or
        beyond 16 bits, a setpoint outside 0-100 °C). Non-numeric `t`/`sp` are None.
        """
        pairs = parse_key_values(payload)
        try:
            output = AcOutput(pairs.get("out", "?"))
        except ValueError:
            output = AcOutput.UNKNOWN
        try:
            mode: AcMode | None = AcMode(pairs["cm"]) if "cm" in pairs else None
        except ValueError:
            mode = None
        timer = _int_field(pairs.get("t"), "timer t", (0, _INT_RANGE[1]))
        setpoint_tenths = _int_field(pairs.get("sp"), "setpoint sp", _SETPOINT_TENTHS_RANGE)
        return cls(
            output=output,
            mode=mode,
            timer_minutes=timer,
            setpoint_c=setpoint_tenths / 10 if setpoint_tenths is not None else None,  # "off"
            fields=pairs,
        )

    def reflects(self, command: AcCommand) -> bool:
        """Whether this state shows `command` as applied (used after a command timeout)."""
        if command.setpoint_tenths is None:
            return self.output is AcOutput.OFF
        if self.output.value != command.mode.value:
            return False
        # Nodes that do not echo `sp` cannot confirm the setpoint; `out` is all we have [INF].
        return self.setpoint_c is None or round(self.setpoint_c * 10) == command.setpoint_tenths


@dataclass(frozen=True, kw_only=True)
class RoomReading:
    """A `/10241/0/0` reading: `T,H,B` [T is SRC; the triple is INF from the title TEM-HUM-BAT].

    T is a signed integer in tenths of °C [SRC]. The units of H and B are [UNK]; the raw
    integers are kept and the least surprising interpretation is offered separately (see
    `humidity_percent` and `battery_percent`).
    """

    temperature_c: float | None
    humidity_raw: int | None
    battery_raw: int | None
    fields: tuple[str, ...] = ()

    @property
    def humidity_percent(self) -> float | None:
        """Relative humidity in %, or None when the raw value cannot be read as one.

        Units are [UNK]. The temperature field uses tenths, so tenths of %RH are the likely
        encoding (a raw 456 is 45.6 %) [INF]. A raw value of 0-100 is taken as whole percent,
        because 0-10 %RH indoors is implausible; 101-1000 as tenths; anything else is unknown.
        """
        raw = self.humidity_raw
        if raw is None or raw < 0 or raw > 1000:
            return None
        return float(raw) if raw <= 100 else raw / 10

    @property
    def battery_percent(self) -> int | None:
        """Battery level in %, or None when the raw value is not a percentage.

        Units are [UNK] (percent or millivolts). LwM2M's Battery Level is 0-100 % [SRC, OMA], so
        0-100 is taken as percent; anything else (e.g. a millivolt reading) is unknown.
        """
        raw = self.battery_raw
        return raw if raw is not None and 0 <= raw <= 100 else None

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        """Parse `T[,H[,B[,...]]]`; the temperature must be a signed integer.

        Raises MomitProtocolError for a payload that is not such text of at most
        `MAX_VALUE_BYTES`, and for a number beyond 16 bits (T is signed). A temperature outside
        the plausible window (-50..100 °C) is None: a sensor error code, not a reading [INF].
        """
        text = _decode_ascii(payload, "TEM-HUM-BAT")
        parts = tuple(part.strip() for part in text.split(","))
        temperature_tenths = _int_field(parts[0], "temperature T", _SIGNED_16_BITS)
        if temperature_tenths is None:
            raise MomitProtocolError(
                f"TEM-HUM-BAT: temperature is not an integer: {excerpt(payload)}"
            )
        temperature_c: float | None = temperature_tenths / 10
        low, high = _TEMPERATURE_PLAUSIBLE_C
        if not low <= temperature_tenths / 10 <= high:
            temperature_c = None
        return cls(
            temperature_c=temperature_c,
            humidity_raw=_int_field(parts[1], "humidity H") if len(parts) > 1 else None,
            battery_raw=_int_field(parts[2], "battery B") if len(parts) > 2 else None,
            fields=parts,
        )


@dataclass(frozen=True, kw_only=True)
class NodeIdentity:
    """What a node says about itself: LwM2M Device object fields (`/3/0/x`).

    Each is None when the node does not have it. The serial format is [UNK]; it is used
    verbatim as the stable identity of a node.
    """

    manufacturer: str | None
    model: str | None
    serial: str | None
    firmware: str | None
    battery_status: str | None
    """`/3/0/9` "Battery status" as text (AC node only); units [UNK]."""


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True, kw_only=True)
class CommandLimits:
    """Bounds applied to commands before anything is encoded.

    The allowed `sp` range is [UNK]; 16-30 °C is what typical AC remotes allow [INF] and is
    configurable. The maximum timer is [UNK]; 1440 min is what the 1.x library sends as
    "24 h" [SRC], so nothing larger is sent by default. A zero timer with a numeric setpoint
    has unknown meaning ("no timer" or "off") [UNK], so turning on needs at least 1 minute.
    """

    min_setpoint_c: float = 16.0
    max_setpoint_c: float = 30.0
    max_timer_minutes: int = 1440
    default_timer_minutes: int = 1440

    def __post_init__(self) -> None:
        if not (
            _finite(self.min_setpoint_c)
            and _finite(self.max_setpoint_c)
            and self.min_setpoint_c <= self.max_setpoint_c
        ):
            raise MomitValidationError(
                f"invalid setpoint limits {self.min_setpoint_c}..{self.max_setpoint_c}"
            )
        if not 1 <= self.default_timer_minutes <= self.max_timer_minutes:
            raise MomitValidationError(
                f"default timer {self.default_timer_minutes} not in 1..{self.max_timer_minutes}"
            )


DEFAULT_LIMITS: Final = CommandLimits()


@dataclass(frozen=True, kw_only=True)
class AcCommand:
    """One PUT to `/10242/0/0`: `cm=<mode>,t=<minutes>,sp=<tenths|off>` [SRC].

    Build it with `turn_on()` / `turn_off()`, which validate the user's values. The fields are
    already wire-ready (enum, integers), so `payload()` cannot emit anything unchecked.
    """

    mode: AcMode
    timer_minutes: int
    setpoint_tenths: int | None
    """None means `sp=off`."""

    def __post_init__(self) -> None:
        if not isinstance(self.mode, AcMode):
            raise MomitValidationError(f"mode must be an AcMode, not {self.mode!r}")
        if type(self.timer_minutes) is not int or self.timer_minutes < 0:
            raise MomitValidationError(
                f"timer must be a whole number of minutes ≥ 0: {self.timer_minutes!r}"
            )
        if self.setpoint_tenths is None:
            if self.timer_minutes != 0:
                raise MomitValidationError("an off command carries t=0")
        elif type(self.setpoint_tenths) is not int or self.timer_minutes == 0:
            raise MomitValidationError("an on command needs integer tenths and a timer ≥ 1 min")

    @classmethod
    def turn_on(
        cls,
        mode: AcMode | str,
        setpoint_c: float,
        timer_minutes: int | None = None,
        *,
        limits: CommandLimits = DEFAULT_LIMITS,
    ) -> Self:
        """Validate and build an "on" command; the setpoint is rounded to tenths of °C."""
        try:
            wire_mode = AcMode(mode)
        except ValueError:
            raise MomitValidationError(f"unsupported mode {mode!r}") from None
        if not _finite(setpoint_c):
            raise MomitValidationError(f"setpoint must be a finite number: {setpoint_c!r}")
        tenths = round(setpoint_c * 10)
        if not round(limits.min_setpoint_c * 10) <= tenths <= round(limits.max_setpoint_c * 10):
            raise MomitValidationError(
                f"setpoint {setpoint_c} °C is outside "
                f"{limits.min_setpoint_c}..{limits.max_setpoint_c} °C"
            )
        minutes = limits.default_timer_minutes if timer_minutes is None else timer_minutes
        if type(minutes) is not int or not 1 <= minutes <= limits.max_timer_minutes:
            raise MomitValidationError(
                f"timer must be whole minutes in 1..{limits.max_timer_minutes}: {minutes!r}"
            )
        return cls(mode=wire_mode, timer_minutes=minutes, setpoint_tenths=tenths)

    @classmethod
    def turn_off(cls) -> Self:
        """The captured off command: `cm=cool,t=0,sp=off` [SRC]."""
        return cls(mode=AcMode.COOL, timer_minutes=0, setpoint_tenths=None)

    @property
    def setpoint_c(self) -> float | None:
        """The setpoint in °C, None for off."""
        return None if self.setpoint_tenths is None else self.setpoint_tenths / 10

    def payload(self) -> bytes:
        """Wire payload, field order as captured (cm, t, sp) [INF: the parser may depend on it]."""
        setpoint = "off" if self.setpoint_tenths is None else str(self.setpoint_tenths)
        return f"cm={self.mode.value},t={self.timer_minutes},sp={setpoint}".encode("ascii")


@dataclass(frozen=True, kw_only=True)
class NodeListing:
    """The hrefs a node lists in `/.well-known/core`, extracted tolerantly."""

    hrefs: tuple[str, ...]
    observable: frozenset[str] = frozenset()

    @property
    def is_ac_controller(self) -> bool:
        """AC controller = lists `/10242/0/0` and some `/10244/...` [INF, §1.3, §3]."""
        return PATH_EVENTS in self.hrefs and any(h.startswith("/10244/") for h in self.hrefs)


@dataclass(frozen=True, kw_only=True)
class DiscoveredNode:
    """A node found behind the gateway by a port scan."""

    host: str
    port: int
    """The port that was probed: the one to address (through the relay)."""
    reply_port: int
    """The source port of the reply; differs from `port` when the gateway NATs replies [INF]."""
    serial: str | None
    is_ac_controller: bool
    """From its listing (`NodeListing.is_ac_controller`) or, when found by serial, from its
    `/10242/0/0` answering with `out=` (§3 step 1)."""
    listing: NodeListing | None = None
    """The listing, when it was read (a search by serial does not read it: ~27 blocks)."""
