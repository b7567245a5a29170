"""Import of hass-kumo / pykumo `kumo_cache.json` files (kumo.md §14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from custom_components.kumo_momit.kumo import (
    FieldSource,
    KumoCacheError,
    KumoError,
    KumoUnitKind,
    KumoUnitRecord,
    build_kumo_cache,
    parse_kumo_cache,
)
from custom_components.kumo_momit.kumo.cache import parse_kumo_cache_data

FIXTURES = Path(__file__).parent.parent / "fixtures" / "kumo_cloud"


def test_pykumo_skeleton_with_junk() -> None:
    units = {
        unit.serial: unit
        for unit in parse_kumo_cache(FIXTURES.joinpath("kumo_cache.json").read_bytes())
    }

    # The non-object entry and the entry without any serial are skipped.
    assert list(units) == [
        "2E94M001Q100101A",
        "2E94M001Q100202B",
        "2E94M001Q100303C",
        "2E94M001Q100505E",
        "2A31K009S100777C",
    ]
    den = units["2E94M001Q100101A"]
    assert den.is_complete
    assert den.name == "Den"
    assert den.mac == "50:26:ef:aa:01:01"
    assert den.sources.password is FieldSource.CACHE
    assert den.sources.address is FieldSource.CACHE
    assert den.site_name is None  # the skeleton has no labels

    # Placeholder addresses (hass-kumo skips `N/A` / `empty`) are no addresses.
    assert units["2E94M001Q100202B"].address is None
    assert units["2E94M001Q100202B"].has_secrets
    assert units["2E94M001Q100303C"].address is None

    attic = units["2E94M001Q100505E"]
    assert attic.address is None  # "<label> <mac>": the untouched hass-kumo IP form
    assert attic.password_b64 is None  # not base64: as good as no password
    assert attic.crypto_serial_hex == "9705261f9bbaf13664"
    assert attic.mac is None

    station = units["2A31K009S100777C"]
    assert station.kind is KumoUnitKind.STATION
    assert station.address == "192.168.1.55:8080"


def test_old_full_v2_dump_is_read_to_any_depth() -> None:
    units = parse_kumo_cache((FIXTURES / "v2_login_legacy.json").read_text())
    assert len(units) == 5
    assert all(unit.sources.name is FieldSource.CACHE for unit in units)
    attic = next(unit for unit in units if unit.name == "Attic")
    assert attic.group_name == "Attic wing"  # a level-4 zone table


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "not valid JSON"),
        ("{not json", "not valid JSON"),
        (b"\xff\xfe\x00", "not valid JSON"),
        ("{}", "expected a list"),
        ("[{}, {}]", "expected a list"),
        ('[{}, {}, "tree"]', "no zone tree"),
    ],
)
def test_unreadable_files(content: str | bytes, message: str) -> None:
    with pytest.raises(KumoCacheError, match=message) as excinfo:
        parse_kumo_cache(content)
    assert isinstance(excinfo.value, KumoError)
    assert isinstance(excinfo.value, ValueError)


def test_valid_but_empty_cache() -> None:
    assert parse_kumo_cache_data([{}, {}, {}]) == ()
    assert parse_kumo_cache_data([{}, {}, {"children": []}, "extra"]) == ()


def test_export_round_trip() -> None:
    units = parse_kumo_cache((FIXTURES / "kumo_cache.json").read_text())
    exported = json.loads(json.dumps(build_kumo_cache(units)))

    assert parse_kumo_cache_data(exported) == units
    table = exported[2]["children"][0]["zoneTable"]
    # Unknown values are left out, not written as placeholders.
    assert "address" not in table["2E94M001Q100202B"]
    assert "password" not in table["2E94M001Q100505E"]
    assert table["2A31K009S100777C"]["unitType"] == "headless"


def test_export_of_units_of_unknown_kind() -> None:
    exported = build_kumo_cache([KumoUnitRecord(serial="S1")])
    assert exported[2]["children"][0]["zoneTable"] == {"S1": {"serial": "S1"}}
