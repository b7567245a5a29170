"""Is the unit with these secrets at this address? One signed read answers it (§11)."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

import aiohttp

from .client import STATUS_TREE, KumoClientOptions, KumoUnitClient
from .errors import (
    KumoAdapterBusyError,
    KumoAuthenticationError,
    KumoConnectionError,
    KumoProtocolError,
)
from .token import KumoCredentials

# §11: discovery probes use 3 s.
DEFAULT_PROBE_TIMEOUT: Final = 3.0


class ProbeResult(StrEnum):
    """Outcome of `probe()`."""

    MATCH = "match"
    """The adapter answered a status read signed with these secrets."""
    WRONG_SECRETS = "wrong_secrets"
    """A Kumo adapter answered, but rejected the token (another unit, or stale secrets)."""
    UNREACHABLE = "unreachable"
    """Nothing answered in time, or the adapter was too busy to tell; try again later."""
    NOT_KUMO = "not_kumo"
    """Something answered that is not a Kumo adapter."""


async def probe(
    session: aiohttp.ClientSession | None,
    address: str,
    credentials: KumoCredentials,
    *,
    # The deadline of the one request, which also bounds its connect and read timeouts.
    timeout: float = DEFAULT_PROBE_TIMEOUT,  # noqa: ASYNC109
) -> ProbeResult:
    """Check whether the unit owning `credentials` answers at `address` (§11).

    One signed status read, one attempt, no retries, no reboot, finished within `timeout`
    seconds whatever the other end does: discovery may probe many addresses, and must stay
    cheap for each of them. `session` None: an own one for the call.
    """
    options = KumoClientOptions(
        connect_timeout=timeout,
        read_timeout=timeout,
        deadline=timeout,
        attempts=1,
        auth_attempts=1,
    )
    async with KumoUnitClient(session, address, credentials, options=options) as client:
        try:
            await client.request(STATUS_TREE, reboot_on_busy=False)
        except KumoAuthenticationError:
            return ProbeResult.WRONG_SECRETS
        except KumoConnectionError:
            return ProbeResult.UNREACHABLE
        except KumoAdapterBusyError:
            # Whether a busy adapter checks the token before failing is unknown ([G]);
            # claiming a match could bind the address to the wrong unit, so report "try
            # later" instead.
            return ProbeResult.UNREACHABLE
        except KumoProtocolError:
            return ProbeResult.NOT_KUMO
    # Any `r` reply proves the token was accepted, i.e. these are this adapter's secrets (a
    # Kumo Station has no indoorUnit node, so the content is not checked).
    return ProbeResult.MATCH
