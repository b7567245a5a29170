"""Cleaning of values that arrive from outside: adapters, the cloud, a cache file, DHCP.

Each function takes any JSON value and returns the clean value or None; none of them raises
(except `parse_json`, whose only error is `ValueError`). What is unusable is treated as
unknown rather than guessed at.

Text: JSON can carry lone UTF-16 surrogates (`"\\udcff"`), which no UTF-8 writer (Home
Assistant's storage, a URL) accepts. Identifiers containing them are rejected; display text
gets U+FFFD in their place.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from typing import Any, Final

from .errors import KumoCredentialsError
from .token import decode_crypto_serial, decode_password

# Placeholder addresses seen in hass-kumo caches and flows (hass-kumo's IP form pre-fills
# "<label> <mac>"; `N/A`/`empty` are skipped by hass-kumo), plus the local API's placeholder
# values (§9). None of them is an address.
_ADDRESS_PLACEHOLDERS: Final = frozenset(
    {"n/a", "na", "empty", "none", "null", "unknown", "unset", "notset", "__ungettable"}
    | {"0.0.0.0"}  # noqa: S104 - a placeholder seen in data, not an address we bind to
)
_HOSTNAME = re.compile(
    r"(?=.{1,253}\Z)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*",
    re.IGNORECASE,
)
_MAC_SEPARATORS = re.compile(r"[\s:.\-]")
_MAC_DIGITS = re.compile(r"[0-9a-f]{12}")
_SURROGATES = re.compile("[\ud800-\udfff]")


# Adapter and cloud replies nest about ten levels deep; far deeper is hostile, not data.
MAX_JSON_DEPTH: Final = 64


def parse_json(raw: str | bytes) -> Any:
    """`json.loads`, failing only with `ValueError`.

    Deep nesting (`[[[[…`) is "not JSON" on every Python: up to 3.13 the decoder raises
    `RecursionError`, from 3.14 on it may build the structure, which is then refused here.
    Undecodable bytes raise `UnicodeDecodeError`, numbers beyond Python's digit limit
    `ValueError`: both are "not JSON" too.
    """
    try:
        value = json.loads(raw)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if _nested_deeper_than(value, MAX_JSON_DEPTH):
        raise ValueError("JSON nested too deeply")
    return value


def _nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays/objects in `value` nest more than `limit` levels (without recursion)."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


def clean_text(value: object) -> str | None:
    """A non-empty, stripped string that UTF-8 can encode (an identifier), or None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _SURROGATES.search(text):
        return None
    return text or None


def replace_surrogates(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD, so UTF-8 can encode it."""
    return _SURROGATES.sub("\ufffd", text)


def clean_label(value: object) -> str | None:
    """Display text (a name): stripped, lone surrogates replaced by U+FFFD; or None."""
    if not isinstance(value, str):
        return None
    return replace_surrogates(value.strip()) or None


def bounded_number(value: object, minimum: float, maximum: float) -> float | None:
    """A JSON number within [minimum, maximum] as float; None for anything else.

    Booleans are not numbers here (JSON `true` is not 1), and an integer too large for a
    float is out of range rather than an `OverflowError`.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    if math.isnan(number) or not minimum <= number <= maximum:
        return None
    return number


def normalize_mac(value: object) -> str | None:
    """`aa:bb:cc:dd:ee:ff` from any common spelling (colons, dashes, dots, bare, any case).

    The cloud (§1.1), DHCP (Home Assistant gives bare lowercase hex) and users all spell MACs
    differently; matching a DHCP lease to a unit needs one form. None if it is not a MAC.
    """
    if not isinstance(value, str):
        return None
    digits = _MAC_SEPARATORS.sub("", value).lower()
    if not _MAC_DIGITS.fullmatch(digits) or digits == "0" * 12:
        return None
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def normalize_address(value: object) -> str | None:
    """A unit address (IPv4 or host name, optional `:port`, §2.1), or None for junk.

    Junk includes the placeholders above and anything with spaces (hass-kumo's IP form was
    pre-filled with "<label> <mac>", which could end up in its cache unchanged).
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or text.lower() in _ADDRESS_PLACEHOLDERS:
        return None
    host, sep, port = text.partition(":")
    if sep and not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        return None
    if host.replace(".", "").isdigit():
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            return None
    elif not _HOSTNAME.fullmatch(host):
        return None
    return f"{host}:{int(port)}" if sep else host


def clean_password(value: object) -> str | None:
    """The base64 password if it decodes (§3 step 1); an unusable one is as good as none."""
    text = clean_text(value)
    if text is None:
        return None
    try:
        decode_password(text)
    except KumoCredentialsError:
        return None
    return text


def clean_crypto_serial(value: object) -> str | None:
    """The hex crypto serial if it has the ≥ 9 bytes the token needs (§3 step 2)."""
    text = clean_text(value)
    if text is None:
        return None
    try:
        decode_crypto_serial(text)
    except KumoCredentialsError:
        return None
    return text.lower()
