"""Kumo Cloud account API (v3 Comfort app, v2 legacy) and the per-unit credential records.

Local control needs, per unit: serial, LAN address, password and crypto serial (kumo.md §1.1).
The cloud is only a way to *learn* those once; the Home Assistant layer persists them so the
cloud is never needed to run. Sources, in the order `async_discover_units` uses them:

* v3 (`app-prod`, §13): the layout — sites, zones, serials, names, MACs, models, Kumo Station
  flag — and, for accounts still served the 2025 `/status` form, the crypto serial. v3 has
  never returned LAN addresses, and since ~2026-08 no password or crypto serial (§13.6).
* v2 legacy login (`geo-c`, Canadian `mesca-prod`, §12): password, crypto serial and address,
  for accounts that existed in the old Kumo app. Best-effort: Comfort-native accounts get 500.
* Not built: the v3 Socket.IO `adapter_update` password path. It stopped sending passwords in
  2026-08 (§13.6), so it would cost a 60 s budget per setup for nothing.

Everything is merged into one `KumoUnitRecord` per unit that says where each field came from;
`merge_unit_records` is the pure merge the Home Assistant layer also uses with what it stored.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
import ipaddress
import json
import logging
import re
import time
from typing import Any, Final, Self
from urllib.parse import quote, urlsplit

import aiohttp

from .errors import (
    KumoCloudAuthError,
    KumoCloudConnectionError,
    KumoCloudError,
    KumoCloudNoSecretsError,
    KumoCloudThrottledError,
    KumoCredentialsError,
)
from .models import IndoorUnitProfile
from .token import KumoCredentials, decode_crypto_serial, decode_password

_LOGGER = logging.getLogger(__name__)

DEFAULT_V3_BASE_URL: Final = "https://app-prod.kumocloud.com"
DEFAULT_V2_BASE_URL: Final = "https://geo-c.kumocloud.com"
DEFAULT_V2_CANADA_BASE_URL: Final = "https://mesca-prod.kumocloud.com"
V2_LOGIN_PATH: Final = "/login"
V2_CANADA_LOGIN_PATH: Final = "/login/v2"  # §12.1, pykumo #62
# §13.1: the app version pykumo sends; the header appears to be required.
V3_APP_VERSION: Final = "3.2.4"
V2_APP_VERSION: Final = "2.2.0"  # §12.1
# §13.1: pykumo uses 10 s connect / 30 s read.
DEFAULT_CLOUD_TIMEOUT: Final = aiohttp.ClientTimeout(total=40, connect=10)

# §13.2: prefer the JWT `exp`; without one, ha_kumo_ws assumes 18 min / 25 days.
ACCESS_FALLBACK_LIFETIME_S: Final = 18 * 60
REFRESH_FALLBACK_LIFETIME_S: Final = 25 * 24 * 3600
# Renew a little before `exp`, so a request does not race the expiry on the server.
_EXPIRY_MARGIN_S: Final = 60.0

# §13.5: about 50 requests/min per account. Details cost 2 requests per unit; stop fetching
# optional details before the budget runs out, so a large account is not answered 429.
_DETAIL_REQUESTS_PER_UNIT: Final = 2
_RATE_LIMIT_RESERVE: Final = 3

# §13.2: under login throttling the v3 cloud answers this error *even for valid credentials*.
_THROTTLED_LOGIN_ERROR: Final = "usernameOrPasswordIncorrect"

# Placeholder addresses seen in hass-kumo caches and flows (§1.2 of the user-demands note: its
# IP form pre-fills "<label> <mac>"; `N/A`/`empty` are skipped by hass-kumo), plus the local
# API's placeholder values (§9). None of them is an address.
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


# --------------------------------------------------------------------------- value cleaning


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


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    return text or None


def _clean_password(value: object) -> str | None:
    """The base64 password if it decodes (§3 step 1); an unusable one is as good as none."""
    text = _text(value)
    if text is None:
        return None
    try:
        decode_password(text)
    except KumoCredentialsError:
        return None
    return text


def _clean_crypto_serial(value: object) -> str | None:
    """The hex crypto serial if it has the ≥ 9 bytes the token needs (§3 step 2)."""
    text = _text(value)
    if text is None:
        return None
    try:
        decode_crypto_serial(text)
    except KumoCredentialsError:
        return None
    return text.lower()


# --------------------------------------------------------------------------- unit records


class KumoUnitKind(StrEnum):
    """What a Kumo adapter is attached to."""

    INDOOR_UNIT = "indoor_unit"
    # Kumo Station: equipment controller with an outdoor-air sensor, no climate control (§10).
    STATION = "station"


class FieldSource(StrEnum):
    """Where a field of a `KumoUnitRecord` came from."""

    CLOUD_V3 = "cloud_v3"
    CLOUD_V2 = "cloud_v2"  # legacy login, either host
    CACHE = "cache"  # an imported hass-kumo / pykumo kumo_cache.json (§14)
    USER = "user"
    DHCP = "dhcp"  # a DHCP lease matched by MAC and confirmed by a signed probe (§11)


_KIND_VALUES: Final = frozenset(kind.value for kind in KumoUnitKind)
_SOURCE_VALUES: Final = frozenset(source.value for source in FieldSource)


@dataclass(frozen=True, kw_only=True)
class FieldSources:
    """Per field of a `KumoUnitRecord`: its source, or None when nothing provided it.

    `kind` is None when no source said what the unit is and indoor unit was assumed (§10:
    pykumo's v3 path assumes "ductless" the same way).
    """

    name: FieldSource | None = None
    kind: FieldSource | None = None
    mac: FieldSource | None = None
    address: FieldSource | None = None
    password: FieldSource | None = None
    crypto_serial: FieldSource | None = None
    model: FieldSource | None = None
    site_name: FieldSource | None = None
    group_name: FieldSource | None = None

    @classmethod
    def every(cls, source: FieldSource, record: KumoUnitRecord) -> FieldSources:
        """`source` for every field `record` has a value for."""
        return cls(
            name=source if record.name is not None else None,
            kind=source,
            mac=source if record.mac is not None else None,
            address=source if record.address is not None else None,
            password=source if record.password_b64 is not None else None,
            crypto_serial=source if record.crypto_serial_hex is not None else None,
            model=source if record.model is not None else None,
            site_name=source if record.site_name is not None else None,
            group_name=source if record.group_name is not None else None,
        )


@dataclass(frozen=True, kw_only=True)
class KumoUnitRecord:
    """Everything known about one Kumo adapter (§1.1), and where each part came from.

    `serial` is the adapter serial, the key of every API. Secrets are validated when parsed
    (an undecodable password or short crypto serial is stored as None) and never shown by repr.
    """

    serial: str
    name: str | None = None
    kind: KumoUnitKind = KumoUnitKind.INDOOR_UNIT
    mac: str | None = None
    address: str | None = None
    password_b64: str | None = field(default=None, repr=False)
    crypto_serial_hex: str | None = field(default=None, repr=False)
    model: str | None = None
    site_name: str | None = None
    group_name: str | None = None
    sources: FieldSources = field(default_factory=FieldSources)

    @property
    def display_name(self) -> str:
        """The name, or `Unit <last 6 of serial>` as hass-kumo names unlabelled units."""
        return self.name or f"Unit {self.serial[-6:]}"

    @property
    def has_secrets(self) -> bool:
        """Both local secrets are known, so requests can be signed (§3)."""
        return self.password_b64 is not None and self.crypto_serial_hex is not None

    @property
    def credentials(self) -> KumoCredentials | None:
        """The secrets ready for signing, or None while one is missing."""
        if self.password_b64 is None or self.crypto_serial_hex is None:
            return None
        return KumoCredentials(self.password_b64, self.crypto_serial_hex)

    @property
    def is_complete(self) -> bool:
        """Secrets and address known: the unit can be controlled locally."""
        return self.has_secrets and self.address is not None

    def with_address(self, address: str, source: FieldSource) -> KumoUnitRecord:
        """This record with `address` (validated), from `source`."""
        clean = normalize_address(address)
        if clean is None:
            raise ValueError(f"{address!r} is not a host or IPv4 address")
        return replace(self, address=clean, sources=replace(self.sources, address=source))

    def with_secrets(
        self, password_b64: str, crypto_serial_hex: str, source: FieldSource = FieldSource.USER
    ) -> KumoUnitRecord:
        """This record with a password/crypto-serial pair, e.g. typed in by the user.

        Raises `KumoCredentialsError` when either is malformed, so a typo is reported at once.
        """
        credentials = KumoCredentials(password_b64.strip(), crypto_serial_hex.strip())
        return replace(
            self,
            password_b64=credentials.password_b64,
            crypto_serial_hex=credentials.crypto_serial_hex.lower(),
            sources=replace(self.sources, password=source, crypto_serial=source),
        )

    def to_storage(self) -> dict[str, Any]:
        """A JSON-ready dict (e.g. for config entry data); contains the secrets."""
        return {
            "serial": self.serial,
            "name": self.name,
            "kind": self.kind.value,
            "mac": self.mac,
            "address": self.address,
            "password": self.password_b64,
            "crypto_serial": self.crypto_serial_hex,
            "model": self.model,
            "site": self.site_name,
            "group": self.group_name,
            "sources": {
                key: source.value
                for key, source in vars(self.sources).items()
                if source is not None
            },
        }

    @classmethod
    def from_storage(cls, data: Mapping[str, Any]) -> KumoUnitRecord:
        """Inverse of `to_storage`; values that do not validate are dropped, not trusted."""
        serial = _text(data.get("serial"))
        if serial is None:
            raise ValueError("a stored Kumo unit has no serial")
        raw_sources = data.get("sources")
        sources: dict[str, FieldSource] = {}
        if isinstance(raw_sources, Mapping):
            known_fields = set(vars(FieldSources()))
            for key, value in raw_sources.items():
                if key in known_fields and value in _SOURCE_VALUES:
                    sources[key] = FieldSource(value)
        kind = _text(data.get("kind"))
        record = cls(
            serial=serial,
            name=_text(data.get("name")),
            kind=KumoUnitKind(kind) if kind in _KIND_VALUES else KumoUnitKind.INDOOR_UNIT,
            mac=normalize_mac(data.get("mac")),
            address=normalize_address(data.get("address")),
            password_b64=_clean_password(data.get("password")),
            crypto_serial_hex=_clean_crypto_serial(data.get("crypto_serial")),
            model=_text(data.get("model")),
            site_name=_text(data.get("site")),
            group_name=_text(data.get("group")),
        )
        # A source only stands next to a value (kind always has a value).
        present = {
            key
            for key, value in vars(FieldSources.every(FieldSource.USER, record)).items()
            if value is not None
        }
        return replace(
            record,
            sources=FieldSources(**{k: v for k, v in sources.items() if k in present}),
        )


def _pick_newer[T](
    known: T | None, known_source: FieldSource | None, new: T | None, new_src: FieldSource | None
) -> tuple[T | None, FieldSource | None]:
    """Layout facts (names, MAC, model): the fresher record wins where it has a value."""
    return (new, new_src) if new is not None else (known, known_source)


def _keep_known[T](
    known: T | None, known_source: FieldSource | None, new: T | None, new_src: FieldSource | None
) -> tuple[T | None, FieldSource | None]:
    """Local facts (address, secrets): what we have is kept; the newcomer only fills gaps."""
    return (known, known_source) if known is not None else (new, new_src)


def merge_unit_record(known: KumoUnitRecord, new: KumoUnitRecord) -> KumoUnitRecord:
    """Merge two records of the same unit; `new` is the fresher source (e.g. the cloud).

    Rules (why): names, site/group, MAC and model follow `new`, where it has them (the app is
    where people rename units). The address and the secrets already in `known` are never
    replaced or erased: secrets are per-adapter chip material that does not change (§3, §13.6)
    while cloud copies can be stale (§13.6, hass-kumo #189), and a known address was entered or
    probed locally while cloud addresses lag network changes (§11). Secrets move as a pair: a
    complete known pair is kept, else a complete new pair is taken whole, else each fills the
    other's gaps (v3 may give only the crypto serial, the user only the password). A unit is a
    station if either record says so: mistaking a station for an indoor unit gives it a
    climate entity it cannot serve (§10).
    """
    if known.serial != new.serial:
        raise ValueError("cannot merge records of different units")
    ks, ns = known.sources, new.sources
    name, name_src = _pick_newer(known.name, ks.name, new.name, ns.name)
    mac, mac_src = _pick_newer(known.mac, ks.mac, new.mac, ns.mac)
    model, model_src = _pick_newer(known.model, ks.model, new.model, ns.model)
    site, site_src = _pick_newer(known.site_name, ks.site_name, new.site_name, ns.site_name)
    group, group_src = _pick_newer(known.group_name, ks.group_name, new.group_name, ns.group_name)
    address, address_src = _keep_known(known.address, ks.address, new.address, ns.address)
    if known.has_secrets or not new.has_secrets:
        password, password_src = _keep_known(
            known.password_b64, ks.password, new.password_b64, ns.password
        )
        crypto, crypto_src = _keep_known(
            known.crypto_serial_hex, ks.crypto_serial, new.crypto_serial_hex, ns.crypto_serial
        )
    else:
        password, password_src = new.password_b64, ns.password
        crypto, crypto_src = new.crypto_serial_hex, ns.crypto_serial
    kind, kind_src = _merge_kind(known, new)
    return KumoUnitRecord(
        serial=known.serial,
        name=name,
        kind=kind,
        mac=mac,
        address=address,
        password_b64=password,
        crypto_serial_hex=crypto,
        model=model,
        site_name=site,
        group_name=group,
        sources=FieldSources(
            name=name_src,
            kind=kind_src,
            mac=mac_src,
            address=address_src,
            password=password_src,
            crypto_serial=crypto_src,
            model=model_src,
            site_name=site_src,
            group_name=group_src,
        ),
    )


def _merge_kind(
    known: KumoUnitRecord, new: KumoUnitRecord
) -> tuple[KumoUnitKind, FieldSource | None]:
    for record in (new, known):
        if record.kind is KumoUnitKind.STATION:
            return record.kind, record.sources.kind
    for record in (new, known):
        if record.sources.kind is not None:
            return record.kind, record.sources.kind
    return KumoUnitKind.INDOOR_UNIT, None


def merge_unit_records(
    known: Iterable[KumoUnitRecord], new: Iterable[KumoUnitRecord]
) -> tuple[KumoUnitRecord, ...]:
    """Merge unit lists by serial (see `merge_unit_record`); units only in one list are kept.

    Typical uses: `merge_unit_records(stored_units, cloud_units)` in the Home Assistant layer,
    `merge_unit_records(imported_cache, cloud_units)` when migrating from hass-kumo. Order:
    `known` first, then units only `new` has.
    """
    merged: dict[str, KumoUnitRecord] = {}
    for record in (*known, *new):
        previous = merged.get(record.serial)
        merged[record.serial] = record if previous is None else merge_unit_record(previous, record)
    return tuple(merged.values())


# --------------------------------------------------------------------------- v2 parsing (§12)


def _parse_v2_unit(
    key: object,
    entry: object,
    *,
    site_name: str | None,
    group_name: str | None,
    source: FieldSource,
) -> KumoUnitRecord | None:
    """One `zoneTable` entry (§12.2 / §14). Unusable values become None, never guesses."""
    if not isinstance(entry, Mapping):
        return None
    serial = _text(entry.get("serial")) or _text(key)
    if serial is None:
        return None
    unit_type = _text(entry.get("unitType"))
    record = KumoUnitRecord(
        serial=serial,
        name=_text(entry.get("label")),
        kind=KumoUnitKind.STATION if unit_type == "headless" else KumoUnitKind.INDOOR_UNIT,
        mac=normalize_mac(entry.get("mac")),
        # `address` is sometimes missing (hass-kumo #109); `port` (always "80" in examples) is
        # not combined with it, as pykumo does not either (§2.1).
        address=normalize_address(entry.get("address")),
        password_b64=_clean_password(entry.get("password")),
        crypto_serial_hex=_clean_crypto_serial(entry.get("cryptoSerial")),
        site_name=site_name,
        group_name=group_name,
    )
    sources = FieldSources.every(source, record)
    if unit_type is None:
        sources = replace(sources, kind=None)
    return replace(record, sources=sources)


def parse_v2_zone_tree(root: object, *, source: FieldSource) -> tuple[KumoUnitRecord, ...]:
    """Every unit in a v2 zone tree (`data[2]` of a v2 login, or of a kumo_cache.json).

    Root = account (level 1), its children = sites (level 2), anything deeper = groups; each
    node may have its own `zoneTable`. pykumo reads only levels 2 and 3; kumojs recurses to any
    depth (§12.2), and so do we. Iterative, so a hostile file cannot exhaust the stack.
    """
    units: dict[str, KumoUnitRecord] = {}
    stack: list[tuple[object, int, str | None, str | None]] = [(root, 0, None, None)]
    while stack:
        node, depth, site_name, group_name = stack.pop()
        if not isinstance(node, Mapping):
            continue
        label = _text(node.get("label"))
        if depth == 1:
            site_name = label
        elif depth >= 2 and label is not None:
            group_name = label  # the nearest named group
        table = node.get("zoneTable")
        if isinstance(table, Mapping):
            for key, entry in table.items():
                record = _parse_v2_unit(
                    key, entry, site_name=site_name, group_name=group_name, source=source
                )
                if record is not None:
                    previous = units.get(record.serial)
                    units[record.serial] = (
                        record if previous is None else merge_unit_record(previous, record)
                    )
        children = node.get("children")
        if isinstance(children, list):
            # Reversed, so units come out in document order.
            stack.extend((child, depth + 1, site_name, group_name) for child in reversed(children))
    return tuple(units.values())


def parse_v2_login(data: object) -> tuple[KumoUnitRecord, ...]:
    """The units of a v2 login reply: `[account, preferences, zone tree, "no device token"]`."""
    if data is None:
        # §12.4: a wrong password is answered `200 null`.
        raise KumoCloudAuthError("The Kumo Cloud legacy login rejected the username or password")
    if not isinstance(data, list) or len(data) < 3 or not isinstance(data[2], Mapping):
        raise KumoCloudError("The Kumo Cloud legacy login reply has an unexpected shape")
    return parse_v2_zone_tree(data[2], source=FieldSource.CLOUD_V2)


# --------------------------------------------------------------------------- v3 parsing (§13)


@dataclass(frozen=True, kw_only=True)
class KumoCloudSite:
    """A v3 site ("Location" in the app)."""

    id: str
    name: str | None = None


@dataclass(frozen=True, kw_only=True)
class KumoCloudDevice:
    """`GET /v3/devices/{serial}`, the parts we use (§13.4)."""

    serial: str
    model: str | None = None
    # The indoor unit's own serial number, not the adapter serial (§1.1).
    indoor_unit_serial: str | None = None
    is_headless: bool | None = None

    @classmethod
    def from_wire(cls, serial: str, raw: object) -> KumoCloudDevice:
        """Parse the device object; a non-object reply gives an empty record."""
        data = raw if isinstance(raw, Mapping) else {}
        headless = data.get("isHeadless")
        return cls(
            serial=serial,
            model=_text(data.get("modelNumber")),
            indoor_unit_serial=_text(data.get("serialNumber")),
            is_headless=headless if isinstance(headless, bool) else None,
        )


@dataclass(frozen=True, kw_only=True)
class KumoCloudAdapterStatus:
    """`GET /v3/devices/{serial}/status` (§13.4): 2025 form has `cryptoSerial`, 2026 `mac`."""

    crypto_serial_hex: str | None = field(default=None, repr=False)
    mac: str | None = None
    firmware_version: str | None = None

    @classmethod
    def from_wire(cls, raw: object) -> KumoCloudAdapterStatus:
        """Parse the status object; a non-object reply gives an empty record."""
        data = raw if isinstance(raw, Mapping) else {}
        return cls(
            crypto_serial_hex=_clean_crypto_serial(data.get("cryptoSerial")),
            mac=normalize_mac(data.get("mac")),
            firmware_version=_text(data.get("firmwareVersion")),
        )


def parse_v3_sites(data: object) -> tuple[KumoCloudSite, ...]:
    """`GET /v3/sites/`: a list of site objects; entries without an id are skipped."""
    if not isinstance(data, list):
        raise KumoCloudError("The Kumo Cloud site list has an unexpected shape")
    return tuple(
        KumoCloudSite(id=site_id, name=_text(item.get("name")))
        for item in data
        if isinstance(item, Mapping) and (site_id := _text(item.get("id"))) is not None
    )


def parse_v3_zones(data: object, site: KumoCloudSite) -> tuple[KumoUnitRecord, ...]:
    """`GET /v3/sites/{id}/zones`: one record per zone with an adapter serial (§13.3).

    Inactive zones are kept: what `isActive` means is not known, and losing a unit costs more
    than showing one that turns out unavailable.
    """
    if not isinstance(data, list):
        raise KumoCloudError("The Kumo Cloud zone list has an unexpected shape")
    records: list[KumoUnitRecord] = []
    for zone in data:
        if not isinstance(zone, Mapping):
            continue
        adapter = zone.get("adapter")
        if not isinstance(adapter, Mapping):
            continue
        serial = _text(adapter.get("deviceSerial"))
        if serial is None:
            continue
        group = zone.get("group")
        # v3 zones carry `isHeadless` (§10); pykumo reads `unitType` there instead (§13.3).
        headless = adapter.get("isHeadless")
        unit_type = _text(adapter.get("unitType"))
        is_station = headless is True or unit_type == "headless"
        kind_known = isinstance(headless, bool) or unit_type is not None
        record = KumoUnitRecord(
            serial=serial,
            name=_text(zone.get("name")),
            kind=KumoUnitKind.STATION if is_station else KumoUnitKind.INDOOR_UNIT,
            mac=normalize_mac(adapter.get("macAddress")),
            site_name=site.name,
            group_name=_text(group.get("name")) if isinstance(group, Mapping) else None,
        )
        sources = FieldSources.every(FieldSource.CLOUD_V3, record)
        records.append(
            replace(record, sources=sources if kind_known else replace(sources, kind=None))
        )
    return tuple(records)


def parse_v3_profile(data: object) -> IndoorUnitProfile | None:
    """`GET /v3/devices/{serial}/profile`: an object, or a one-element list of it (§13.4)."""
    if isinstance(data, list):
        data = next((item for item in data if isinstance(item, Mapping)), None)
    return IndoorUnitProfile.from_wire(data) if isinstance(data, Mapping) else None


def _with_device_details(
    record: KumoUnitRecord, device: KumoCloudDevice, status: KumoCloudAdapterStatus
) -> KumoUnitRecord:
    """Fold `/v3/devices/{serial}` and its `/status` into a zone record."""
    details = KumoUnitRecord(
        serial=record.serial,
        kind=KumoUnitKind.STATION if device.is_headless else KumoUnitKind.INDOOR_UNIT,
        model=device.model,
        mac=status.mac,
        crypto_serial_hex=status.crypto_serial_hex,
    )
    sources = FieldSources.every(FieldSource.CLOUD_V3, details)
    if device.is_headless is None:
        sources = replace(sources, kind=None)
    return merge_unit_record(record, replace(details, sources=sources))


# --------------------------------------------------------------------------- tokens


def jwt_expiry(token: str) -> float | None:
    """The `exp` claim (epoch seconds) of a JWT, read without verifying the signature.

    We only need to know when to renew; the cloud checks the signature, not us. None when the
    token is not a JWT or has no numeric `exp`.
    """
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(_b64url_decode(payload))
    except ValueError:
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        return None
    return float(exp)


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.encode("ascii"))


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
        access, refresh = _text(data.get("access")), _text(data.get("refresh"))
        if access is None or refresh is None:
            raise KumoCloudError("The Kumo Cloud reply carries no access/refresh tokens")
        return cls(
            access=access,
            refresh=refresh,
            access_expires_at=jwt_expiry(access) or now + ACCESS_FALLBACK_LIFETIME_S,
            refresh_expires_at=jwt_expiry(refresh) or now + REFRESH_FALLBACK_LIFETIME_S,
        )


# --------------------------------------------------------------------------- HTTP plumbing


@dataclass(frozen=True)
class _Reply:
    status: int
    data: Any
    is_json: bool
    rate_limit_remaining: int | None


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


async def _request(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    http_timeout: aiohttp.ClientTimeout,
    json_body: object = None,
) -> _Reply:
    """One HTTP exchange. Transport failures become `KumoCloudConnectionError`.

    Nothing here logs bodies or headers: they carry the account password and tokens.
    """
    try:
        async with session.request(
            method, url, headers=dict(headers), json=json_body, timeout=http_timeout
        ) as response:
            body = await response.read()
            status = response.status
            remaining_header = response.headers.get("x-ratelimit-remaining", "")
    except (aiohttp.ClientError, TimeoutError) as err:
        raise KumoCloudConnectionError(
            f"Kumo Cloud at {_host(url)} is unreachable ({type(err).__name__})"
        ) from err
    try:
        data, is_json = json.loads(body), True
    except ValueError:
        data, is_json = None, False
    remaining = int(remaining_header) if remaining_header.isdigit() else None
    return _Reply(status, data, is_json, remaining)


def _failure(reply: _Reply, what: str) -> KumoCloudError:
    """The typed error for a non-2xx reply."""
    error = reply.data.get("error") if isinstance(reply.data, Mapping) else None
    if reply.status == 429:
        return KumoCloudThrottledError(f"{what}: Kumo Cloud rate limit reached (HTTP 429)")
    if error == _THROTTLED_LOGIN_ERROR:
        # §13.2: after a burst of logins the cloud answers this for valid credentials for
        # 15-30 min. We cannot tell it from a wrong password, so we say both, and callers
        # must wait rather than retry.
        return KumoCloudThrottledError(
            f"{what}: Kumo Cloud answered '{_THROTTLED_LOGIN_ERROR}'. It does so for valid "
            "credentials for 15-30 minutes after a burst of logins: wait before trying again, "
            "and check the password if it persists"
        )
    if reply.status in (401, 403):
        return KumoCloudAuthError(f"{what}: Kumo Cloud rejected the credentials")
    if reply.status >= 500:
        return KumoCloudConnectionError(f"{what}: Kumo Cloud server error (HTTP {reply.status})")
    return KumoCloudError(f"{what}: unexpected Kumo Cloud answer (HTTP {reply.status})")


# --------------------------------------------------------------------------- v3 client


@dataclass(frozen=True, kw_only=True)
class KumoCloudV3Units:
    """Result of `KumoCloudV3Client.async_fetch_units`."""

    units: tuple[KumoUnitRecord, ...]
    # Why optional per-device details are missing for some units (throttled, unreachable…).
    detail_errors: tuple[KumoCloudError, ...] = ()


class KumoCloudV3Client:
    """Client of the v3 REST API (§13): login, token refresh, layout and device endpoints.

    Renewal (§13.2): the access token is renewed shortly before its JWT `exp`; an HTTP 401 is
    answered by exactly one refresh (or, if the refresh token is refused, one login) and one
    retry. No loop: a second 401 is an authentication error.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        username: str,
        password: str,
        *,
        base_url: str = DEFAULT_V3_BASE_URL,
        app_version: str = V3_APP_VERSION,
        http_timeout: aiohttp.ClientTimeout = DEFAULT_CLOUD_TIMEOUT,
        tokens: KumoCloudTokens | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`tokens` resumes an earlier session; `clock` (epoch seconds) compares with `exp`."""
        self._session = session
        self._username = username
        self._password = password
        self._base_url = base_url.rstrip("/")
        self._app_version = app_version
        self._timeout = http_timeout
        self._tokens = tokens
        self._clock = clock
        self.rate_limit_remaining: int | None = None

    def __repr__(self) -> str:
        """Never shows the password or tokens."""
        return f"KumoCloudV3Client(base_url={self._base_url!r})"

    @property
    def tokens(self) -> KumoCloudTokens | None:
        """The current token pair (None before login)."""
        return self._tokens

    async def _send(
        self, method: str, path: str, *, bearer: str | None = None, json_body: object = None
    ) -> _Reply:
        headers = {"Accept": "application/json", "x-app-version": self._app_version}
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        reply = await _request(
            self._session,
            method,
            self._base_url + path,
            headers=headers,
            http_timeout=self._timeout,
            json_body=json_body,
        )
        if reply.rate_limit_remaining is not None:
            self.rate_limit_remaining = reply.rate_limit_remaining
        return reply

    async def async_login(self) -> KumoCloudTokens:
        """`POST /v3/login`. Throttled, wrong credentials and outages raise distinct errors."""
        reply = await self._send(
            "POST",
            "/v3/login",
            json_body={
                "username": self._username,
                "password": self._password,
                "appVersion": self._app_version,
            },
        )
        if reply.status != 200:
            raise _failure(reply, "Kumo Cloud login")
        token = reply.data.get("token") if isinstance(reply.data, Mapping) else None
        self._tokens = KumoCloudTokens.from_wire(token, self._clock())
        _LOGGER.debug("Kumo Cloud v3 login succeeded")
        return self._tokens

    async def async_refresh(self) -> KumoCloudTokens:
        """`POST /v3/refresh` (§13.2); the reply's tokens replace both old ones."""
        if self._tokens is None:
            raise KumoCloudAuthError("No Kumo Cloud refresh token: log in first")
        refresh = self._tokens.refresh
        reply = await self._send(
            "POST", "/v3/refresh", bearer=refresh, json_body={"refresh": refresh}
        )
        if reply.status != 200:
            raise _failure(reply, "Kumo Cloud token refresh")
        self._tokens = KumoCloudTokens.from_wire(reply.data, self._clock())
        _LOGGER.debug("Kumo Cloud v3 access token refreshed")
        return self._tokens

    async def _renew(self) -> None:
        """One refresh; if the refresh token is expired or refused, one login."""
        if self._tokens is not None and self._clock() < self._tokens.refresh_expires_at:
            try:
                await self.async_refresh()
            except KumoCloudAuthError:
                _LOGGER.debug("Kumo Cloud refresh token refused; logging in again")
            else:
                return
        await self.async_login()

    async def _access_token(self) -> str:
        if self._tokens is None:
            await self.async_login()
        elif self._clock() >= self._tokens.access_expires_at - _EXPIRY_MARGIN_S:
            await self._renew()
        assert self._tokens is not None  # set by login/refresh above
        return self._tokens.access

    async def _get(self, path: str) -> Any:
        reply = await self._send("GET", path, bearer=await self._access_token())
        if reply.status == 401:
            _LOGGER.debug("Kumo Cloud answered 401; renewing the access token once")
            await self._renew()
            assert self._tokens is not None  # set by _renew
            reply = await self._send("GET", path, bearer=self._tokens.access)
        if reply.status != 200:
            raise _failure(reply, f"Kumo Cloud GET {path}")
        if not reply.is_json:
            raise KumoCloudError(f"Kumo Cloud GET {path}: the reply is not JSON")
        return reply.data

    async def async_get_sites(self) -> tuple[KumoCloudSite, ...]:
        """`GET /v3/sites/`."""
        return parse_v3_sites(await self._get("/v3/sites/"))

    async def async_get_zones(self, site: KumoCloudSite) -> tuple[KumoUnitRecord, ...]:
        """`GET /v3/sites/{id}/zones`, as unit records."""
        return parse_v3_zones(await self._get(f"/v3/sites/{quote(site.id, safe='')}/zones"), site)

    async def async_get_device(self, serial: str) -> KumoCloudDevice:
        """`GET /v3/devices/{serial}`."""
        data = await self._get(f"/v3/devices/{quote(serial, safe='')}")
        return KumoCloudDevice.from_wire(serial, data)

    async def async_get_adapter_status(self, serial: str) -> KumoCloudAdapterStatus:
        """`GET /v3/devices/{serial}/status`."""
        data = await self._get(f"/v3/devices/{quote(serial, safe='')}/status")
        return KumoCloudAdapterStatus.from_wire(data)

    async def async_get_profile(self, serial: str) -> IndoorUnitProfile | None:
        """`GET /v3/devices/{serial}/profile`; None when the reply holds no profile object."""
        return parse_v3_profile(await self._get(f"/v3/devices/{quote(serial, safe='')}/profile"))

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
            remaining = self.rate_limit_remaining
            if (
                remaining is not None
                and remaining < _DETAIL_REQUESTS_PER_UNIT + _RATE_LIMIT_RESERVE
            ):
                skipped = ", ".join(u.serial for u in units[index:])
                errors.append(
                    KumoCloudThrottledError(
                        f"Kumo Cloud rate-limit budget nearly spent; no details for {skipped}"
                    )
                )
                break
            try:
                device = await self.async_get_device(unit.serial)
                status = await self.async_get_adapter_status(unit.serial)
            except (KumoCloudThrottledError, KumoCloudConnectionError, KumoCloudAuthError) as err:
                _LOGGER.debug("Kumo Cloud device details stopped: %s", err)
                errors.append(err)
                break
            except KumoCloudError as err:
                _LOGGER.debug("No Kumo Cloud device details for %s: %s", unit.serial, err)
                continue
            units[index] = _with_device_details(unit, device, status)
        return KumoCloudV3Units(units=tuple(units), detail_errors=tuple(errors))


# --------------------------------------------------------------------------- v2 login


async def async_v2_login(
    session: aiohttp.ClientSession,
    username: str,
    password: str,
    *,
    base_url: str = DEFAULT_V2_BASE_URL,
    path: str = V2_LOGIN_PATH,
    http_timeout: aiohttp.ClientTimeout = DEFAULT_CLOUD_TIMEOUT,
) -> tuple[KumoUnitRecord, ...]:
    """`POST /login` on the legacy host (or `/login/v2` on the Canadian one), §12.1.

    Returns every unit of the zone tree with whatever secrets and addresses it carries.
    Comfort-native accounts get HTTP 500 (`KumoCloudConnectionError`), wrong passwords
    `200 null` (`KumoCloudAuthError`), §12.4.
    """
    reply = await _request(
        session,
        "POST",
        base_url.rstrip("/") + path,
        headers={
            "Accept": "application/json, text/plain, */*",
            "Accept-Language": "en-US,en",
            # Some accounts needed these (hass-kumo #14, §12.1).
            "Origin": "https://app.kumocloud.com",
            "Referer": "https://app.kumocloud.com/",
        },
        http_timeout=http_timeout,
        json_body={"username": username, "password": password, "appVersion": V2_APP_VERSION},
    )
    if reply.status != 200:
        raise _failure(reply, "Kumo Cloud legacy login")
    if not reply.is_json:
        raise KumoCloudError("The Kumo Cloud legacy login reply is not JSON")
    return parse_v2_login(reply.data)


# --------------------------------------------------------------------------- discovery


class CloudService(StrEnum):
    """A cloud service `async_discover_units` talks to."""

    V3 = "cloud_v3"
    V2_LEGACY = "cloud_v2"
    V2_CANADA = "cloud_v2_canada"


@dataclass(frozen=True, kw_only=True)
class KumoCloudEndpoints:
    """Base URLs of the three services (defaults: the real hosts)."""

    v3: str = DEFAULT_V3_BASE_URL
    v2_legacy: str = DEFAULT_V2_BASE_URL
    v2_canada: str = DEFAULT_V2_CANADA_BASE_URL

    @classmethod
    def single_host(cls, base_url: str) -> Self:
        """All three on one server (a simulator, a proxy): their paths do not overlap."""
        return cls(v3=base_url, v2_legacy=base_url, v2_canada=base_url)


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


async def async_discover_units(
    session: aiohttp.ClientSession,
    username: str,
    password: str,
    *,
    known: Iterable[KumoUnitRecord] = (),
    endpoints: KumoCloudEndpoints = KumoCloudEndpoints(),
    use_legacy: bool = True,
    http_timeout: aiohttp.ClientTimeout = DEFAULT_CLOUD_TIMEOUT,
    clock: Callable[[], float] = time.time,
) -> KumoCloudDiscovery:
    """Learn the account's units from the cloud and merge them into `known`.

    Strategy: v3 for the layout (1 login + 1 + one per site + 2 per unit requests, within the
    ~50/min limit for ordinary homes). Then, only if some unit still lacks secrets or an
    address (or v3 failed), one v2 legacy login — and, if v3 failed, the Canadian host too.
    A failing v2 never fails a discovery v3 answered; it is listed in `problems`.

    Raises `KumoCloudThrottledError` at once when v3 login is throttled (no other host is tried:
    more logins only prolong it). When no service answered: `KumoCloudAuthError` if v3 rejected
    the credentials, or v3 was down and every legacy host rejected them; else v3's error.
    Units without secrets are *not* an error here: see `missing_secrets`.
    """
    known_units = tuple(known)
    problems: list[CloudProblem] = []
    services: list[CloudService] = []
    v3_units: tuple[KumoUnitRecord, ...] = ()
    v3_error: KumoCloudError | None = None
    v3 = KumoCloudV3Client(
        session, username, password, base_url=endpoints.v3, http_timeout=http_timeout, clock=clock
    )
    try:
        fetched = await v3.async_fetch_units()
    except KumoCloudThrottledError:
        raise
    except KumoCloudError as err:
        _LOGGER.debug("Kumo Cloud v3 failed: %s", err)
        v3_error = err
        problems.append(CloudProblem(service=CloudService.V3, error=err))
    else:
        services.append(CloudService.V3)
        v3_units = fetched.units
        problems.extend(
            CloudProblem(service=CloudService.V3, error=err) for err in fetched.detail_errors
        )

    so_far = merge_unit_records(known_units, v3_units)
    needs_legacy = (
        v3_error is not None
        or not so_far
        or any(not unit.has_secrets or unit.address is None for unit in so_far)
    )
    v2_units: tuple[KumoUnitRecord, ...] = ()
    legacy_errors: list[KumoCloudError] = []
    if use_legacy and needs_legacy:
        hosts = [(CloudService.V2_LEGACY, endpoints.v2_legacy, V2_LOGIN_PATH)]
        if v3_error is not None:
            hosts.append((CloudService.V2_CANADA, endpoints.v2_canada, V2_CANADA_LOGIN_PATH))
        for service, base_url, path in hosts:
            try:
                v2_units = await async_v2_login(
                    session,
                    username,
                    password,
                    base_url=base_url,
                    path=path,
                    http_timeout=http_timeout,
                )
            except KumoCloudError as err:
                _LOGGER.debug("Kumo Cloud %s login failed: %s", service, err)
                legacy_errors.append(err)
                problems.append(CloudProblem(service=service, error=err))
                if isinstance(err, KumoCloudThrottledError):
                    break
                continue
            services.append(service)
            break

    if not services:
        assert v3_error is not None  # v3 either answered or failed
        if (
            isinstance(v3_error, KumoCloudConnectionError)
            and legacy_errors
            and all(isinstance(err, KumoCloudAuthError) for err in legacy_errors)
        ):
            raise KumoCloudAuthError(
                "Kumo Cloud v3 is unavailable and the legacy cloud rejected the credentials"
            ) from v3_error
        raise v3_error

    # v3 describes the layout, v2 carries the secrets: v2 as "known", v3 as the fresher.
    cloud_units = merge_unit_records(v2_units, v3_units)
    units = merge_unit_records(known_units, cloud_units)
    discovery = KumoCloudDiscovery(units=units, services=tuple(services), problems=tuple(problems))
    _LOGGER.debug(
        "Kumo Cloud discovery via %s: %d units, without secrets: %s, without address: %s",
        ", ".join(services),
        len(units),
        ", ".join(discovery.missing_secrets) or "none",
        ", ".join(discovery.missing_address) or "none",
    )
    return discovery
