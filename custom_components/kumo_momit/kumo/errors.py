"""Exception tree of the Kumo protocol library (local adapter API and cloud account API).

The Home Assistant layer maps these to its own errors: connection/busy problems to
`UpdateFailed`/`ConfigEntryNotReady`, authentication problems to `ConfigEntryAuthFailed`,
validation problems to `ServiceValidationError`. Messages never contain secrets or tokens.
"""

from __future__ import annotations

from collections.abc import Sequence


class KumoError(Exception):
    """Base class of every error raised by the Kumo library."""


# --- local adapter API --------------------------------------------------------------------


class KumoConnectionError(KumoError):
    """The adapter could not be reached, or did not answer in time."""


class KumoAuthenticationError(KumoError):
    """The adapter rejected the request token (`device_authentication_error`, spec §9).

    Persistent after retries, it means the stored password / crypto serial do not match this
    adapter (stale secrets, or the address now belongs to another unit).
    """


class KumoAdapterBusyError(KumoError):
    """The adapter ran out of memory (`serializer_error` / `__no_memory`, spec §9).

    `reboot_requested` tells whether this very failure triggered an adapter reboot (they are
    rate-limited, so most busy errors do not).
    """

    def __init__(self, message: str, *, reboot_requested: bool = False) -> None:
        super().__init__(message)
        self.reboot_requested = reboot_requested


class KumoProtocolError(KumoError):
    """The adapter answered something that is not a valid Kumo reply (malformed JSON, no `r`)."""


class KumoCommandRejectedError(KumoProtocolError):
    """A write was refused by the adapter (`__set_no_such_option`, `__set_out_of_bounds`, §9)."""


class KumoValidationError(KumoError, ValueError):
    """A command argument is outside what this unit supports; nothing was sent."""


class KumoCredentialsError(KumoError, ValueError):
    """The password / crypto serial are malformed (not base64 / hex, too short), spec §3."""


# --- cloud account API (used by kumo/cloud.py) ---------------------------------------------


class KumoCloudError(KumoError):
    """Base class of Kumo Cloud (v2/v3 account API) errors."""


class KumoCloudAuthError(KumoCloudError):
    """The cloud rejected the account credentials (or the refresh token)."""


class KumoCloudSignInRejectedError(KumoCloudAuthError):
    """The v3 sign-in was answered `usernameOrPasswordIncorrect` (§13.2).

    That is the answer to a wrong email or password; it is also reported for the right ones
    for 15-30 minutes after a burst of sign-ins. Nobody can tell the two apart: correcting a
    typo must work at once, while repeated attempts may prolong a block.
    """


class KumoCloudThrottledError(KumoCloudError):
    """The cloud throttled us: HTTP 429 (§13.5)."""


class KumoCloudRateLimitError(KumoCloudThrottledError):
    """The account's request budget is spent (HTTP 429, §13.5): wait `retry_after_s` seconds."""

    def __init__(self, message: str, *, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class KumoCloudCommandError(KumoCloudError):
    """The cloud refused a command (HTTP 400 "Failed to validate commands", §13.5).

    `codes` are the cloud's words, e.g. `invalidFanSpeed`; nothing was changed.
    """

    def __init__(self, message: str, *, codes: Sequence[str]) -> None:
        super().__init__(message)
        self.codes: tuple[str, ...] = tuple(codes)


class KumoCloudSetpointRangeError(KumoCloudCommandError):
    """A setpoint outside the unit's limits (`invalidSpHeatRange` & co., §8.2, §13.5).

    `limit` names which range: `heat`, `cool` or `auto`.
    """

    def __init__(self, message: str, *, codes: Sequence[str], limit: str) -> None:
        super().__init__(message, codes=codes)
        self.limit = limit


class KumoCloudConnectionError(KumoCloudError):
    """The cloud could not be reached or answered with a server error."""


class KumoCloudNoSecretsError(KumoCloudError):
    """The cloud is reachable but did not hand out local secrets for some units (§13.6)."""

    def __init__(self, units: Sequence[str], message: str | None = None) -> None:
        self.units: list[str] = list(units)
        super().__init__(
            message or "Kumo Cloud returned no local secrets for: " + ", ".join(self.units or ["?"])
        )
