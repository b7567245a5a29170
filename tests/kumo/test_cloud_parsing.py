"""Parsing of real-shaped Kumo Cloud replies, value normalisation, records and the merge rules."""

from __future__ import annotations

import base64
from dataclasses import replace
import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.kumo_momit.kumo import (
    FieldSource,
    FieldSources,
    IndoorUnitProfile,
    KumoCloudAdapterStatus,
    KumoCloudAuthError,
    KumoCloudDevice,
    KumoCloudError,
    KumoCloudSite,
    KumoCloudTokens,
    KumoCredentialsError,
    KumoUnitKind,
    KumoUnitRecord,
    merge_unit_record,
    merge_unit_records,
    normalize_address,
    normalize_mac,
)
from custom_components.kumo_momit.kumo.cloud_tokens import (
    ACCESS_FALLBACK_LIFETIME_S,
    REFRESH_FALLBACK_LIFETIME_S,
    jwt_expiry,
)
from custom_components.kumo_momit.kumo.cloud_v2 import parse_v2_login
from custom_components.kumo_momit.kumo.cloud_v3_models import (
    parse_v3_profile,
    parse_v3_sites,
    parse_v3_zones,
    with_device_details,
)
from simulators.kumo_cloud import make_jwt

FIXTURES = Path(__file__).parent.parent / "fixtures" / "kumo_cloud"
DEN_PASSWORD = "ZcvkqylsB8YauFwFzEsggtN08AKe2ENZ+/HZuX7I"
DEN_CRYPTO = "a0b88591ea1487727d"
OFFICE_PASSWORD = "L8MxwfZR/EnaT+0dXtuulB6MNifzPlNaoRDG/p+h"
OFFICE_CRYPTO = "70d628ccfc47ceddce"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def by_serial(units: tuple[KumoUnitRecord, ...]) -> dict[str, KumoUnitRecord]:
    return {unit.serial: unit for unit in units}


# --------------------------------------------------------------------------- normalisers


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("50:26:EF:12:34:01", "50:26:ef:12:34:01"),
        ("5026ef123401", "50:26:ef:12:34:01"),
        ("50-26-EF-12-34-01", "50:26:ef:12:34:01"),
        ("5026.ef12.3401", "50:26:ef:12:34:01"),
        (" 50:26:ef:12:34:01 ", "50:26:ef:12:34:01"),
        ("00:00:00:00:00:00", None),
        ("50:26:ef:12:34", None),
        ("not a mac at all", None),
        ("", None),
        (None, None),
        (5026, None),
    ],
)
def test_normalize_mac(raw: object, expected: str | None) -> None:
    assert normalize_mac(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("192.168.1.50", "192.168.1.50"),
        (" 192.168.1.50 ", "192.168.1.50"),
        ("127.0.0.1:8080", "127.0.0.1:8080"),
        ("kumo-den.lan", "kumo-den.lan"),
        ("kumo-den.lan:80", "kumo-den.lan:80"),
        ("N/A", None),
        ("empty", None),
        ("EMPTY", None),
        ("0.0.0.0", None),
        ("", None),
        ("Den 50:26:ef:aa:01:01", None),  # hass-kumo's pre-filled IP form, left unchanged
        ("192.168.1.300", None),
        ("192.168.1", None),
        ("192.168.1.50:0", None),
        ("192.168.1.50:99999", None),
        ("192.168.1.50:http", None),
        ("http://192.168.1.50", None),
        ("-bad-.host", None),
        (None, None),
        (42, None),
    ],
)
def test_normalize_address(raw: object, expected: str | None) -> None:
    assert normalize_address(raw) == expected


# --------------------------------------------------------------------------- v2 login (§12.2)


def test_v2_login_walks_every_depth_and_keeps_what_each_unit_has() -> None:
    units = parse_v2_login(load("v2_login_legacy.json"))

    # Document order, zone tables at levels 2, 3 and 4, across two sites.
    assert [unit.serial for unit in units] == [
        "2E94M001Q100101A",
        "2A31K009S100777C",
        "2E94M001Q100202B",
        "2E94M001Q100505E",
        "2E94M001Q100303C",
    ]
    unit = by_serial(units)
    den = unit["2E94M001Q100101A"]
    assert den.name == "Den"
    assert den.mac == "50:26:ef:aa:01:01"
    assert den.address == "192.168.1.50"
    assert den.password_b64 == DEN_PASSWORD
    assert den.crypto_serial_hex == DEN_CRYPTO
    assert den.kind is KumoUnitKind.INDOOR_UNIT
    assert (den.site_name, den.group_name) == ("HomeWiFi", None)
    assert den.is_complete
    assert den.sources.password is FieldSource.CLOUD_V2
    assert den.sources.kind is FieldSource.CLOUD_V2
    assert den.sources.model is None  # v2 has no model number

    station = unit["2A31K009S100777C"]
    assert station.kind is KumoUnitKind.STATION  # unitType "headless" (§10)

    office = unit["2E94M001Q100202B"]
    assert office.address is None  # `address` missing (hass-kumo #109)
    assert office.sources.address is None
    assert office.has_secrets
    assert not office.is_complete
    assert (office.site_name, office.group_name) == ("HomeWiFi", "Upstairs")

    attic = unit["2E94M001Q100505E"]  # level 4: pykumo would not see it
    assert (attic.site_name, attic.group_name) == ("HomeWiFi", "Attic wing")
    assert attic.address == "192.168.1.54"

    basement = unit["2E94M001Q100303C"]
    assert basement.site_name == "Cabin"
    assert basement.password_b64 is not None
    assert basement.crypto_serial_hex is None  # "a8b0ba": 3 bytes, the token needs 9 (§3)
    assert not basement.has_secrets


def test_v2_canadian_reply_with_newer_keys() -> None:
    (unit,) = parse_v2_login(load("v2_login_canada.json"))
    assert unit.serial == "3C11P002R100404D"
    assert unit.mac == "38:8d:3d:aa:01:06"
    assert unit.crypto_serial_hex == "a0b88591ea1487727d"  # lower-cased
    assert unit.site_name == "Chalet"


def test_v2_login_null_is_a_wrong_password() -> None:
    with pytest.raises(KumoCloudAuthError):
        parse_v2_login(None)


@pytest.mark.parametrize("data", [{}, [], [{}, {}], [{}, {}, "tree"], "text"])
def test_v2_login_unexpected_shapes(data: object) -> None:
    with pytest.raises(KumoCloudError):
        parse_v2_login(data)


def test_v2_tree_with_junk_nodes_and_a_duplicate_serial() -> None:
    tree = {
        "children": [
            "not a node",
            {
                "label": "Site",
                "zoneTable": {"S1": {"label": "First", "password": DEN_PASSWORD}},
                "children": [
                    {
                        "label": None,
                        "zoneTable": {"S1": {"serial": "S1", "cryptoSerial": DEN_CRYPTO}},
                    }
                ],
            },
        ]
    }
    (unit,) = parse_v2_login([{}, {}, tree])
    assert unit.serial == "S1"  # the key serves as serial when the entry has none
    assert unit.name == "First"
    assert unit.has_secrets  # both halves, from two tables
    assert unit.group_name is None  # unnamed group nodes do not invent a name
    assert unit.sources.kind is None  # no unitType anywhere: indoor unit is assumed


# --------------------------------------------------------------------------- v3 (§13)


def test_v3_zones() -> None:
    site = KumoCloudSite(id="site-1", name="Home")
    units = by_serial(parse_v3_zones(load("v3_zones.json"), site))

    assert set(units) == {
        "0Y34P008Q100142F",
        "0Y34P008Q100277B",
        "2A31K009S100318C",
        "0Y34P008Q100999Z",
    }
    living = units["0Y34P008Q100142F"]
    assert living.name == "Living Room"
    assert living.kind is KumoUnitKind.INDOOR_UNIT
    assert living.sources.kind is FieldSource.CLOUD_V3  # isHeadless: false is a statement
    assert living.mac is None  # 2026 zones carry no MAC
    assert living.site_name == "Home"
    assert living.password_b64 is None
    assert living.crypto_serial_hex is None
    assert living.address is None  # v3 never returns addresses

    bedroom = units["0Y34P008Q100277B"]
    assert bedroom.group_name == "Upstairs"
    assert bedroom.mac == "50:26:ef:12:34:02"  # pykumo's adapter.macAddress, any spelling
    assert bedroom.sources.kind is None  # neither isHeadless nor unitType: unknown

    assert units["2A31K009S100318C"].kind is KumoUnitKind.STATION  # isHeadless (§10)
    unnamed = units["0Y34P008Q100999Z"]
    assert unnamed.name is None
    assert unnamed.display_name == "Unit 00999Z"  # last 6 of the serial
    assert unnamed.sources.kind is FieldSource.CLOUD_V3  # unitType "ductless"


@pytest.mark.parametrize("data", [{}, None, "zones"])
def test_v3_zone_list_of_wrong_shape(data: object) -> None:
    with pytest.raises(KumoCloudError):
        parse_v3_zones(data, KumoCloudSite(id="x"))


def test_v3_sites() -> None:
    sites = parse_v3_sites(
        [{"id": "a", "name": "Home"}, {"name": "no id"}, "junk", {"id": "b", "name": ""}]
    )
    assert sites == (KumoCloudSite(id="a", name="Home"), KumoCloudSite(id="b", name=None))
    with pytest.raises(KumoCloudError):
        parse_v3_sites({"sites": []})


def test_v3_device_and_status_forms() -> None:
    device = KumoCloudDevice.from_wire("0Y34P008Q100142F", load("v3_device.json"))
    assert device.model == "MSZ-FS12NA"
    assert device.indoor_unit_serial == "5020211IU"
    assert device.is_headless is False
    assert KumoCloudDevice.from_wire("X", ["junk"]) == KumoCloudDevice(serial="X")

    old = KumoCloudAdapterStatus.from_wire(load("v3_status_2025.json"))
    assert old.crypto_serial_hex == "8f3a1c5e7b9d2046e1"
    assert old.mac is None
    assert old.firmware_version == "02.06.12"
    new = KumoCloudAdapterStatus.from_wire(load("v3_status_2026.json"))
    assert new.crypto_serial_hex is None  # gone since ~2026-08 (§13.6)
    assert new.mac == "50:26:ef:12:34:01"
    assert "8f3a" not in repr(old)
    assert KumoCloudAdapterStatus.from_wire(None) == KumoCloudAdapterStatus()


def test_v3_profile_as_object_or_one_element_list() -> None:
    as_object = parse_v3_profile(load("v3_profile_object.json"))
    as_list = parse_v3_profile(load("v3_profile_list.json"))
    assert isinstance(as_object, IndoorUnitProfile)
    assert isinstance(as_list, IndoorUnitProfile)
    assert as_object.number_of_fan_speeds == 3
    assert as_object.minimum_setpoints["cool"] == 19
    assert not as_object.has_vane_dir
    assert as_list.number_of_fan_speeds == 5
    assert as_list.has_vane_swing
    assert parse_v3_profile([]) is None
    assert parse_v3_profile("profile") is None


# --------------------------------------------------------------------------- tokens


def test_jwt_expiry() -> None:
    assert jwt_expiry(make_jwt({"id": "u", "exp": 1_900_000_000})) == 1_900_000_000.0
    assert jwt_expiry(make_jwt({"id": "u"})) is None
    assert jwt_expiry(make_jwt({"exp": True})) is None
    assert jwt_expiry(make_jwt({"exp": "soon"})) is None
    assert jwt_expiry("opaque-token") is None
    assert jwt_expiry("a.!!!.c") is None
    not_json = base64.urlsafe_b64encode(b"\xff\xfe").decode().rstrip("=")
    assert jwt_expiry(f"a.{not_json}.c") is None
    as_list = base64.urlsafe_b64encode(b"[1]").decode().rstrip("=")
    assert jwt_expiry(f"a.{as_list}.c") is None


def test_tokens_fall_back_to_spec_lifetimes_and_hide_in_repr() -> None:
    tokens = KumoCloudTokens.from_wire({"access": "opaque-a", "refresh": "opaque-r"}, 1000.0)
    assert tokens.access_expires_at == 1000.0 + ACCESS_FALLBACK_LIFETIME_S
    assert tokens.refresh_expires_at == 1000.0 + REFRESH_FALLBACK_LIFETIME_S
    assert "opaque" not in repr(tokens)
    with pytest.raises(KumoCloudError):
        KumoCloudTokens.from_wire({"access": "only"}, 0.0)
    with pytest.raises(KumoCloudError):
        KumoCloudTokens.from_wire(None, 0.0)


# --------------------------------------------------------------------------- records


def _record(serial: str = "S1", **changes: Any) -> KumoUnitRecord:
    record = KumoUnitRecord(serial=serial, **changes)
    return replace(record, sources=FieldSources.every(FieldSource.CACHE, record))


def test_record_repr_hides_secrets() -> None:
    record = _record(password_b64=DEN_PASSWORD, crypto_serial_hex=DEN_CRYPTO)
    text = repr(record)
    assert DEN_PASSWORD not in text
    assert DEN_CRYPTO not in text
    assert "S1" in text


def test_record_credentials_and_user_secrets() -> None:
    record = _record()
    assert record.credentials is None
    updated = record.with_secrets(f" {DEN_PASSWORD} ", DEN_CRYPTO.upper())
    assert updated.crypto_serial_hex == DEN_CRYPTO
    assert updated.sources.password is FieldSource.USER
    assert updated.credentials is not None
    with pytest.raises(KumoCredentialsError):
        record.with_secrets("not base64!", DEN_CRYPTO)
    with pytest.raises(KumoCredentialsError):
        record.with_secrets(DEN_PASSWORD, "abcd")


def test_record_with_address() -> None:
    record = _record().with_address(" 10.0.0.5 ", FieldSource.USER)
    assert record.address == "10.0.0.5"
    assert record.sources.address is FieldSource.USER
    with pytest.raises(ValueError, match="not a host"):
        record.with_address("N/A", FieldSource.USER)


def test_storage_round_trip() -> None:
    record = _record(
        name="Den",
        kind=KumoUnitKind.STATION,
        mac="50:26:ef:aa:01:01",
        address="192.168.1.50",
        password_b64=DEN_PASSWORD,
        crypto_serial_hex=DEN_CRYPTO,
        model="PAC-WHS01HC-E",
        site_name="Home",
        group_name="Upstairs",
    )
    stored = json.loads(json.dumps(record.to_storage()))
    assert KumoUnitRecord.from_storage(stored) == record


def test_storage_drops_what_does_not_validate() -> None:
    record = KumoUnitRecord.from_storage(
        {
            "serial": "S1",
            "kind": "spaceship",
            "address": "N/A",
            "password": "%%%",
            "crypto_serial": "12",
            "sources": {"address": "cache", "name": "cloud_v3", "bogus": "user", "mac": "tv"},
            "name": "Den",
        }
    )
    assert record.kind is KumoUnitKind.INDOOR_UNIT
    assert record.address is None
    assert not record.has_secrets
    # A source only stands next to a value; unknown fields and sources are dropped.
    assert record.sources == FieldSources(name=FieldSource.CLOUD_V3)
    with pytest.raises(ValueError, match="no serial"):
        KumoUnitRecord.from_storage({"name": "x"})


# --------------------------------------------------------------------------- merge rules


def test_merge_cloud_never_erases_or_replaces_known_secrets_and_address() -> None:
    known = _record(
        name="Old name",
        address="192.168.1.50",
        password_b64=DEN_PASSWORD,
        crypto_serial_hex=DEN_CRYPTO,
    )
    cloud = replace(
        KumoUnitRecord(serial="S1", name="New name", model="MSZ", mac="50:26:ef:00:00:01"),
        sources=FieldSources(
            name=FieldSource.CLOUD_V3, model=FieldSource.CLOUD_V3, mac=FieldSource.CLOUD_V3
        ),
    )
    merged = merge_unit_record(known, cloud)
    assert merged.password_b64 == DEN_PASSWORD
    assert merged.crypto_serial_hex == DEN_CRYPTO
    assert merged.address == "192.168.1.50"
    assert merged.sources.password is FieldSource.CACHE
    assert merged.sources.address is FieldSource.CACHE
    # Layout follows the fresher source.
    assert merged.name == "New name"
    assert merged.sources.name is FieldSource.CLOUD_V3
    assert merged.model == "MSZ"

    # A different complete pair from the cloud does not replace a complete known pair either.
    other = _record(password_b64=OFFICE_PASSWORD, crypto_serial_hex=OFFICE_CRYPTO)
    assert merge_unit_record(known, other).password_b64 == DEN_PASSWORD


def test_merge_secrets_move_as_a_pair() -> None:
    half_known = _record(password_b64=OFFICE_PASSWORD)  # e.g. typed in by the user
    v2_pair = replace(
        _record(password_b64=DEN_PASSWORD, crypto_serial_hex=DEN_CRYPTO),
        sources=FieldSources(password=FieldSource.CLOUD_V2, crypto_serial=FieldSource.CLOUD_V2),
    )
    merged = merge_unit_record(half_known, v2_pair)
    assert (merged.password_b64, merged.crypto_serial_hex) == (DEN_PASSWORD, DEN_CRYPTO)
    assert merged.sources.password is FieldSource.CLOUD_V2

    # Two halves complete each other (user password + v3 crypto serial).
    v3_half = replace(
        KumoUnitRecord(serial="S1", crypto_serial_hex=DEN_CRYPTO),
        sources=FieldSources(crypto_serial=FieldSource.CLOUD_V3),
    )
    merged = merge_unit_record(half_known, v3_half)
    assert merged.has_secrets
    assert merged.sources.password is FieldSource.CACHE
    assert merged.sources.crypto_serial is FieldSource.CLOUD_V3


def test_merge_station_wins_and_unknown_kind_defers() -> None:
    station = replace(
        KumoUnitRecord(serial="S1", kind=KumoUnitKind.STATION),
        sources=FieldSources(kind=FieldSource.CACHE),
    )
    assumed = KumoUnitRecord(serial="S1")  # kind not stated by anyone
    stated_indoor = replace(
        KumoUnitRecord(serial="S1"), sources=FieldSources(kind=FieldSource.CLOUD_V3)
    )
    assert merge_unit_record(station, stated_indoor).kind is KumoUnitKind.STATION
    assert merge_unit_record(stated_indoor, station).kind is KumoUnitKind.STATION
    merged = merge_unit_record(stated_indoor, assumed)
    assert merged.sources.kind is FieldSource.CLOUD_V3
    assert merge_unit_record(assumed, assumed).sources.kind is None


def test_merge_lists_keeps_units_from_either_side_in_order() -> None:
    known = (_record("A"), _record("B"))
    new = (_record("C"), _record("A", name="Renamed"))
    merged = merge_unit_records(known, new)
    assert [unit.serial for unit in merged] == ["A", "B", "C"]
    assert merged[0].name == "Renamed"
    with pytest.raises(ValueError, match="different units"):
        merge_unit_record(_record("A"), _record("B"))


def test_odd_zone_entries_are_skipped() -> None:
    zones = ["junk", {"name": "no adapter serial", "adapter": {"deviceSerial": " "}}]
    assert parse_v3_zones(zones, KumoCloudSite(id="x")) == ()


def test_storage_without_sources() -> None:
    record = KumoUnitRecord.from_storage({"serial": "S1", "name": "Den", "sources": "junk"})
    assert record.name == "Den"
    assert record.sources == FieldSources()


def test_device_details_without_headless_flag_leave_the_kind_alone() -> None:
    zone = replace(
        KumoUnitRecord(serial="S1", kind=KumoUnitKind.STATION),
        sources=FieldSources(kind=FieldSource.CLOUD_V3),
    )
    merged = with_device_details(
        zone,
        KumoCloudDevice(serial="S1", model="PAC-WHS01HC-E"),
        KumoCloudAdapterStatus(mac="04:c4:61:00:00:01"),
    )
    assert merged.kind is KumoUnitKind.STATION
    assert merged.model == "PAC-WHS01HC-E"
    assert merged.sources.mac is FieldSource.CLOUD_V3
