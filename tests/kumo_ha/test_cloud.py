"""Units without local keys, controlled through the Kumo Cloud: push-fed entities, the write path,
rate limits, availability, REST only while push is down, and the way back to local control."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
import json
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.kumo_momit.const import DOMAIN
from custom_components.kumo_momit.kumo import PushBackoff, build_kumo_cache
from custom_components.kumo_momit.kumo_ha.const import (
    CONF_ADDRESS,
    CONF_CLOUD_FOR_UNADDRESSED,
    CONF_CRYPTO_SERIAL,
    CONF_UNIT_PASSWORD,
)
from custom_components.kumo_momit.kumo_ha.data import stored_units
from custom_components.kumo_momit.kumo_ha.flow_helpers import async_sign_in_pause_left
from custom_components.kumo_momit.kumo_ha.settings import KUMO_SETTINGS, KumoSettings
from simulators.kumo_cloud import DEMO_USERNAME, CloudAccountKind, KumoCloudSimulator
from simulators.kumo_unit import KumoUnitSimulator
from simulators.kumo_units import KumoUnitDefinition
from tests.ha import call_climate
from tests.kumo.conftest import FakeClock

from .conftest import BEDROOM, LIVING_ROOM, add_kumo_entry, record_for, servers

BEDROOM_CLIMATE = "climate.bedroom"
SEND = "POST /v3/devices/send-command"


# Time travel (`async_fire_time_changed`) runs every loop timer due in the jump, the socket's
# and aiohttp's own time-outs included; so these tests keep real time for the network and
# move the glue's clock instead: the fallback reads tick every 20 ms, a unit is due when the
# clock says a minute has passed.
FAST_TICK = timedelta(milliseconds=20)


@pytest.fixture
def clock(hass: HomeAssistant) -> FakeClock:
    """The Kumo glue's clock (cadences, command holds, back-off), moved by the tests."""
    fake = FakeClock()
    hass.data[KUMO_SETTINGS] = KumoSettings(
        clock=fake,
        push_backoff=PushBackoff(initial=0.05, maximum=0.2, jitter=0.0),
        cloud_read_spacing=FAST_TICK,
    )
    return fake


@pytest.fixture
async def comfort_cloud(
    unit_definitions: list[KumoUnitDefinition], kumo_units: KumoUnitSimulator
) -> AsyncIterator[KumoCloudSimulator]:
    """A Comfort-app account (no keys anywhere in the cloud) over the same simulated units."""
    simulator = KumoCloudSimulator(
        unit_definitions,
        account=CloudAccountKind.COMFORT_NATIVE,
        unit_states={serial: kumo_units.unit(serial) for serial in kumo_units.units},
    )
    await simulator.start()
    yield simulator
    await simulator.close()


@pytest.fixture(autouse=True)
async def _unload_before_the_cloud_stops(
    hass: HomeAssistant, comfort_cloud: KumoCloudSimulator
) -> AsyncIterator[None]:
    """Entries unload while the simulated cloud still runs (fixtures end in reverse order), so
    no push channel is left reconnecting to a cloud that is gone."""
    yield
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is ConfigEntryState.LOADED:
            assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


def cloud_entry(
    hass: HomeAssistant,
    unit_definitions: list[KumoUnitDefinition],
    kumo_units: KumoUnitSimulator,
    cloud: KumoCloudSimulator,
) -> MockConfigEntry:
    """Living Room local, Bedroom without keys (through the cloud), the station local."""
    living, bedroom, station = unit_definitions
    units = [
        record_for(living, kumo_units.address(LIVING_ROOM)),
        record_for(bedroom, None, secrets=False),
        record_for(station, kumo_units.address(station.serial)),
    ]
    return add_kumo_entry(hass, units, **servers(cloud))


async def until(hass: HomeAssistant, condition: Callable[[], bool], timeout: float = 5) -> None:
    """Let loopback traffic and Home Assistant run until `condition` holds."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)
            await hass.async_block_till_done()
    await hass.async_block_till_done()  # whatever the condition started finishes too


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


async def _push_down(
    hass: HomeAssistant, entry: MockConfigEntry, cloud: KumoCloudSimulator
) -> None:
    cloud.socket_down = True
    await cloud.drop_sockets()
    link = entry.runtime_data.cloud
    assert link is not None
    await until(hass, lambda: not link.push.connected)


async def _minutes(hass: HomeAssistant, clock: FakeClock, count: int) -> None:
    """`count` minutes on the glue's clock, each long enough for several read ticks."""
    for _ in range(count):
        clock.advance(60)
        await asyncio.sleep(FAST_TICK.total_seconds() * 5)
        await hass.async_block_till_done()


@pytest.fixture
async def cloud_setup(
    hass: HomeAssistant,
    clock: FakeClock,
    unit_definitions: list[KumoUnitDefinition],
    kumo_units: KumoUnitSimulator,
    comfort_cloud: KumoCloudSimulator,
) -> MockConfigEntry:
    """The entry set up, with the Bedroom's state pushed."""
    entry = cloud_entry(hass, unit_definitions, kumo_units, comfort_cloud)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await until(hass, lambda: state(hass, BEDROOM_CLIMATE) != STATE_UNAVAILABLE)
    # The server handles each socket event in a task of its own: wait for the subscription.
    await until(
        hass, lambda: comfort_cloud.push is not None and comfort_cloud.push.subscribers(BEDROOM) > 0
    )
    return entry


async def test_keyless_unit_gets_the_same_entities_through_the_cloud(
    hass: HomeAssistant,
    cloud_setup: MockConfigEntry,
    comfort_cloud: KumoCloudSimulator,
    kumo_units: KumoUnitSimulator,
    entity_registry: er.EntityRegistry,
    issue_registry: ir.IssueRegistry,
) -> None:
    climate = hass.states.get(BEDROOM_CLIMATE)
    assert climate is not None
    assert climate.state == "off"
    # The Bedroom's own profile, as it came by push: 3 speeds, no vane, no auto, heat ≤ 28 °C.
    assert climate.attributes["hvac_modes"] == ["off", "cool", "dry", "heat", "fan_only"]
    assert "swing_modes" not in climate.attributes
    assert state(hass, "sensor.bedroom_connection") == "cloud"
    assert state(hass, "sensor.living_room_connection") == "local"
    assert state(hass, "sensor.kumo_station_connection") == "local"
    assert state(hass, "sensor.bedroom_temperature") == "22.0"
    assert state(hass, "binary_sensor.bedroom_filter_needs_cleaning") == "off"
    # Same unique ids as a local unit's: the serial, plus the key.
    registry_entry = entity_registry.async_get(BEDROOM_CLIMATE)
    assert registry_entry is not None
    assert registry_entry.unique_id == BEDROOM
    # Everything came through the socket: no REST read of the unit, no local request.
    assert comfort_cloud.serial_requests[BEDROOM] == 0
    assert kumo_units.unit(BEDROOM).request_count == 0
    issue = issue_registry.async_get_issue(DOMAIN, f"{cloud_setup.entry_id}_{BEDROOM}_incomplete")
    assert issue is not None
    assert issue.translation_key == "unit_cloud_controlled"
    assert issue.translation_placeholders == {"name": "Bedroom"}


async def test_a_change_from_the_app_is_pushed(
    hass: HomeAssistant, cloud_setup: MockConfigEntry, comfort_cloud: KumoCloudSimulator
) -> None:
    comfort_cloud.change_from_app(BEDROOM, {"power": 1, "operationMode": "cool", "spCool": 25})
    await until(hass, lambda: state(hass, BEDROOM_CLIMATE) == "cool")
    climate = hass.states.get(BEDROOM_CLIMATE)
    assert climate is not None
    assert climate.attributes["temperature"] == 25


async def test_commands_go_through_send_command_and_push_confirms(
    hass: HomeAssistant, cloud_setup: MockConfigEntry, comfort_cloud: KumoCloudSimulator
) -> None:
    comfort_cloud.push_delay_s = 0.3  # the confirming push comes later than the reply

    await call_climate(hass, "set_hvac_mode", BEDROOM_CLIMATE, hvac_mode="cool")
    assert state(hass, BEDROOM_CLIMATE) == "cool"  # shown at once
    await call_climate(hass, "set_temperature", BEDROOM_CLIMATE, temperature=23.5)
    await call_climate(hass, "set_fan_mode", BEDROOM_CLIMATE, fan_mode="quiet")
    await call_climate(hass, "turn_off", BEDROOM_CLIMATE)
    await call_climate(hass, "turn_on", BEDROOM_CLIMATE)

    assert [commands for _serial, commands in comfort_cloud.commands] == [
        {"power": 1, "operationMode": "cool"},
        {"spCool": 23.5},
        {"fanSpeed": "quiet"},
        {"power": 0},
        {"power": 1, "operationMode": "cool"},  # turn on: power with the last mode
    ]
    await until(hass, lambda: comfort_cloud.device(BEDROOM).unit.status["mode"] == "cool")
    await asyncio.sleep(0.4)
    await hass.async_block_till_done()
    climate = hass.states.get(BEDROOM_CLIMATE)
    assert climate is not None
    assert (climate.state, climate.attributes["temperature"]) == ("cool", 23.5)
    assert climate.attributes["fan_mode"] == "quiet"
    assert comfort_cloud.serial_requests[BEDROOM] == 5  # the commands, no read


async def test_setpoint_outside_the_clouds_limits_names_the_limit(
    hass: HomeAssistant, cloud_setup: MockConfigEntry, comfort_cloud: KumoCloudSimulator
) -> None:
    """The unit's limits changed since its profile came (installer setting): the cloud's 400
    is a validation error naming the limit, and nothing changes."""
    await call_climate(hass, "set_hvac_mode", BEDROOM_CLIMATE, hvac_mode="cool")
    comfort_cloud.device(BEDROOM).unit.profile["maximumSetPoints"]["cool"] = 26.0

    with pytest.raises(ServiceValidationError) as refused:
        await call_climate(hass, "set_temperature", BEDROOM_CLIMATE, temperature=28)

    assert refused.value.translation_key == "kumo_cloud_cool_range"
    assert "cooling limits" in str(refused.value)
    climate = hass.states.get(BEDROOM_CLIMATE)
    assert climate is not None
    assert climate.attributes["temperature"] == 24.0


async def test_rate_limit_is_explained_and_the_command_retried(
    hass: HomeAssistant,
    cloud_setup: MockConfigEntry,
    comfort_cloud: KumoCloudSimulator,
    clock: FakeClock,
) -> None:
    comfort_cloud.fail_next(429, route=SEND, reset_s=1)

    with pytest.raises(HomeAssistantError, match=r"^Kumo Cloud rate limit, retrying in 1 s"):
        await call_climate(hass, "set_hvac_mode", BEDROOM_CLIMATE, hvac_mode="heat")
    assert comfort_cloud.commands == []
    # Backing off: another command is not even sent; the latest one is retried.
    with pytest.raises(HomeAssistantError, match="rate limit"):
        await call_climate(hass, "set_hvac_mode", BEDROOM_CLIMATE, hvac_mode="dry")
    assert comfort_cloud.count("POST", "/v3/devices/send-command") == 1

    clock.advance(1)
    await until(hass, lambda: comfort_cloud.commands != [])
    assert comfort_cloud.commands == [(BEDROOM, {"power": 1, "operationMode": "dry"})]
    await until(hass, lambda: state(hass, BEDROOM_CLIMATE) == "dry")


async def test_a_unit_leaving_the_cloud_goes_unavailable_and_comes_back(
    hass: HomeAssistant, cloud_setup: MockConfigEntry, comfort_cloud: KumoCloudSimulator
) -> None:
    await comfort_cloud.disconnect_unit(BEDROOM)
    await until(hass, lambda: state(hass, BEDROOM_CLIMATE) == STATE_UNAVAILABLE)
    assert state(hass, "sensor.bedroom_connection") == STATE_UNAVAILABLE
    assert state(hass, "climate.living_room") != STATE_UNAVAILABLE

    await comfort_cloud.reconnect_unit(BEDROOM)
    await until(hass, lambda: state(hass, BEDROOM_CLIMATE) == "off")
    assert state(hass, "sensor.bedroom_connection") == "cloud"


async def test_rest_reads_only_while_push_is_down_and_spaced(
    hass: HomeAssistant,
    cloud_setup: MockConfigEntry,
    comfort_cloud: KumoCloudSimulator,
    clock: FakeClock,
) -> None:
    await _minutes(hass, clock, 5)
    assert comfort_cloud.serial_requests[BEDROOM] == 0  # push is up: no REST at all

    await _push_down(hass, cloud_setup, comfort_cloud)
    link = cloud_setup.runtime_data.cloud
    assert link is not None
    comfort_cloud.change_from_app(BEDROOM, {"power": 1, "operationMode": "heat"})
    comfort_cloud.reset_counts()

    await _minutes(hass, clock, 10)
    reads = comfort_cloud.count("GET", "/v3/devices/{serial}")
    assert 9 <= reads <= 11  # one a minute for the one cloud unit
    assert state(hass, BEDROOM_CLIMATE) == "heat"  # the change came through REST

    comfort_cloud.socket_down = False
    await until(hass, lambda: link.push.covers(BEDROOM))
    comfort_cloud.reset_counts()
    await _minutes(hass, clock, 5)
    assert comfort_cloud.count("GET", "/v3/devices/{serial}") == 0


async def test_restart_without_internet(
    hass: HomeAssistant,
    clock: FakeClock,
    unit_definitions: list[KumoUnitDefinition],
    kumo_units: KumoUnitSimulator,
    comfort_cloud: KumoCloudSimulator,
) -> None:
    """Local units set up as always; the cloud unit is unavailable until the cloud is back."""
    await comfort_cloud.close()
    entry = cloud_entry(hass, unit_definitions, kumo_units, comfort_cloud)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert state(hass, "climate.living_room") == "off"
    assert state(hass, BEDROOM_CLIMATE) == STATE_UNAVAILABLE

    await comfort_cloud.start(int(comfort_cloud.base_url.rsplit(":", 1)[1]))
    await until(hass, lambda: state(hass, BEDROOM_CLIMATE) == "off")


async def test_rejected_password_asks_to_sign_in_again(
    hass: HomeAssistant, cloud_setup: MockConfigEntry, comfort_cloud: KumoCloudSimulator
) -> None:
    comfort_cloud.expire_access_tokens()
    comfort_cloud.expire_refresh_tokens()
    comfort_cloud.password = "changed-in-the-app"
    await comfort_cloud.drop_sockets()

    await until(hass, lambda: any(flow["context"]["source"] == "reauth" for flow in _flows(hass)))


def _flows(hass: HomeAssistant) -> list[Any]:
    return list(hass.config_entries.flow.async_progress_by_handler(DOMAIN))


async def test_keys_added_through_the_repair_switch_the_unit_to_local(
    *,
    hass: HomeAssistant,
    clock: FakeClock,
    hass_client: ClientSessionGenerator,
    cloud_setup: MockConfigEntry,
    comfort_cloud: KumoCloudSimulator,
    kumo_units: KumoUnitSimulator,
    unit_definitions: list[KumoUnitDefinition],
    entity_registry: er.EntityRegistry,
    issue_registry: ir.IssueRegistry,
) -> None:
    bedroom = unit_definitions[1]
    entity_ids = {
        e.entity_id
        for e in er.async_entries_for_config_entry(entity_registry, cloud_setup.entry_id)
    }
    assert await async_setup_component(hass, "repairs", {})
    issue_id = f"{cloud_setup.entry_id}_{BEDROOM}_incomplete"
    http = await hass_client()
    response = await http.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    flow = await response.json()
    assert flow["step_id"] == "secrets"
    keys = {CONF_UNIT_PASSWORD: bedroom.password_b64, CONF_CRYPTO_SERIAL: bedroom.crypto_serial_hex}
    response = await http.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json=keys)
    flow = await response.json()
    assert flow["step_id"] == "address"
    # Until the address is confirmed the unit stays where it was: in the cloud.
    assert state(hass, "sensor.bedroom_connection") == "cloud"
    response = await http.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}",
        json={CONF_ADDRESS: kumo_units.address(BEDROOM)},
    )
    assert (await response.json())["type"] == "create_entry"
    await hass.async_block_till_done()
    await until(hass, lambda: state(hass, "sensor.bedroom_connection") == "local")

    assert state(hass, BEDROOM_CLIMATE) == "off"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    unit = next(u for u in stored_units(cloud_setup.data) if u.serial == BEDROOM)
    assert unit.is_complete
    # The same entities, no new ones; the unit now answers locally.
    after = {
        e.entity_id
        for e in er.async_entries_for_config_entry(entity_registry, cloud_setup.entry_id)
    }
    assert after == entity_ids
    assert kumo_units.unit(BEDROOM).request_count > 0
    # And its cloud traffic stopped: no socket, no REST, even an hour later.
    assert cloud_setup.runtime_data.cloud is None
    assert comfort_cloud.push is not None
    await until(hass, lambda: comfort_cloud.push.connected_clients == 0)
    comfort_cloud.reset_counts()
    clock.advance(3600)
    await asyncio.sleep(0.2)
    await hass.async_block_till_done()
    assert comfort_cloud.total_requests == 0


async def test_units_with_keys_but_no_address_use_the_cloud_when_chosen(
    hass: HomeAssistant,
    clock: FakeClock,
    unit_definitions: list[KumoUnitDefinition],
    kumo_units: KumoUnitSimulator,
    comfort_cloud: KumoCloudSimulator,
    issue_registry: ir.IssueRegistry,
) -> None:
    living, bedroom, _station = unit_definitions
    units = [record_for(living, kumo_units.address(LIVING_ROOM)), record_for(bedroom, None)]
    for chosen in (False, True):
        entry = add_kumo_entry(
            hass,
            units,
            unique_id=f"account-{chosen}",
            options={CONF_CLOUD_FOR_UNADDRESSED: chosen},
            **servers(comfort_cloud),
        )
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        runtime = entry.runtime_data
        assert (BEDROOM in runtime.indoor_units) is chosen
        issue = issue_registry.async_get_issue(DOMAIN, f"{entry.entry_id}_{BEDROOM}_incomplete")
        assert issue is not None
        assert issue.translation_key == "unit_missing_address"  # it has keys: only the address
        assert await hass.config_entries.async_unload(entry.entry_id)


async def _fix_flow(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, issue_id: str, *steps: dict[str, Any]
) -> list[dict[str, Any]]:
    """A repair's fix flow through the HTTP API, as the Repairs dialog runs it."""
    assert await async_setup_component(hass, "repairs", {})
    http = await hass_client()
    response = await http.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    replies = [await response.json()]
    for data in steps:
        response = await http.post(f"/api/repairs/issues/fix/{replies[0]['flow_id']}", json=data)
        replies.append(await response.json())
    return replies


@pytest.mark.parametrize(("cached_address", "steps"), [(True, 1), (False, 2)])
async def test_keys_imported_from_a_hass_kumo_cache(
    *,
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    tmp_path: Path,
    cloud_setup: MockConfigEntry,
    kumo_units: KumoUnitSimulator,
    unit_definitions: list[KumoUnitDefinition],
    cached_address: bool,
    steps: int,
) -> None:
    """The fix flow offers the cache; its keys (and its address, when it has a good one) are
    checked with the unit, which then switches to local control."""
    hass.config.config_dir = str(tmp_path)
    bedroom = unit_definitions[1]
    address = kumo_units.address(BEDROOM) if cached_address else None
    (tmp_path / "kumo_cache.json").write_text(
        json.dumps(build_kumo_cache([record_for(bedroom, address)]))
    )
    issue_id = f"{cloud_setup.entry_id}_{BEDROOM}_incomplete"
    address_step = [{CONF_ADDRESS: kumo_units.address(BEDROOM)}] if steps == 2 else []

    menu, *rest = await _fix_flow(
        hass, hass_client, issue_id, {"next_step_id": "import_cache"}, *address_step
    )

    assert menu["type"] == "menu"
    assert menu["menu_options"] == ["secrets", "import_cache"]
    assert menu["description_placeholders"] == {"name": "Bedroom"}
    if steps == 2:
        assert rest[0]["step_id"] == "address"  # the cache had no address: asked for it
    assert rest[-1]["type"] == "create_entry"
    await until(hass, lambda: state(hass, "sensor.bedroom_connection") == "local")
    unit = next(u for u in stored_units(cloud_setup.data) if u.serial == BEDROOM)
    assert unit.is_complete
    assert unit.sources.password == "cache"


async def test_a_cache_without_the_unit_changes_nothing(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    tmp_path: Path,
    cloud_setup: MockConfigEntry,
    kumo_units: KumoUnitSimulator,
    unit_definitions: list[KumoUnitDefinition],
) -> None:
    hass.config.config_dir = str(tmp_path)
    living = unit_definitions[0]
    (tmp_path / "kumo_cache.json").write_text(
        json.dumps(build_kumo_cache([record_for(living, kumo_units.address(LIVING_ROOM))]))
    )
    issue_id = f"{cloud_setup.entry_id}_{BEDROOM}_incomplete"

    _menu, aborted = await _fix_flow(hass, hass_client, issue_id, {"next_step_id": "import_cache"})

    assert (aborted["type"], aborted["reason"]) == ("abort", "not_in_cache")
    assert state(hass, "sensor.bedroom_connection") == "cloud"


async def test_reads_back_off_while_the_cloud_fails(
    hass: HomeAssistant,
    cloud_setup: MockConfigEntry,
    comfort_cloud: KumoCloudSimulator,
    clock: FakeClock,
) -> None:
    """Server errors pause every read of the account: 1, 2, 4 … minutes, not one a minute."""
    await _push_down(hass, cloud_setup, comfort_cloud)
    comfort_cloud.fail_next(500, count=1000, route="GET /v3/devices/{serial}")
    comfort_cloud.reset_counts()

    await _minutes(hass, clock, 10)

    assert comfort_cloud.count("GET", "/v3/devices/{serial}") == 4  # minutes 1, 2, 4 and 8
    assert state(hass, BEDROOM_CLIMATE) == STATE_UNAVAILABLE


async def test_a_refused_sign_in_is_not_repeated(
    hass: HomeAssistant,
    cloud_setup: MockConfigEntry,
    comfort_cloud: KumoCloudSimulator,
    clock: FakeClock,
) -> None:
    """The cloud rejects the stored password, maybe only because of a burst of sign-ins that
    every attempt prolongs (kumo.md §13.2): one sign-in, then quiet until the user signs in
    again, which the user may do at once (only repeated rejections pause the flows too)."""
    await _push_down(hass, cloud_setup, comfort_cloud)
    comfort_cloud.expire_access_tokens()
    comfort_cloud.expire_refresh_tokens()
    comfort_cloud.throttle_logins = True
    comfort_cloud.reset_counts()

    await _minutes(hass, clock, 14)

    assert comfort_cloud.count("POST", "/v3/login") == 1
    assert async_sign_in_pause_left(hass, DEMO_USERNAME) is None


async def test_a_command_with_a_rejected_password_asks_to_sign_in_again(
    hass: HomeAssistant, cloud_setup: MockConfigEntry, comfort_cloud: KumoCloudSimulator
) -> None:
    comfort_cloud.expire_access_tokens()
    comfort_cloud.expire_refresh_tokens()
    comfort_cloud.password = "changed-in-the-app"

    with pytest.raises(HomeAssistantError, match="sign in again"):
        await call_climate(hass, "set_hvac_mode", BEDROOM_CLIMATE, hvac_mode="cool")

    assert comfort_cloud.commands == []
    await hass.async_block_till_done()
    assert any(flow["context"]["source"] == "reauth" for flow in _flows(hass))


async def test_a_read_with_a_rejected_password_asks_to_sign_in_again(
    hass: HomeAssistant,
    cloud_setup: MockConfigEntry,
    comfort_cloud: KumoCloudSimulator,
    clock: FakeClock,
) -> None:
    await _push_down(hass, cloud_setup, comfort_cloud)
    comfort_cloud.expire_access_tokens()
    comfort_cloud.expire_refresh_tokens()
    comfort_cloud.password = "changed-in-the-app"
    comfort_cloud.reset_counts()

    await _minutes(hass, clock, 10)

    assert any(flow["context"]["source"] == "reauth" for flow in _flows(hass))
    # One refused sign-in; no more with that password until the user gives a new one.
    assert comfort_cloud.count("POST", "/v3/login") == 1
