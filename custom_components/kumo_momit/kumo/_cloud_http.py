"""One HTTP exchange with a Kumo Cloud host, and the typed error for a failed one.

Shared by every cloud client (v2 login, v3 layout, v3 commands). Nothing here logs bodies or
headers: they carry the account password and tokens.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
import math
import time
from typing import Any, Final
from urllib.parse import urlsplit

import aiohttp

from ._limits import read_capped
from ._values import parse_json
from .errors import (
    KumoCloudAuthError,
    KumoCloudConnectionError,
    KumoCloudError,
    KumoCloudRateLimitError,
    KumoCloudSignInRejectedError,
)

# §13.1: the app version pykumo sends; the header appears to be required.
V3_APP_VERSION: Final = "3.2.4"

# §13.2: the v3 sign-in's answer to a wrong email or password, reported also for valid ones
# during a throttling burst.
SIGN_IN_REJECTED: Final = "usernameOrPasswordIncorrect"


@dataclass(frozen=True, kw_only=True)
class KumoCloudOptions:
    """How the cloud clients talk to the cloud; the defaults suit the real service.

    Times in seconds. `request_timeout` bounds a whole exchange, reading the reply included,
    however slowly it arrives. `max_reply_bytes` caps a reply: the largest real ones (a v2
    login of a big account) are tens of KB. `clock` is wall-clock epoch seconds, compared with
    token expiries.
    """

    # §13.1: pykumo uses 10 s connect / 30 s read; 40 s bounds the whole exchange.
    connect_timeout: float = 10.0
    request_timeout: float = 40.0
    max_reply_bytes: int = 1024 * 1024
    app_version: str = V3_APP_VERSION
    clock: Callable[[], float] = field(default=time.time, compare=False)


# §13.5 names the headers but not the unit of `x-ratelimit-reset`. A value this large can only
# be an epoch time; smaller ones are read as seconds from now [G].
_EPOCH_THRESHOLD_S: Final = 1e9
# Without any hint, a 429 waits one whole window of the ~50 requests/minute budget [G].
DEFAULT_RETRY_AFTER_S: Final = 60.0
_MAX_RETRY_AFTER_S: Final = 3600.0


# Larger header values are garbage, not budgets or waits.
_MAX_HEADER_NUMBER: Final = 1e12


def _header_number(headers: Mapping[str, str], name: str) -> float | None:
    """A header's non-negative number; None when absent or not a plain ASCII number."""
    text = headers.get(name, "").strip()
    if not text.isascii() or len(text) > 20:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and 0 <= value <= _MAX_HEADER_NUMBER else None


@dataclass(frozen=True, kw_only=True)
class CloudRateLimit:
    """The account's request budget as one reply told it (§13.5)."""

    limit: int | None = None
    remaining: int | None = None
    reset_s: float | None = None
    """Seconds from the reply until the budget is refilled."""
    retry_after_s: float | None = None
    """A standard `Retry-After` header, if the cloud sends one (not reported)."""

    @classmethod
    def from_headers(cls, headers: Mapping[str, str], now: float) -> CloudRateLimit | None:
        """The `x-ratelimit-*` and `Retry-After` headers; None when there are none.

        `now` is wall-clock epoch seconds, for a reset given as an epoch time.
        """
        limit = _header_number(headers, "x-ratelimit-limit")
        remaining = _header_number(headers, "x-ratelimit-remaining")
        reset = _header_number(headers, "x-ratelimit-reset")
        retry_after = _header_number(headers, "retry-after")
        if limit is None and remaining is None and reset is None and retry_after is None:
            return None
        if reset is not None and reset >= _EPOCH_THRESHOLD_S:
            reset = max(0.0, reset - now)
        return cls(
            limit=None if limit is None else int(limit),
            remaining=None if remaining is None else int(remaining),
            reset_s=reset,
            retry_after_s=retry_after,
        )

    @property
    def wait_s(self) -> float:
        """How long to hold off after a 429: `Retry-After`, else the reset, else a window."""
        wait = self.retry_after_s if self.retry_after_s is not None else self.reset_s
        if wait is None:
            wait = DEFAULT_RETRY_AFTER_S
        return min(_MAX_RETRY_AFTER_S, max(1.0, wait))


@dataclass(frozen=True)
class CloudReply:
    """Status and decoded body of one reply; repr never shows the body (tokens, secrets)."""

    status: int
    data: Any = field(repr=False)
    is_json: bool
    rate_limit_remaining: int | None
    rate_limit: CloudRateLimit | None = None

    @classmethod
    def from_http(
        cls,
        status: int,
        body: bytes,
        rate_limit_header: str,
        rate_limit: CloudRateLimit | None = None,
    ) -> CloudReply:
        """Decode what came over the wire; a body that is not JSON gives `is_json` False."""
        try:
            data, is_json = parse_json(body), True
        except ValueError:
            data, is_json = None, False
        return cls(status, data, is_json, _rate_limit(rate_limit_header), rate_limit)


def _rate_limit(header: str) -> int | None:
    """`x-ratelimit-remaining` (§13.5): ASCII digits only (`"²".isdigit()` is true)."""
    text = header.strip()
    if text.isascii() and text.isdigit() and len(text) <= 9:
        return int(text)
    return None


def host_of(url: str) -> str:
    """`host[:port]` of a URL for messages: never the `user:password@` part or the path."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return "the configured host"
    if not host:
        return "the configured host"
    return f"{host}:{port}" if port is not None else host


async def cloud_request(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    options: KumoCloudOptions,
    json_body: object = None,
) -> CloudReply:
    """One HTTP exchange within `options.request_timeout`, its reply within the size cap.

    Transport failures become `KumoCloudConnectionError`, an oversized reply
    `KumoCloudError`. The raised errors carry neither the URL's credentials nor headers nor
    body, not even in their cause: the transport's exception is dropped, only its type named.
    """
    timeout = aiohttp.ClientTimeout(total=None, connect=options.connect_timeout)
    failure: str | None = None
    try:
        async with asyncio.timeout(options.request_timeout):
            async with session.request(
                method, url, headers=dict(headers), json=json_body, timeout=timeout
            ) as response:
                body = await read_capped(response, options.max_reply_bytes)
                status = response.status
                rate_limit_header = response.headers.get("x-ratelimit-remaining", "")
                rate_limit = CloudRateLimit.from_headers(response.headers, options.clock())
    except aiohttp.ClientError as err:  # before TimeoutError: connect timeouts are both
        failure = type(err).__name__
    except TimeoutError:
        failure = f"no reply within {options.request_timeout:g} s"
    # Raised here, outside the handlers, so the transport's exception is not the context.
    if failure is not None:
        raise KumoCloudConnectionError(f"Kumo Cloud at {host_of(url)} is unreachable ({failure})")
    if body is None:
        raise KumoCloudError(
            f"Kumo Cloud at {host_of(url)} sent a reply larger than {options.max_reply_bytes} bytes"
        )
    return CloudReply.from_http(status, body, rate_limit_header, rate_limit)


def cloud_failure(reply: CloudReply, what: str) -> KumoCloudError:
    """The typed error for a non-2xx reply."""
    error = reply.data.get("error") if isinstance(reply.data, Mapping) else None
    if reply.status == 429:
        wait_s = (reply.rate_limit or CloudRateLimit()).wait_s
        return KumoCloudRateLimitError(
            f"{what}: Kumo Cloud rate limit reached (HTTP 429); retry in {wait_s:.0f} s",
            retry_after_s=wait_s,
        )
    if error == SIGN_IN_REJECTED:
        # §13.2: a wrong email or password, or (reported) the right ones during a burst.
        return KumoCloudSignInRejectedError(
            f"{what}: Kumo Cloud rejected the email or password ({SIGN_IN_REJECTED}); it is "
            "reported to answer so for the right ones too for 15-30 minutes after several "
            "sign-ins"
        )
    if reply.status in (401, 403):
        return KumoCloudAuthError(f"{what}: Kumo Cloud rejected the credentials")
    if reply.status >= 500:
        return KumoCloudConnectionError(f"{what}: Kumo Cloud server error (HTTP {reply.status})")
    return KumoCloudError(f"{what}: unexpected Kumo Cloud answer (HTTP {reply.status})")
