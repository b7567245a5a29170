"""v3 access/refresh tokens and when they expire (§13.2)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
import re
from typing import Any, Final

from ._values import bounded_number, parse_json
from .errors import KumoCloudError

# §13.2: prefer the JWT `exp`; without one, ha_kumo_ws assumes 18 min / 25 days.
ACCESS_FALLBACK_LIFETIME_S: Final = 18 * 60
REFRESH_FALLBACK_LIFETIME_S: Final = 25 * 24 * 3600
# An `exp` outside these epoch seconds (1970 .. year 5138) is not a date a server meant.
_EXP_BOUNDS: Final = (0.0, 1e11)
# What a bearer token can be (RFC 6750 b64token): anything else cannot go into a header.
_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


def jwt_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT, read without verifying the signature ({} if it is not one).

    We only need to know when to renew and which account a token belongs to (the `id` claim
    the push channel subscribes with, §13.2); the cloud checks the signature, not us.
    """
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = parse_json(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (ValueError, binascii.Error):
        return {}
    return claims if isinstance(claims, dict) else {}


def jwt_expiry(token: str) -> float | None:
    """The `exp` claim (epoch seconds) of a JWT, read without verifying the signature.

    None when the token is not a JWT or has no plausible `exp` (a number of epoch seconds; NaN,
    infinite or absurd values are refused, so renewal falls back to the default lifetime).
    """
    return bounded_number(jwt_claims(token).get("exp"), *_EXP_BOUNDS)


def _bearer_token(value: object) -> str | None:
    """A token that can be sent in an `Authorization` header, or None."""
    if isinstance(value, str) and _TOKEN.fullmatch(value):
        return value
    return None


@dataclass(frozen=True)
class KumoCloudTokens:
    """A v3 access/refresh token pair and when each expires (epoch seconds)."""

    access: str = field(repr=False)
    refresh: str = field(repr=False)
    access_expires_at: float
    refresh_expires_at: float

    @classmethod
    def from_wire(cls, raw: object, now: float) -> KumoCloudTokens:
        """`{"access": ..., "refresh": ...}` (the login's `token`, or the refresh reply)."""
        data = raw if isinstance(raw, Mapping) else {}
        access, refresh = _bearer_token(data.get("access")), _bearer_token(data.get("refresh"))
        if access is None or refresh is None:
            raise KumoCloudError("The Kumo Cloud reply carries no access/refresh tokens")
        return cls(
            access=access,
            refresh=refresh,
            access_expires_at=jwt_expiry(access) or now + ACCESS_FALLBACK_LIFETIME_S,
            refresh_expires_at=jwt_expiry(refresh) or now + REFRESH_FALLBACK_LIFETIME_S,
        )
