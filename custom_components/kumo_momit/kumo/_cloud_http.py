"""One HTTP exchange with a Kumo Cloud host, and the typed error for a failed one.

Shared by every cloud client (v2 login, v3 layout, v3 commands). Nothing here logs bodies or
headers: they carry the account password and tokens.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
import json
import time
from typing import Any, Final
from urllib.parse import urlsplit

import aiohttp

from .errors import (
    KumoCloudAuthError,
    KumoCloudConnectionError,
    KumoCloudError,
    KumoCloudSignInRejectedError,
    KumoCloudThrottledError,
)

# §13.1: the app version pykumo sends; the header appears to be required.
V3_APP_VERSION: Final = "3.2.4"

# §13.2: the v3 sign-in's answer to a wrong email or password, reported also for valid ones
# during a throttling burst.
SIGN_IN_REJECTED: Final = "usernameOrPasswordIncorrect"


@dataclass(frozen=True, kw_only=True)
class KumoCloudOptions:
    """How the cloud clients talk to the cloud; the defaults suit the real service.

    Times in seconds. `clock` is wall-clock epoch seconds, compared with token expiries.
    """

    # §13.1: pykumo uses 10 s connect / 30 s read; 40 s bounds the whole exchange.
    connect_timeout: float = 10.0
    request_timeout: float = 40.0
    app_version: str = V3_APP_VERSION
    clock: Callable[[], float] = field(default=time.time, compare=False)

    @property
    def http_timeout(self) -> aiohttp.ClientTimeout:
        """The aiohttp timeout of one exchange."""
        return aiohttp.ClientTimeout(total=self.request_timeout, connect=self.connect_timeout)


@dataclass(frozen=True)
class CloudReply:
    """Status and decoded body of one reply."""

    status: int
    data: Any
    is_json: bool
    rate_limit_remaining: int | None


def host_of(url: str) -> str:
    """The host part of a URL, for messages."""
    return urlsplit(url).netloc or url


async def cloud_request(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    options: KumoCloudOptions,
    json_body: object = None,
) -> CloudReply:
    """One HTTP exchange. Transport failures become `KumoCloudConnectionError`."""
    try:
        async with session.request(
            method, url, headers=dict(headers), json=json_body, timeout=options.http_timeout
        ) as response:
            body = await response.read()
            status = response.status
            remaining_header = response.headers.get("x-ratelimit-remaining", "")
    except (aiohttp.ClientError, TimeoutError) as err:
        raise KumoCloudConnectionError(
            f"Kumo Cloud at {host_of(url)} is unreachable ({type(err).__name__})"
        ) from err
    try:
        data, is_json = json.loads(body), True
    except ValueError:
        data, is_json = None, False
    remaining = int(remaining_header) if remaining_header.isdigit() else None
    return CloudReply(status, data, is_json, remaining)


def cloud_failure(reply: CloudReply, what: str) -> KumoCloudError:
    """The typed error for a non-2xx reply."""
    error = reply.data.get("error") if isinstance(reply.data, Mapping) else None
    if reply.status == 429:
        return KumoCloudThrottledError(f"{what}: Kumo Cloud rate limit reached (HTTP 429)")
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
