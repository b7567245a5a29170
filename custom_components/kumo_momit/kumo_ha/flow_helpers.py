"""Validation and cloud look-ups shared by the Kumo config, options and repair flows.

Each helper turns user input plus one probe (or one cloud discovery) into either updated unit
records or the translation key of a form error; nothing here raises for a user mistake.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import math
import os
from pathlib import Path
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from ..const import LOGGER
from ..kumo import (
    DEFAULT_SOCKET_URL,
    DEFAULT_V2_BASE_URL,
    DEFAULT_V2_CANADA_BASE_URL,
    DEFAULT_V3_BASE_URL,
    FieldSource,
    KumoCacheError,
    KumoCloudAuthError,
    KumoCloudConnectionError,
    KumoCloudEndpoints,
    KumoCloudError,
    KumoCloudThrottledError,
    KumoCredentialsError,
    KumoUnitRecord,
    ProbeResult,
    async_check_address,
    async_discover_units,
    async_resolve_addresses,
    merge_unit_records,
    normalize_mac,
    parse_kumo_cache,
)
from .const import (
    CONF_SOCKET_BASE_URL,
    CONF_V2_BASE_URL,
    CONF_V2_CA_BASE_URL,
    CONF_V3_BASE_URL,
    KUMO_CACHE_FILENAME,
)

# MAC -> IP of Kumo adapters seen by DHCP since Home Assistant started: used to find units
# whose address the cloud does not know (kumo.md §11).
DHCP_SIGHTINGS: HassKey[dict[str, str]] = HassKey("kumo_momit_dhcp_sightings")

# Sign-ins per account (lower-cased username): rejections are remembered for a while, and
# sign-ins pause after HTTP 429 or after several rejections in a short window.
CLOUD_SIGN_INS: HassKey[dict[str, CloudSignIns]] = HassKey("kumo_momit_cloud_sign_ins")
# The cloud answers "usernameOrPasswordIncorrect" to a wrong password, and reportedly to the
# right one for 15-30 min after a burst of sign-ins, which more attempts may prolong (kumo.md
# §13.2). A typo is corrected at once; only this many rejections within the window pause.
REJECTIONS_BEFORE_PAUSE: Final = 3
REJECTION_WINDOW: Final = timedelta(minutes=15)
SIGN_IN_PAUSE: Final = timedelta(minutes=15)


@dataclass
class CloudSignIns:
    """How the cloud answered one account's recent sign-ins."""

    rejected_at: list[datetime] = field(default_factory=list)
    paused_until: datetime | None = None


# A hass-kumo cache holds a few units; anything much larger is not one.
_MAX_CACHE_BYTES: Final = 256 * 1024

_PROBE_ERRORS: Final = {
    ProbeResult.WRONG_SECRETS: "wrong_unit_secrets",
    ProbeResult.UNREACHABLE: "unit_unreachable",
    ProbeResult.NOT_KUMO: "not_kumo",
}


@callback
def async_record_dhcp_sighting(hass: HomeAssistant, mac: str, ip: str) -> None:
    """Remember where DHCP saw a Kumo adapter."""
    normal = normalize_mac(mac)
    if normal is not None:
        hass.data.setdefault(DHCP_SIGHTINGS, {})[normal] = ip


@callback
def async_dhcp_sightings(hass: HomeAssistant) -> dict[str, str]:
    """MAC -> IP of the Kumo adapters DHCP has seen."""
    sightings = hass.data.get(DHCP_SIGHTINGS)
    return dict(sightings) if sightings else {}


def kumo_cache_path(hass: HomeAssistant) -> Path:
    """Where hass-kumo keeps its cache: `<config>/kumo_cache.json`."""
    return Path(hass.config.path(KUMO_CACHE_FILENAME))


def kumo_cache_exists(hass: HomeAssistant) -> bool:
    """Whether a hass-kumo cache is there to import (a stat call, no read)."""
    return kumo_cache_path(hass).is_file()


def read_kumo_cache(hass: HomeAssistant) -> tuple[KumoUnitRecord, ...] | str:
    """The units of `<config>/kumo_cache.json`, or the translation key of what went wrong.

    The file is a few kilobytes in the local config folder and is read once, when the user
    asks for it, with a size cap: a single bounded `os.read`, not a network wait.
    """
    try:
        fd = os.open(kumo_cache_path(hass), os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return "cache_not_found"
    try:
        content = os.read(fd, _MAX_CACHE_BYTES + 1)
    except OSError:
        return "cache_unreadable"
    finally:
        os.close(fd)
    if len(content) > _MAX_CACHE_BYTES:
        return "cache_unreadable"
    try:
        return parse_kumo_cache(content)
    except KumoCacheError as err:
        LOGGER.warning("Cannot import %s: %s", KUMO_CACHE_FILENAME, err)
        return "cache_unreadable"


def import_cache_into(
    units: Iterable[KumoUnitRecord], cached: Iterable[KumoUnitRecord]
) -> list[KumoUnitRecord]:
    """Cached values fill what the account's units lack; cache-only units are not added.

    A cache can be older than the account (units sold or moved): it completes the units the
    cloud listed; it does not bring back others.
    """
    current = list(units)
    by_serial = {unit.serial: unit for unit in cached}
    merged = merge_unit_records(
        [by_serial[u.serial] for u in current if u.serial in by_serial], current
    )
    merged_by_serial = {unit.serial: unit for unit in merged}
    return [merged_by_serial.get(unit.serial, unit) for unit in current]


async def async_validate_secrets(
    hass: HomeAssistant, unit: KumoUnitRecord, password: str, crypto_serial: str
) -> tuple[KumoUnitRecord, str | None]:
    """Take typed-in secrets; probe them when the unit's address is known."""
    try:
        updated = unit.with_secrets(password, crypto_serial, FieldSource.USER)
    except KumoCredentialsError:
        return unit, "invalid_secrets"
    if updated.address is None:
        return updated, None
    check = await async_check_address(
        async_get_clientsession(hass), updated, updated.address, source=FieldSource.USER
    )
    if check.result is ProbeResult.MATCH:
        return updated, None
    return unit, _PROBE_ERRORS[check.result]


async def async_validate_address(
    hass: HomeAssistant, unit: KumoUnitRecord, address: str
) -> tuple[KumoUnitRecord, str | None]:
    """Take a typed-in address once a signed probe confirms the unit answers there."""
    try:
        check = await async_check_address(
            async_get_clientsession(hass), unit, address, source=FieldSource.USER
        )
    except KumoCredentialsError:
        return unit, "no_secrets"
    except ValueError:
        return unit, "invalid_address"
    if check.result is ProbeResult.MATCH:
        return check.unit, None
    return unit, _PROBE_ERRORS[check.result]


def _sign_ins(hass: HomeAssistant, username: str) -> CloudSignIns:
    return hass.data.setdefault(CLOUD_SIGN_INS, {}).setdefault(username.lower(), CloudSignIns())


@callback
def async_sign_in_pause_left(hass: HomeAssistant, username: str) -> timedelta | None:
    """How long sign-ins of this account still pause; None when the cloud may be asked."""
    until = _sign_ins(hass, username).paused_until
    left = None if until is None else until - dt_util.utcnow()
    return left if left is not None and left > timedelta(0) else None


@callback
def async_sign_in_minutes(hass: HomeAssistant, username: str) -> str:
    """Minutes left of a pause, or how long one lasts: the `{minutes}` of the forms' errors."""
    left = async_sign_in_pause_left(hass, username) or SIGN_IN_PAUSE
    return str(max(1, math.ceil(left.total_seconds() / 60)))


@callback
def async_note_failed_sign_in(hass: HomeAssistant, username: str, error: KumoCloudError) -> str:
    """Remember how the cloud refused a sign-in (a flow's, or cloud control's at run time);
    the form error key for it."""
    sign_ins = _sign_ins(hass, username)
    now = dt_util.utcnow()
    if isinstance(error, KumoCloudThrottledError):
        sign_ins.paused_until = now + SIGN_IN_PAUSE
        return "throttled"
    if not isinstance(error, KumoCloudAuthError):
        return _cloud_error_key(error)
    recent = [at for at in sign_ins.rejected_at if now - at < REJECTION_WINDOW]
    sign_ins.rejected_at = [*recent, now]
    if len(sign_ins.rejected_at) < REJECTIONS_BEFORE_PAUSE:
        return "invalid_auth"
    sign_ins.rejected_at.clear()
    sign_ins.paused_until = now + SIGN_IN_PAUSE
    return "sign_in_paused"


# --- the cloud -------------------------------------------------------------------------------

_CLOUD_ERRORS: Final[dict[type[KumoCloudError], str]] = {
    KumoCloudAuthError: "invalid_auth",
    KumoCloudThrottledError: "throttled",
    KumoCloudConnectionError: "cannot_connect",
}


def _cloud_error_key(err: KumoCloudError) -> str:
    for error_type, key in _CLOUD_ERRORS.items():
        if isinstance(err, error_type):
            return key
    return "unknown"


def endpoints_from(data: Mapping[str, Any]) -> KumoCloudEndpoints:
    """The cloud servers an entry uses (the real hosts unless the user changed them)."""
    return KumoCloudEndpoints(
        v3=data.get(CONF_V3_BASE_URL) or DEFAULT_V3_BASE_URL,
        v2_legacy=data.get(CONF_V2_BASE_URL) or DEFAULT_V2_BASE_URL,
        v2_canada=data.get(CONF_V2_CA_BASE_URL) or DEFAULT_V2_CANADA_BASE_URL,
        socket=data.get(CONF_SOCKET_BASE_URL) or DEFAULT_SOCKET_URL,
    )


async def async_discover(
    hass: HomeAssistant,
    username: str,
    password: str,
    endpoints: KumoCloudEndpoints,
    known: list[KumoUnitRecord],
) -> tuple[list[KumoUnitRecord], str | None]:
    """Ask the cloud for the account's units, merged into `known`; or a form error key.

    Units the cloud lists without an address get one from DHCP sightings when a signed probe
    confirms it (kumo.md §11).
    """
    if async_sign_in_pause_left(hass, username) is not None:
        return known, "sign_in_paused"
    session = async_get_clientsession(hass)
    try:
        discovery = await async_discover_units(
            session, username, password, known=known, endpoints=endpoints
        )
    except KumoCloudError as err:
        LOGGER.debug("Kumo Cloud discovery failed: %s", type(err).__name__)
        return known, async_note_failed_sign_in(hass, username, err)
    _sign_ins(hass, username).rejected_at.clear()
    units = list(discovery.units)
    if any(unit.address is None and unit.has_secrets for unit in units):
        sightings = async_dhcp_sightings(hass)
        if sightings:
            resolution = await async_resolve_addresses(session, units, sightings)
            units = list(resolution.units)
    return units, None
