"""Client of the v3 REST API (§13): the account's layout and its devices.

Authentication and the token lifecycle live in `KumoCloudV3Api` (shared with any other v3
client of the same account); this module only knows which endpoints to read and how to spend
the account's request budget (§13.5).
"""

from __future__ import annotations

from dataclasses import dataclass
import logging
from typing import Final
from urllib.parse import quote

from ._session import AsyncClosing
from .cloud_tokens import KumoCloudTokens
from .cloud_v3_api import KumoCloudV3Api
from .cloud_v3_models import (
    KumoCloudAdapterStatus,
    KumoCloudDevice,
    KumoCloudSite,
    parse_v3_profile,
    parse_v3_sites,
    parse_v3_zones,
    with_device_details,
)
from .errors import (
    KumoCloudAuthError,
    KumoCloudConnectionError,
    KumoCloudError,
    KumoCloudThrottledError,
)
from .models import IndoorUnitProfile
from .records import KumoUnitRecord

_LOGGER = logging.getLogger(__name__)

# §13.5: about 50 requests/min per account. Details cost 2 requests per unit; stop fetching
# optional details before the budget runs out, so a large account is not answered 429.
_DETAIL_REQUESTS_PER_UNIT: Final = 2
_RATE_LIMIT_RESERVE: Final = 3


def _segment(value: str) -> str:
    """`value` as one URL path segment; text UTF-8 cannot encode is no id (§13.3)."""
    try:
        return quote(value, safe="")
    except UnicodeEncodeError:
        raise KumoCloudError("A Kumo Cloud id contains characters a URL cannot carry") from None


def _device_path(serial: str, tail: str = "") -> str:
    return f"/v3/devices/{_segment(serial)}{tail}"


@dataclass(frozen=True, kw_only=True)
class KumoCloudV3Units:
    """Result of `KumoCloudV3Client.async_fetch_units`."""

    units: tuple[KumoUnitRecord, ...]
    # Why optional per-device details are missing for some units (throttled, unreachable…).
    detail_errors: tuple[KumoCloudError, ...] = ()


class KumoCloudV3Client(AsyncClosing):
    """Layout and device reads of one v3 account; `async with` closes an own session."""

    def __init__(self, api: KumoCloudV3Api) -> None:
        """`api` is the account's authenticated API, possibly shared with other v3 clients."""
        self.api = api

    def __repr__(self) -> str:
        """Never shows the password or tokens."""
        return f"KumoCloudV3Client({self.api!r})"

    async def close(self) -> None:
        """Close the API's session if it created it (see `KumoCloudV3Api`)."""
        await self.api.close()

    @property
    def tokens(self) -> KumoCloudTokens | None:
        """The current token pair (None before login)."""
        return self.api.tokens

    @property
    def rate_limit_remaining(self) -> int | None:
        """The last `x-ratelimit-remaining` the cloud sent (§13.5)."""
        return self.api.rate_limit_remaining

    async def async_login(self) -> KumoCloudTokens:
        """`POST /v3/login`. Throttled, wrong credentials and outages raise distinct errors."""
        return await self.api.login()

    async def async_refresh(self) -> KumoCloudTokens:
        """`POST /v3/refresh` (§13.2); the reply's tokens replace both old ones."""
        return await self.api.refresh()

    async def async_get_sites(self) -> tuple[KumoCloudSite, ...]:
        """`GET /v3/sites/`."""
        return parse_v3_sites(await self.api.get_json("/v3/sites/"))

    async def async_get_zones(self, site: KumoCloudSite) -> tuple[KumoUnitRecord, ...]:
        """`GET /v3/sites/{id}/zones`, as unit records."""
        path = f"/v3/sites/{_segment(site.id)}/zones"
        return parse_v3_zones(await self.api.get_json(path), site)

    async def async_read_device(self, serial: str) -> KumoCloudDevice:
        """`GET /v3/devices/{serial}`."""
        return KumoCloudDevice.from_wire(serial, await self.api.get_json(_device_path(serial)))

    async def async_get_adapter_status(self, serial: str) -> KumoCloudAdapterStatus:
        """`GET /v3/devices/{serial}/status`."""
        data = await self.api.get_json(_device_path(serial, "/status"))
        return KumoCloudAdapterStatus.from_wire(data)

    async def async_get_profile(self, serial: str) -> IndoorUnitProfile | None:
        """`GET /v3/devices/{serial}/profile`; None when the reply holds no profile object."""
        return parse_v3_profile(await self.api.get_json(_device_path(serial, "/profile")))

    def _detail_budget_spent(self) -> bool:
        remaining = self.rate_limit_remaining
        return remaining is not None and remaining < _DETAIL_REQUESTS_PER_UNIT + _RATE_LIMIT_RESERVE

    async def async_fetch_units(self, *, details: bool = True) -> KumoCloudV3Units:
        """Sites → zones → units; with `details`, model, MAC and crypto serial per device.

        Layout failures raise. Details are best-effort: they stop at the first throttling or
        connection failure, or before the rate-limit budget (§13.5) runs out, and the reason is
        returned in `detail_errors`; a device the cloud does not know is skipped.
        """
        units: list[KumoUnitRecord] = []
        for site in await self.async_get_sites():
            units.extend(await self.async_get_zones(site))
        errors: list[KumoCloudError] = []
        if not details:
            return KumoCloudV3Units(units=tuple(units))
        for index, unit in enumerate(units):
            if self._detail_budget_spent():
                skipped = ", ".join(u.serial for u in units[index:])
                errors.append(
                    KumoCloudThrottledError(
                        f"Kumo Cloud rate-limit budget nearly spent; no details for {skipped}"
                    )
                )
                break
            try:
                device = await self.async_read_device(unit.serial)
                status = await self.async_get_adapter_status(unit.serial)
            except (KumoCloudThrottledError, KumoCloudConnectionError, KumoCloudAuthError) as err:
                _LOGGER.debug("Kumo Cloud device details stopped: %s", err)
                errors.append(err)
                break
            except KumoCloudError as err:
                _LOGGER.debug("No Kumo Cloud device details for %s: %s", unit.serial, err)
                continue
            units[index] = with_device_details(unit, device, status)
        return KumoCloudV3Units(units=tuple(units), detail_errors=tuple(errors))
