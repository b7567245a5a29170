"""What the v3 REST API answers (§13.3, §13.4), parsed into records and small models."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from ._values import clean_crypto_serial, clean_label, clean_text, normalize_mac
from .errors import KumoCloudError
from .models import IndoorUnitProfile
from .records import FieldSource, FieldSources, KumoUnitKind, KumoUnitRecord, merge_unit_record


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
            model=clean_label(data.get("modelNumber")),
            indoor_unit_serial=clean_text(data.get("serialNumber")),
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
            crypto_serial_hex=clean_crypto_serial(data.get("cryptoSerial")),
            mac=normalize_mac(data.get("mac")),
            firmware_version=clean_label(data.get("firmwareVersion")),
        )


def parse_v3_sites(data: object) -> tuple[KumoCloudSite, ...]:
    """`GET /v3/sites/`: a list of site objects; entries without an id are skipped."""
    if not isinstance(data, list):
        raise KumoCloudError("The Kumo Cloud site list has an unexpected shape")
    return tuple(
        KumoCloudSite(id=site_id, name=clean_label(item.get("name")))
        for item in data
        if isinstance(item, Mapping) and (site_id := clean_text(item.get("id"))) is not None
    )


def _parse_v3_zone(zone: object, site: KumoCloudSite) -> KumoUnitRecord | None:
    """One zone with an adapter serial, or None."""
    if not isinstance(zone, Mapping):
        return None
    adapter = zone.get("adapter")
    if not isinstance(adapter, Mapping):
        return None
    serial = clean_text(adapter.get("deviceSerial"))
    if serial is None:
        return None
    group = zone.get("group")
    # v3 zones carry `isHeadless` (§10); pykumo reads `unitType` there instead (§13.3).
    headless = adapter.get("isHeadless")
    unit_type = clean_text(adapter.get("unitType"))
    is_station = headless is True or unit_type == "headless"
    kind_known = isinstance(headless, bool) or unit_type is not None
    record = KumoUnitRecord(
        serial=serial,
        name=clean_label(zone.get("name")),
        kind=KumoUnitKind.STATION if is_station else KumoUnitKind.INDOOR_UNIT,
        mac=normalize_mac(adapter.get("macAddress")),
        site_name=site.name,
        group_name=clean_label(group.get("name")) if isinstance(group, Mapping) else None,
    )
    sources = FieldSources.every(FieldSource.CLOUD_V3, record)
    return replace(record, sources=sources if kind_known else replace(sources, kind=None))


def parse_v3_zones(data: object, site: KumoCloudSite) -> tuple[KumoUnitRecord, ...]:
    """`GET /v3/sites/{id}/zones`: one record per zone with an adapter serial (§13.3).

    Inactive zones are kept: what `isActive` means is not known, and losing a unit costs more
    than showing one that turns out unavailable.
    """
    if not isinstance(data, list):
        raise KumoCloudError("The Kumo Cloud zone list has an unexpected shape")
    return tuple(record for zone in data if (record := _parse_v3_zone(zone, site)) is not None)


def parse_v3_profile(data: object) -> IndoorUnitProfile | None:
    """`GET /v3/devices/{serial}/profile`: an object, or a one-element list of it (§13.4)."""
    if isinstance(data, list):
        data = next((item for item in data if isinstance(item, Mapping)), None)
    return IndoorUnitProfile.from_wire(data) if isinstance(data, Mapping) else None


def with_device_details(
    record: KumoUnitRecord, device: KumoCloudDevice, status: KumoCloudAdapterStatus
) -> KumoUnitRecord:
    """Fold `/v3/devices/{serial}` and its `/status` into a zone record."""
    details = KumoUnitRecord(
        serial=record.serial,
        kind=KumoUnitKind.STATION if device.is_headless else KumoUnitKind.INDOOR_UNIT,
        model=device.model,
        mac=status.mac,
        crypto_serial_hex=status.crypto_serial_hex,
        firmware=status.firmware_version,
    )
    sources = FieldSources.every(FieldSource.CLOUD_V3, details)
    if device.is_headless is None:
        sources = replace(sources, kind=None)
    return merge_unit_record(record, replace(details, sources=sources))
