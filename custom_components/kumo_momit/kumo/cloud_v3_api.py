"""Authenticated requests to the v3 REST API (§13.1, §13.2): the token lifecycle in one place.

Every v3 client (layout and device reads, commands) sends through a `KumoCloudV3Api`, so one
login and one token pair serve them all: the cloud throttles logins (§13.2), so clients of one
account should share one `KumoCloudV3Api` rather than each log in.
"""

from __future__ import annotations

import logging
from typing import Any, Final

import aiohttp

from ._cloud_http import (
    CloudRateLimit,
    CloudReply,
    KumoCloudOptions,
    cloud_failure,
    cloud_request,
    host_of,
)
from ._session import SessionOwner
from .cloud_tokens import KumoCloudTokens
from .errors import KumoCloudAuthError, KumoCloudError

_LOGGER = logging.getLogger(__name__)

DEFAULT_V3_BASE_URL: Final = "https://app-prod.kumocloud.com"

# Renew a little before `exp`, so a request does not race the expiry on the server.
EXPIRY_MARGIN_S: Final = 60.0


class KumoCloudV3Api(SessionOwner):
    """Login, token refresh and renewal, and requests with a bearer token (§13.2).

    Renewal: the access token is renewed shortly before its JWT `exp`; an HTTP 401 is answered
    by exactly one refresh (or, if the refresh token is refused, one login) and one retry. No
    loop: a second 401 is an authentication error. The last `x-ratelimit-remaining` header
    seen is kept in `rate_limit_remaining`, all rate-limit headers in `rate_limit` (§13.5).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession | None,
        username: str,
        password: str,
        *,
        base_url: str = DEFAULT_V3_BASE_URL,
        tokens: KumoCloudTokens | None = None,
        options: KumoCloudOptions | None = None,
    ) -> None:
        """`tokens` resumes an earlier session; `session` None: an own one is used."""
        super().__init__(session)
        self._username = username
        self._password = password
        self._base_url = base_url.rstrip("/")
        self._tokens = tokens
        self.options = options or KumoCloudOptions()
        self.rate_limit_remaining: int | None = None
        self.rate_limit: CloudRateLimit | None = None

    def __repr__(self) -> str:
        """Never shows the password or tokens."""
        return f"KumoCloudV3Api(host={host_of(self._base_url)!r})"

    @property
    def base_url(self) -> str:
        """The v3 host, without a trailing slash."""
        return self._base_url

    @property
    def tokens(self) -> KumoCloudTokens | None:
        """The current token pair (None before login)."""
        return self._tokens

    async def send(
        self, method: str, path: str, *, bearer: str | None = None, json_body: object = None
    ) -> CloudReply:
        """One request to `path` on the v3 host, with `bearer` as the token if given."""
        headers = {"Accept": "application/json", "x-app-version": self.options.app_version}
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        reply = await cloud_request(
            self.http,
            method,
            self._base_url + path,
            headers=headers,
            options=self.options,
            json_body=json_body,
        )
        if reply.rate_limit_remaining is not None:
            self.rate_limit_remaining = reply.rate_limit_remaining
        if reply.rate_limit is not None:
            self.rate_limit = reply.rate_limit
        return reply

    async def login(self) -> KumoCloudTokens:
        """`POST /v3/login`. Throttled, wrong credentials and outages raise distinct errors."""
        reply = await self.send(
            "POST",
            "/v3/login",
            json_body={
                "username": self._username,
                "password": self._password,
                "appVersion": self.options.app_version,
            },
        )
        if reply.status != 200:
            raise cloud_failure(reply, "Kumo Cloud login")
        token = reply.data.get("token") if isinstance(reply.data, dict) else None
        self._tokens = KumoCloudTokens.from_wire(token, self.options.clock())
        _LOGGER.debug("Kumo Cloud v3 login succeeded")
        return self._tokens

    async def refresh(self) -> KumoCloudTokens:
        """`POST /v3/refresh` (§13.2); the reply's tokens replace both old ones."""
        if self._tokens is None:
            raise KumoCloudAuthError("No Kumo Cloud refresh token: log in first")
        refresh = self._tokens.refresh
        reply = await self.send(
            "POST", "/v3/refresh", bearer=refresh, json_body={"refresh": refresh}
        )
        if reply.status != 200:
            raise cloud_failure(reply, "Kumo Cloud token refresh")
        self._tokens = KumoCloudTokens.from_wire(reply.data, self.options.clock())
        _LOGGER.debug("Kumo Cloud v3 access token refreshed")
        return self._tokens

    async def renew(self) -> KumoCloudTokens:
        """One refresh; if the refresh token is expired or refused, one login."""
        if self._tokens is not None and self.options.clock() < self._tokens.refresh_expires_at:
            try:
                return await self.refresh()
            except KumoCloudAuthError:
                _LOGGER.debug("Kumo Cloud refresh token refused; logging in again")
        return await self.login()

    async def access_token(self) -> str:
        """A valid access token: logs in first, or renews one about to expire."""
        tokens = self._tokens
        if tokens is None:
            tokens = await self.login()
        elif self.options.clock() >= tokens.access_expires_at - EXPIRY_MARGIN_S:
            tokens = await self.renew()
        return tokens.access

    async def authorized(self, method: str, path: str, *, json_body: object = None) -> CloudReply:
        """A request with the access token; a 401 is answered by one renewal and one retry."""
        reply = await self.send(method, path, bearer=await self.access_token(), json_body=json_body)
        if reply.status == 401:
            _LOGGER.debug("Kumo Cloud answered 401; renewing the access token once")
            tokens = await self.renew()
            reply = await self.send(method, path, bearer=tokens.access, json_body=json_body)
        return reply

    async def get_json(self, path: str) -> Any:
        """`GET path` with the access token; the decoded JSON, or the typed error."""
        return reply_json(await self.authorized("GET", path), f"Kumo Cloud GET {path}")


def reply_json(reply: CloudReply, what: str) -> Any:
    """The decoded JSON of a 200 reply, or the typed error for any other."""
    if reply.status != 200:
        raise cloud_failure(reply, what)
    if not reply.is_json:
        raise KumoCloudError(f"{what}: the reply is not JSON")
    return reply.data
