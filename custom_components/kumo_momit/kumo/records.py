"""What is known about each Kumo adapter, and how what several sources say is merged.

Local control needs, per unit: serial, LAN address, password and crypto serial (§1.1). They
are learnt from the cloud (v3 layout, v2 secrets), an imported hass-kumo cache, DHCP or the
user; `KumoUnitRecord` holds them with the source of each field, and `merge_unit_records` is
the one place where sources meet. Nothing here talks to the network.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Final

from ._values import (
    clean_crypto_serial,
    clean_label,
    clean_password,
    clean_text,
    normalize_address,
    normalize_mac,
)
from .token import KumoCredentials


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
    firmware: FieldSource | None = None
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
            firmware=source if record.firmware is not None else None,
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
    # The adapter's firmware version, as the cloud last reported it (§12.2, §13.4).
    firmware: str | None = None
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
            "firmware": self.firmware,
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
        serial = clean_text(data.get("serial"))
        if serial is None:
            raise ValueError("a stored Kumo unit has no serial")
        raw_sources = data.get("sources")
        sources: dict[str, FieldSource] = {}
        if isinstance(raw_sources, Mapping):
            known_fields = set(vars(FieldSources()))
            for key, value in raw_sources.items():
                if key in known_fields and value in _SOURCE_VALUES:
                    sources[key] = FieldSource(value)
        kind = clean_text(data.get("kind"))
        record = cls(
            serial=serial,
            name=clean_label(data.get("name")),
            kind=KumoUnitKind(kind) if kind in _KIND_VALUES else KumoUnitKind.INDOOR_UNIT,
            mac=normalize_mac(data.get("mac")),
            address=normalize_address(data.get("address")),
            password_b64=clean_password(data.get("password")),
            crypto_serial_hex=clean_crypto_serial(data.get("crypto_serial")),
            model=clean_label(data.get("model")),
            firmware=clean_label(data.get("firmware")),
            site_name=clean_label(data.get("site")),
            group_name=clean_label(data.get("group")),
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

    Rules (why): names, site/group, MAC, model and firmware follow `new`, where it has them
    (the app is where people rename units). The address and the secrets already in `known` are never
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
    firmware, firmware_src = _pick_newer(known.firmware, ks.firmware, new.firmware, ns.firmware)
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
        firmware=firmware,
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
            firmware=firmware_src,
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
