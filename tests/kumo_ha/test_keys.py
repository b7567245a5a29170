"""Keys that can never be lost: deleted units keep theirs, export, import, purge.

Since 2026-08 the cloud hands out no local keys (kumo.md §13.6); these tests use a keyless
(Comfort-native) cloud wherever a key could otherwise come back from the cloud by itself.
"""

from __future__ import annotations

from dataclasses import replace
import json
import logging
import os
from pathlib import Path
import stat
from typing import Any

from homeassistant.config_entries import SOURCE_DHCP
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.kumo_momit.const import DOMAIN
from custom_components.kumo_momit.kumo import parse_kumo_cache
from custom_components.kumo_momit.kumo_ha.const import (
    CONF_DELETED_UNITS,
    CONF_FORGET,
    CONF_REFRESH_FROM_CLOUD,
    CONF_SCAN_INTERVAL,
    CONF_UNITS,
)
from custom_components.kumo_momit.kumo_ha.data import stored_units
from custom_components.kumo_momit.kumo_ha.keys import deleted_units
from simulators.kumo_cloud import CloudAccountKind, KumoCloudSimulator
from simulators.kumo_unit import KumoUnitSimulator
from simulators.kumo_units import KumoUnitDefinition
from tests.ha import delete_device as remove_device, device_by_identifier

from .conftest import BEDROOM, LIVING_ROOM, STATION, dhcp, kumo_entry_data, record_for, servers


@pytest.fixture(autouse=True)
def _config_folder(hass: HomeAssistant, tmp_path: Path) -> None:
    """A configuration folder of this test's own: the export writes into it."""
    hass.config.config_dir = str(tmp_path)


def cache_file(hass: HomeAssistant) -> Path:
    """`<config>/kumo_cache.json`, where hass-kumo keeps its cache."""
    return Path(hass.config.path("kumo_cache.json"))


@pytest.fixture
async def keyless_cloud_entry(
    hass: HomeAssistant,
    unit_definitions: list[KumoUnitDefinition],
    kumo_units: KumoUnitSimulator,
    kumo_cloud: KumoCloudSimulator,
) -> MockConfigEntry:
    """A complete account whose cloud hands out no keys any more (Comfort-native), set up."""
    kumo_cloud.account = CloudAccountKind.COMFORT_NATIVE
    units = [record_for(d, kumo_units.address(d.serial)) for d in unit_definitions]
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="keys@example.com",
        data=kumo_entry_data(units, **servers(kumo_cloud)),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def delete_device(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, entry: MockConfigEntry, serial: str
) -> None:
    """The user deletes a unit's device (device page → ⋮ → Delete)."""
    assert await async_setup_component(hass, "config", {})
    device = device_by_identifier(dr.async_get(hass), entry, (DOMAIN, serial))
    assert device is not None
    client = await hass_ws_client(hass)
    response = await remove_device(client, device, entry)
    assert response["success"]
    await hass.async_block_till_done()


async def options_step(
    hass: HomeAssistant, entry: MockConfigEntry, step: str, *inputs: dict[str, Any]
) -> dict[str, Any]:
    """Options → `step`, then each input in turn; the last result."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": step}
    )
    for user_input in inputs:
        result = await hass.config_entries.options.async_configure(result["flow_id"], user_input)
    await hass.async_block_till_done()
    return dict(result)


def secrets_of(definitions: list[KumoUnitDefinition]) -> list[str]:
    """Every unit's password and crypto serial."""
    return [s for d in definitions for s in (d.password_b64, d.crypto_serial_hex)]


async def test_deleting_a_device_keeps_its_keys_out_of_sight(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    unit_definitions: list[KumoUnitDefinition],
    kumo_units: KumoUnitSimulator,
    setup_kumo: MockConfigEntry,
) -> None:
    """No device, no entity, no polling; keys, MAC and address stay in the entry."""
    await delete_device(hass, hass_ws_client, setup_kumo, BEDROOM)
    assert {u.serial for u in stored_units(setup_kumo.data)} == {LIVING_ROOM, STATION}
    [kept] = deleted_units(setup_kumo.data)
    bedroom = unit_definitions[1]
    assert (kept.serial, kept.name, kept.mac) == (BEDROOM, "Bedroom", bedroom.mac)
    assert (kept.password_b64, kept.crypto_serial_hex) == (
        bedroom.password_b64,
        bedroom.crypto_serial_hex,
    )
    assert kept.address == kumo_units.address(BEDROOM)
    assert device_by_identifier(dr.async_get(hass), setup_kumo, (DOMAIN, BEDROOM)) is None
    assert BEDROOM not in setup_kumo.runtime_data.indoor_units
    requests = kumo_units.unit(BEDROOM).request_count
    for coordinator in setup_kumo.runtime_data.coordinators:
        await coordinator.async_refresh()
    assert kumo_units.unit(BEDROOM).request_count == requests


async def test_cloud_refresh_brings_a_deleted_unit_back_with_its_keys(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    unit_definitions: list[KumoUnitDefinition],
    keyless_cloud_entry: MockConfigEntry,
) -> None:
    """The cloud lists the unit again but has no keys: the kept ones come back with it."""
    entry = keyless_cloud_entry
    await delete_device(hass, hass_ws_client, entry, BEDROOM)
    result = await options_step(
        hass, entry, "settings", {CONF_SCAN_INTERVAL: 60, CONF_REFRESH_FROM_CLOUD: True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    bedroom = next(u for u in stored_units(entry.data) if u.serial == BEDROOM)
    assert bedroom.password_b64 == unit_definitions[1].password_b64
    assert bedroom.is_complete
    assert CONF_DELETED_UNITS not in entry.data
    assert hass.states.get("climate.bedroom").state == "off"


async def test_dhcp_offers_a_deleted_unit_back(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    unit_definitions: list[KumoUnitDefinition],
    kumo_units: KumoUnitSimulator,
    setup_kumo: MockConfigEntry,
) -> None:
    """Its MAC gets a lease: checked with the kept keys, confirmed, back at that address."""
    await delete_device(hass, hass_ws_client, setup_kumo, BEDROOM)
    mac = unit_definitions[1].mac
    wrong = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=dhcp(mac, kumo_units.address(LIVING_ROOM))
    )
    assert wrong["type"] is FlowResultType.ABORT  # another adapter there: the keys do not fit
    assert wrong["reason"] == "not_kumo_unit"
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=dhcp(mac, kumo_units.address(BEDROOM))
    )
    assert result["step_id"] == "dhcp_restore"
    assert result["description_placeholders"]["name"] == "Bedroom"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["reason"] == "unit_restored"
    await hass.async_block_till_done()
    bedroom = next(u for u in stored_units(setup_kumo.data) if u.serial == BEDROOM)
    assert bedroom.has_secrets
    assert bedroom.sources.address == "dhcp"
    assert deleted_units(setup_kumo.data) == []
    assert hass.states.get("climate.bedroom").state == "off"


async def test_export_writes_every_units_keys_in_the_hass_kumo_format(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    unit_definitions: list[KumoUnitDefinition],
    kumo_units: KumoUnitSimulator,
    setup_kumo: MockConfigEntry,
) -> None:
    """Deleted units included; the §14 skeleton; readable by its owner only."""
    await delete_device(hass, hass_ws_client, setup_kumo, BEDROOM)
    form = await options_step(hass, setup_kumo, "export_keys")
    assert form["step_id"] == "export_keys"
    assert form["description_placeholders"]["path"] == str(cache_file(hass))
    result = await hass.config_entries.options.async_configure(form["flow_id"], {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "keys_exported"
    assert result["description_placeholders"]["count"] == "3"
    path = cache_file(hass)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    raw = json.loads(path.read_text())
    assert raw[:2] == [{}, {}]
    table = raw[2]["children"][0]["zoneTable"]
    assert set(table) == {LIVING_ROOM, BEDROOM, STATION}
    bedroom = unit_definitions[1]
    assert table[BEDROOM] == {
        "serial": BEDROOM,
        "unitType": "ductless",
        "label": "Bedroom",
        "password": bedroom.password_b64,
        "cryptoSerial": bedroom.crypto_serial_hex,
        "mac": bedroom.mac,
        "address": kumo_units.address(BEDROOM),
    }
    assert table[STATION]["unitType"] == "headless"
    assert {u.serial: u.password_b64 for u in parse_kumo_cache(path.read_bytes())} == {
        d.serial: d.password_b64 for d in unit_definitions
    }


async def test_export_never_loses_what_an_existing_cache_holds(
    hass: HomeAssistant, unit_definitions: list[KumoUnitDefinition], setup_kumo: MockConfigEntry
) -> None:
    """A hass-kumo cache there keeps its other units; a file that is no cache is not touched."""
    other = {"serial": "OTHER00001", "password": "b3RoZXI=", "cryptoSerial": "00" * 9}
    path = cache_file(hass)
    path.write_text(json.dumps([{}, {}, {"children": [{"zoneTable": {"OTHER00001": other}}]}]))
    form = await options_step(hass, setup_kumo, "export_keys")
    result = await hass.config_entries.options.async_configure(form["flow_id"], {})
    assert result["reason"] == "keys_exported"
    units = {u.serial: u for u in parse_kumo_cache(path.read_bytes())}
    assert set(units) == {LIVING_ROOM, BEDROOM, STATION, "OTHER00001"}
    assert units["OTHER00001"].password_b64 == "b3RoZXI="

    (path.parent / ".kumo_cache.json.tmp").mkdir()  # something in the way of the new file
    form = await options_step(hass, setup_kumo, "export_keys")
    result = await hass.config_entries.options.async_configure(form["flow_id"], {})
    assert result["reason"] == "export_failed"
    assert {u.serial for u in parse_kumo_cache(path.read_bytes())} == set(units)  # unchanged
    (path.parent / ".kumo_cache.json.tmp").rmdir()

    path.write_text("my notes, not a cache")
    form = await options_step(hass, setup_kumo, "export_keys")
    result = await hass.config_entries.options.async_configure(form["flow_id"], {})
    assert result["reason"] == "cache_in_the_way"
    assert path.read_text() == "my notes, not a cache"
    assert not (path.parent / ".kumo_cache.json.tmp").exists()


async def test_round_trip_export_delete_purge_import(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    unit_definitions: list[KumoUnitDefinition],
    keyless_cloud_entry: MockConfigEntry,
) -> None:
    """Export; delete the device and purge its keys (gone from Home Assistant); import the
    file: the unit is back with its keys and works."""
    entry = keyless_cloud_entry
    form = await options_step(hass, entry, "export_keys")
    await hass.config_entries.options.async_configure(form["flow_id"], {})
    await delete_device(hass, hass_ws_client, entry, BEDROOM)
    result = await options_step(hass, entry, "forget_units", {CONF_FORGET: [BEDROOM]})
    assert result["reason"] == "units_forgotten"
    await hass.async_block_till_done()
    assert CONF_DELETED_UNITS not in entry.data
    assert unit_definitions[1].password_b64 not in json.dumps(dict(entry.data))

    form = await options_step(hass, entry, "import_keys")
    assert form["step_id"] == "import_keys"
    assert form["description_placeholders"] == {
        "restored": "-",
        "completed": "-",
        "added": "Bedroom",
    }
    result = await hass.config_entries.options.async_configure(form["flow_id"], {})
    assert result["reason"] == "keys_imported"
    await hass.async_block_till_done()
    bedroom = next(u for u in stored_units(entry.data) if u.serial == BEDROOM)
    assert (bedroom.password_b64, bedroom.crypto_serial_hex) == (
        unit_definitions[1].password_b64,
        unit_definitions[1].crypto_serial_hex,
    )
    assert hass.states.get("climate.bedroom").state == "off"


async def test_import_restores_deleted_units_and_completes_incomplete_ones(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    unit_definitions: list[KumoUnitDefinition],
    kumo_units: KumoUnitSimulator,
) -> None:
    """Deleted: back with its kept keys. Without keys: completed. Another account's: skipped.
    Nothing new: said so."""
    living, bedroom, station = unit_definitions
    units = [
        record_for(living, kumo_units.address(LIVING_ROOM), secrets=False),
        record_for(bedroom, kumo_units.address(BEDROOM)),
    ]
    entry = MockConfigEntry(domain=DOMAIN, unique_id="a@example.com", data=kumo_entry_data(units))
    other = MockConfigEntry(
        domain=DOMAIN,
        unique_id="b@example.com",
        data=kumo_entry_data([record_for(station, kumo_units.address(STATION))]),
    )
    entry.add_to_hass(hass)
    other.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await delete_device(hass, hass_ws_client, entry, BEDROOM)
    table = {
        d.serial: {
            "serial": d.serial,
            "label": d.label,
            "password": d.password_b64,
            "cryptoSerial": d.crypto_serial_hex,
            "address": "192.0.2.9",  # stale: known addresses win
        }
        for d in unit_definitions
    }
    cache_file(hass).write_text(json.dumps([{}, {}, {"children": [{"zoneTable": table}]}]))
    form = await options_step(hass, entry, "import_keys")
    assert form["description_placeholders"] == {
        "restored": "Bedroom",
        "completed": "Living Room",
        "added": "-",
    }
    # Meanwhile the unit is renamed: the import applies to the entry as it is when confirmed.
    renamed = [replace(unit, name="Lounge") for unit in stored_units(entry.data)]
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_UNITS: [u.to_storage() for u in renamed]}
    )
    await hass.config_entries.options.async_configure(form["flow_id"], {})
    await hass.async_block_till_done()
    imported = {u.serial: u for u in stored_units(entry.data)}
    assert imported[LIVING_ROOM].name == "Lounge"
    assert set(imported) == {LIVING_ROOM, BEDROOM}
    assert imported[LIVING_ROOM].password_b64 == living.password_b64
    assert imported[LIVING_ROOM].address == kumo_units.address(LIVING_ROOM)
    assert imported[BEDROOM].address == kumo_units.address(BEDROOM)
    # Controlled through the cloud until the import gave it keys: the same entity, now local.
    assert hass.states.get("climate.living_room").state == "off"
    assert hass.states.get("sensor.living_room_connection").state == "local"
    assert hass.states.get("climate.bedroom").state == "off"
    result = await options_step(hass, entry, "import_keys")
    assert result["reason"] == "nothing_to_import"


async def test_import_and_purge_say_when_there_is_nothing_to_do(
    hass: HomeAssistant, setup_kumo: MockConfigEntry
) -> None:
    """No file; a file that is no cache; no deleted unit; a purge with nothing chosen."""
    assert (await options_step(hass, setup_kumo, "import_keys"))["reason"] == "cache_not_found"
    cache_file(hass).write_text("{}")
    assert (await options_step(hass, setup_kumo, "import_keys"))["reason"] == "cache_unreadable"
    result = await options_step(hass, setup_kumo, "forget_units")
    assert result["reason"] == "no_deleted_units"


async def test_purge_needs_a_choice(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, setup_kumo: MockConfigEntry
) -> None:
    """Forgetting keys is deliberate: an empty choice forgets nothing."""
    await delete_device(hass, hass_ws_client, setup_kumo, BEDROOM)
    result = await options_step(hass, setup_kumo, "forget_units", {CONF_FORGET: []})
    assert result["errors"] == {"base": "nothing_chosen"}
    assert [u.serial for u in deleted_units(setup_kumo.data)] == [BEDROOM]


async def test_kept_keys_stay_out_of_diagnostics_and_logs(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_ws_client: WebSocketGenerator,
    unit_definitions: list[KumoUnitDefinition],
    setup_kumo: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Deleting, exporting and importing log no key; diagnostics redact the kept units."""
    assert await async_setup_component(hass, "diagnostics", {})
    caplog.set_level(logging.DEBUG)
    await delete_device(hass, hass_ws_client, setup_kumo, BEDROOM)
    form = await options_step(hass, setup_kumo, "export_keys")
    await hass.config_entries.options.async_configure(form["flow_id"], {})
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, setup_kumo)
    kept = diagnostics["entry"]["data"][CONF_DELETED_UNITS]
    assert kept[0]["password"] == kept[0]["crypto_serial"] == "**REDACTED**"
    text = json.dumps(diagnostics)
    forbidden = secrets_of(unit_definitions) + [d.mac for d in unit_definitions]
    forbidden.append(str(deleted_units(setup_kumo.data)[0].address))
    for secret in forbidden:
        assert secret not in text, secret
    form = await options_step(hass, setup_kumo, "import_keys")
    result = await hass.config_entries.options.async_configure(form["flow_id"], {})
    assert result["reason"] == "keys_imported"
    await hass.async_block_till_done()
    os.remove(cache_file(hass))
    assert "Wrote the local keys of 3 Kumo units" in caplog.text
    for secret in secrets_of(unit_definitions):
        assert secret not in caplog.text
