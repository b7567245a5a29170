"""Learning an account's units from the cloud: v3 for the layout, v2 for secrets (§12, §13).

v3 (`app-prod`, §13) gives the layout — sites, zones, serials, names, MACs, models, Kumo
Station flag — and, for accounts still served the 2025 `/status` form, the crypto serial. v3
has never returned LAN addresses, and since ~2026-08 no password or crypto serial (§13.6).
The v2 legacy login (`geo-c`, Canadian `mesca-prod`, §12) gives password, crypto serial and
address for accounts that existed in the old Kumo app.

Not built: the v3 Socket.IO `adapter_update` password path. It stopped sending passwords in
2026-08 (§13.6), so it would cost a 60 s budget per setup for nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
import logging
from typing import NoReturn, Self

import aiohttp

from ._cloud_http import KumoCloudOptions
from ._session import session_for_call
from .cloud_push import DEFAULT_SOCKET_URL
from .cloud_v2 import (
    DEFAULT_V2_BASE_URL,
    DEFAULT_V2_CANADA_BASE_URL,
    V2_CANADA_LOGIN_PATH,
    V2_LOGIN_PATH,
    async_v2_login,
)
from .cloud_v3 import KumoCloudV3Client
from .cloud_v3_api import DEFAULT_V3_BASE_URL, KumoCloudV3Api
from .errors import (
    KumoCloudAuthError,
    KumoCloudConnectionError,
    KumoCloudError,
    KumoCloudNoSecretsError,
    KumoCloudSignInRejectedError,
    KumoCloudThrottledError,
)
from .records import KumoUnitRecord, merge_unit_records

_LOGGER = logging.getLogger(__name__)


class CloudService(StrEnum):
    """A cloud service `async_discover_units` talks to."""

    V3 = "cloud_v3"
    V2_LEGACY = "cloud_v2"
    V2_CANADA = "cloud_v2_canada"


@dataclass(frozen=True, kw_only=True)
class KumoCloudEndpoints:
    """Base URLs of the services (defaults: the real hosts); None leaves a v2 one out.

    `socket` is the push service of cloud control (§13.1), not used by discovery.
    """

    v3: str = DEFAULT_V3_BASE_URL
    v2_legacy: str | None = DEFAULT_V2_BASE_URL
    v2_canada: str | None = DEFAULT_V2_CANADA_BASE_URL
    socket: str = DEFAULT_SOCKET_URL

    @classmethod
    def single_host(cls, base_url: str) -> Self:
        """All on one server (a simulator, a proxy): their paths do not overlap."""
        return cls(v3=base_url, v2_legacy=base_url, v2_canada=base_url, socket=base_url)

    def without_legacy(self) -> Self:
        """Only v3: the legacy hosts are not asked."""
        return replace(self, v2_legacy=None, v2_canada=None)


@dataclass(frozen=True, kw_only=True)
class CloudProblem:
    """A step that failed without failing the discovery."""

    service: CloudService
    error: KumoCloudError


@dataclass(frozen=True, kw_only=True)
class KumoCloudDiscovery:
    """What the cloud (merged with what was already known) says about the account's units."""

    units: tuple[KumoUnitRecord, ...]
    # Services that answered with the account's units.
    services: tuple[CloudService, ...]
    problems: tuple[CloudProblem, ...] = ()

    @property
    def missing_secrets(self) -> tuple[str, ...]:
        """Serials of units still lacking the password or crypto serial."""
        return tuple(unit.serial for unit in self.units if not unit.has_secrets)

    @property
    def missing_address(self) -> tuple[str, ...]:
        """Serials of units whose LAN address is unknown (to find by DHCP/probe, §11)."""
        return tuple(unit.serial for unit in self.units if unit.address is None)

    def raise_for_missing_secrets(self) -> None:
        """For callers that need every unit: `KumoCloudNoSecretsError` naming the others."""
        if missing := self.missing_secrets:
            raise KumoCloudNoSecretsError(missing)


@dataclass(kw_only=True)
class _Progress:
    """What the services answered so far."""

    services: list[CloudService] = field(default_factory=list)
    problems: list[CloudProblem] = field(default_factory=list)
    v3_units: tuple[KumoUnitRecord, ...] = ()
    v3_error: KumoCloudError | None = None
    v2_units: tuple[KumoUnitRecord, ...] = ()
    legacy_errors: list[KumoCloudError] = field(default_factory=list)

    def failed(self, service: CloudService, error: KumoCloudError) -> None:
        _LOGGER.debug("Kumo Cloud %s failed: %s", service, error)
        self.problems.append(CloudProblem(service=service, error=error))


async def _ask_v3(
    http: aiohttp.ClientSession,
    username: str,
    password: str,
    progress: _Progress,
    *,
    base_url: str,
    options: KumoCloudOptions,
) -> None:
    v3 = KumoCloudV3Client(
        KumoCloudV3Api(http, username, password, base_url=base_url, options=options)
    )
    try:
        fetched = await v3.async_fetch_units()
    except (KumoCloudThrottledError, KumoCloudSignInRejectedError):
        # More sign-ins, on any host, could prolong a throttle (§13.2).
        raise
    except KumoCloudError as err:
        progress.v3_error = err
        progress.failed(CloudService.V3, err)
        return
    progress.services.append(CloudService.V3)
    progress.v3_units = fetched.units
    progress.problems.extend(
        CloudProblem(service=CloudService.V3, error=err) for err in fetched.detail_errors
    )


async def _ask_legacy(
    http: aiohttp.ClientSession,
    username: str,
    password: str,
    progress: _Progress,
    *,
    endpoints: KumoCloudEndpoints,
    options: KumoCloudOptions,
) -> None:
    """One v2 login; the Canadian host too if v3 failed and the first one did not answer."""
    hosts = [(CloudService.V2_LEGACY, endpoints.v2_legacy, V2_LOGIN_PATH)]
    if progress.v3_error is not None:
        hosts.append((CloudService.V2_CANADA, endpoints.v2_canada, V2_CANADA_LOGIN_PATH))
    for service, base_url, path in hosts:
        if base_url is None:
            continue
        try:
            progress.v2_units = await async_v2_login(
                http, username, password, base_url=base_url, path=path, options=options
            )
        except KumoCloudError as err:
            progress.legacy_errors.append(err)
            progress.failed(service, err)
            if isinstance(err, KumoCloudThrottledError):
                return
            continue
        progress.services.append(service)
        return


def _raise_no_service_answered(progress: _Progress) -> NoReturn:
    """No service answered: the most telling of their errors."""
    v3_error = progress.v3_error
    assert v3_error is not None  # v3 either answered or failed
    if (
        isinstance(v3_error, KumoCloudConnectionError)
        and progress.legacy_errors
        and all(isinstance(err, KumoCloudAuthError) for err in progress.legacy_errors)
    ):
        raise KumoCloudAuthError(
            "Kumo Cloud v3 is unavailable and the legacy cloud rejected the credentials"
        ) from v3_error
    raise v3_error


async def async_discover_units(
    session: aiohttp.ClientSession | None,
    username: str,
    password: str,
    *,
    known: Iterable[KumoUnitRecord] = (),
    endpoints: KumoCloudEndpoints = KumoCloudEndpoints(),
    options: KumoCloudOptions | None = None,
) -> KumoCloudDiscovery:
    """Learn the account's units from the cloud and merge them into `known`.

    Strategy: v3 for the layout (1 login + 1 + one per site + 2 per unit requests, within the
    ~50/min limit for ordinary homes). Then, only if some unit still lacks secrets or an
    address (or v3 failed), one v2 legacy login — and, if v3 failed, the Canadian host too.
    A failing v2 never fails a discovery v3 answered; it is listed in `problems`.

    Raises `KumoCloudThrottledError` (HTTP 429) or `KumoCloudSignInRejectedError` at once when
    v3 login gets either (no other host is tried: more logins may prolong a throttle). When no
    service answered: `KumoCloudAuthError` if v3 rejected
    the credentials, or v3 was down and every legacy host rejected them; else v3's error.
    Units without secrets are *not* an error here: see `missing_secrets`.
    """
    options = options or KumoCloudOptions()
    known_units = tuple(known)
    progress = _Progress()
    async with session_for_call(session) as http:
        await _ask_v3(http, username, password, progress, base_url=endpoints.v3, options=options)
        so_far = merge_unit_records(known_units, progress.v3_units)
        if (
            progress.v3_error is not None
            or not so_far
            or any(not unit.has_secrets or unit.address is None for unit in so_far)
        ):
            await _ask_legacy(
                http, username, password, progress, endpoints=endpoints, options=options
            )
    if not progress.services:
        _raise_no_service_answered(progress)

    # v3 describes the layout, v2 carries the secrets: v2 as "known", v3 as the fresher.
    cloud_units = merge_unit_records(progress.v2_units, progress.v3_units)
    units = merge_unit_records(known_units, cloud_units)
    discovery = KumoCloudDiscovery(
        units=units, services=tuple(progress.services), problems=tuple(progress.problems)
    )
    _LOGGER.debug(
        "Kumo Cloud discovery via %s: %d units, without secrets: %s, without address: %s",
        ", ".join(progress.services),
        len(units),
        ", ".join(discovery.missing_secrets) or "none",
        ", ".join(discovery.missing_address) or "none",
    )
    return discovery
