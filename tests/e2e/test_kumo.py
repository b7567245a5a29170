"""Kumo through real Home Assistant: onboarding, config flows, entities, commands on the wire."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from simulators.home_assistant import HomeAssistantApi
from simulators.kumo_home import COMFORT_ACCOUNT, LEGACY_ACCOUNT, KumoHomeProcess

from .conftest import (
    BEDROOM,
    LIVING_ROOM,
    OFFICE,
    E2EHomeAssistant,
    async_wait_for,
)

LIVING = "climate.living_room"
BED = "climate.bedroom"


def writes(kumo_home: KumoHomeProcess, serial: str) -> list[Any]:
    """The status values written to a unit, one dict per request, in order."""
    return [
        json.loads(body)["c"]["indoorUnit"]["status"] for body in kumo_home.bodies(serial, "write")
    ]


async def climate(api: HomeAssistantApi, service: str, entity_id: str, **data: Any) -> None:
    """A climate action through `/api/services` (it returns once the action is done)."""
    await api.call_service("climate", service, {"entity_id": entity_id, **data})


async def attributes(api: HomeAssistantApi, entity_id: str) -> dict[str, Any]:
    """The entity's state (under "state") and attributes."""
    state = await api.state(entity_id)
    assert state is not None, entity_id
    return {"state": state["state"], **state["attributes"]}


async def test_onboarding_is_complete(api: HomeAssistantApi) -> None:
    """Every onboarding step is done and the owner's token works."""
    config = await api.request("GET", "/api/config")
    assert config["state"] == "RUNNING"
    assert await api.onboarding_steps() == {
        "user": True, "core_config": True, "analytics": True, "integration": True
    }  # fmt: skip


async def test_legacy_account_is_one_form(legacy_account: list[dict[str, Any]]) -> None:
    """Menu → Kumo → username and password: the cloud hands out keys and addresses."""
    menu, form, done = legacy_account
    assert menu["type"] == "menu"
    assert "kumo" in menu["menu_options"]
    assert form["type"] == "form"
    assert form["step_id"] == "kumo"
    assert [field["name"] for field in form["data_schema"]] == [
        "username",
        "password",
        "cloud_servers",  # every user gets it (the flow is not in advanced mode), closed
    ]
    servers = form["data_schema"][2]
    assert (servers["type"], servers["expanded"]) == ("expandable", False)
    assert done["type"] == "create_entry"
    assert done["title"] == "demo@example.com"
    assert done["result"]["state"] == "loaded"


async def test_legacy_account_entities_follow_each_unit_profile(
    api: HomeAssistantApi, legacy_account: list[dict[str, Any]]
) -> None:
    """Each unit's entities and attributes come from its own profile."""
    living = await attributes(api, LIVING)
    assert living["friendly_name"] == "Living Room"
    assert living["hvac_modes"] == ["off", "cool", "dry", "heat", "fan_only", "heat_cool"]
    assert living["fan_modes"] == [
        "super_quiet", "quiet", "low", "powerful", "super_powerful", "auto"
    ]  # fmt: skip
    assert living["swing_modes"] == [
        "horizontal", "mid_horizontal", "midpoint", "mid_vertical", "vertical", "auto", "swing"
    ]  # fmt: skip
    assert living["target_temp_step"] == 0.5
    assert living["current_temperature"] == 22.0
    assert living["current_humidity"] is not None  # from the wireless sensor

    bedroom = await attributes(api, BED)
    assert bedroom["hvac_modes"] == ["off", "cool", "dry", "heat", "fan_only"]
    assert "swing_modes" not in bedroom
    assert "current_humidity" not in bedroom
    assert (bedroom["min_temp"], bedroom["max_temp"]) == (10, 30)

    states = await api.states()
    assert states["sensor.kumo_station_outdoor_temperature"]["state"] == "7.5"
    assert states["sensor.living_room_humidity"]["attributes"]["unit_of_measurement"] == "%"
    assert "sensor.bedroom_humidity" not in states
    registry = await api.entity_registry()
    entry_id = legacy_account[-1]["result"]["entry_id"]
    ours = {e["entity_id"] for e in registry if e["config_entry_id"] == entry_id}
    assert {LIVING, BED, "sensor.kumo_station_outdoor_temperature"} <= ours


async def test_account_without_cloud_keys_is_completed_from_the_kumo_cache(
    api: HomeAssistantApi, kumo_home: KumoHomeProcess, comfort_account: list[dict[str, Any]]
) -> None:
    """No keys in the cloud, a kumo_cache.json in the config folder: one click imports it."""
    _, _, menu, done = comfort_account
    assert menu["type"] == "menu"
    assert menu["step_id"] == "import_cache"
    assert menu["menu_options"] == ["import_cache_file", "unit_secrets"]
    assert menu["description_placeholders"] == {"units": "Office"}
    assert done["type"] == "create_entry"
    assert done["title"] == "comfort@example.com"

    office = await attributes(api, "climate.office")
    assert office["fan_modes"] == ["quiet", "low", "powerful", "super_powerful", "auto"]
    # The imported keys sign commands the adapter accepts.
    kumo_home.call("reset_records", serial=OFFICE)
    await climate(api, "set_hvac_mode", "climate.office", hvac_mode="cool")
    assert writes(kumo_home, OFFICE) == [{"mode": "cool"}]
    assert kumo_home.status(OFFICE)["mode"] == "cool"
    assert (await attributes(api, "climate.office"))["state"] == "cool"


async def test_mode_and_setpoint_on_the_wire(
    api: HomeAssistantApi, kumo_home: KumoHomeProcess, legacy_account: list[dict[str, Any]]
) -> None:
    """`set_hvac_mode` and `set_temperature` are one request each; the state follows."""
    kumo_home.call("reset_records", serial=LIVING_ROOM)
    await climate(api, "set_hvac_mode", LIVING, hvac_mode="heat")
    living = await attributes(api, LIVING)
    # The action is the one the unit reports (a room warm enough already: standby, idle).
    reported = kumo_home.status(LIVING_ROOM)
    assert reported["mode"] == "heat"
    action = "idle" if reported["standby"] else "heating"
    assert (living["state"], living["hvac_action"]) == ("heat", action)

    await climate(api, "set_temperature", LIVING, temperature=23.4, hvac_mode="cool")
    living = await attributes(api, LIVING)
    assert (living["state"], living["temperature"]) == ("cool", 23.5)

    await climate(api, "set_temperature", LIVING, temperature=22)
    assert writes(kumo_home, LIVING_ROOM) == [
        {"mode": "heat"},
        {"mode": "cool", "spCool": 23.5},  # rounded to the unit's 0.5 °C step
        {"spCool": 22},
    ]
    assert (await attributes(api, LIVING))["temperature"] == 22
    status = kumo_home.status(LIVING_ROOM)
    assert (status["mode"], status["spCool"]) == ("cool", 22)


async def test_setpoint_range_in_heat_cool(
    api: HomeAssistantApi, kumo_home: KumoHomeProcess, legacy_account: list[dict[str, Any]]
) -> None:
    """A low/high pair writes both setpoints with `auto` in one request."""
    await climate(api, "set_hvac_mode", LIVING, hvac_mode="heat_cool")
    kumo_home.call("reset_records", serial=LIVING_ROOM)
    await climate(api, "set_temperature", LIVING, target_temp_low=20.5, target_temp_high=24)
    assert writes(kumo_home, LIVING_ROOM) == [{"mode": "auto", "spHeat": 20.5, "spCool": 24}]
    living = await attributes(api, LIVING)
    assert living["state"] == "heat_cool"
    assert (living["target_temp_low"], living["target_temp_high"]) == (20.5, 24)


async def test_fan_speed_and_vane_on_the_wire(
    api: HomeAssistantApi, kumo_home: KumoHomeProcess, legacy_account: list[dict[str, Any]]
) -> None:
    """Fan and vane names map to the adapter's words."""
    kumo_home.call("reset_records", serial=LIVING_ROOM)
    await climate(api, "set_fan_mode", LIVING, fan_mode="super_quiet")
    await climate(api, "set_swing_mode", LIVING, swing_mode="mid_horizontal")
    await climate(api, "set_swing_mode", LIVING, swing_mode="swing")
    assert writes(kumo_home, LIVING_ROOM) == [
        {"fanSpeed": "superQuiet"},
        {"vaneDir": "midhorizontal"},
        {"vaneDir": "swing"},
    ]
    living = await attributes(api, LIVING)
    assert (living["fan_mode"], living["swing_mode"]) == ("super_quiet", "swing")

    kumo_home.call("reset_records", serial=BEDROOM)
    await climate(api, "set_fan_mode", BED, fan_mode="powerful")
    assert writes(kumo_home, BEDROOM) == [{"fanSpeed": "powerful"}]
    assert (await attributes(api, BED))["fan_mode"] == "powerful"


async def test_turn_off_then_on_restores_the_last_mode(
    api: HomeAssistantApi, kumo_home: KumoHomeProcess, legacy_account: list[dict[str, Any]]
) -> None:
    """`turn_off` writes `off`; `turn_on` goes back to the mode the unit last ran in."""
    await climate(api, "set_hvac_mode", BED, hvac_mode="dry")
    kumo_home.call("reset_records", serial=BEDROOM)
    await climate(api, "turn_off", BED)
    assert (await attributes(api, BED))["state"] == "off"
    await climate(api, "turn_on", BED)
    assert writes(kumo_home, BEDROOM) == [{"mode": "off"}, {"mode": "dry"}]
    assert (await attributes(api, BED))["state"] == "dry"
    assert kumo_home.status(BEDROOM)["mode"] == "dry"


async def everything_up(api: HomeAssistantApi, entry_id: str) -> bool:
    """The entry is loaded and both indoor units are available."""
    entries = {e["entry_id"]: e["state"] for e in await api.config_entries()}
    if entries.get(entry_id) != "loaded":
        return False
    states = [(await attributes(api, entity_id))["state"] for entity_id in (LIVING, BED)]
    return "unavailable" not in states


async def test_unit_that_stops_answering_goes_unavailable_and_comes_back(
    api: HomeAssistantApi, kumo_home: KumoHomeProcess, legacy_account: list[dict[str, Any]]
) -> None:
    """Repeated failed polls make only that unit unavailable; it recovers when it answers."""
    entry_id = legacy_account[-1]["result"]["entry_id"]
    menu = await api.start_options_flow(entry_id)
    assert menu["step_id"] == "init"
    form = await api.options_flow_step(menu["flow_id"], {"next_step_id": "settings"})
    assert form["step_id"] == "settings"
    done = await api.options_flow_step(
        form["flow_id"], {"scan_interval": 15, "refresh_from_cloud": False}
    )
    assert done["type"] == "create_entry"
    # The entry reloads with the new interval (polls are also asked for below, to be quick).
    await async_wait_for(lambda: everything_up(api, entry_id), lambda up: up, "the entry to reload")

    async def poll_living_room() -> None:
        await api.call_service("homeassistant", "update_entity", {"entity_id": LIVING})

    kumo_home.call("go_offline", serial=LIVING_ROOM)
    try:
        await async_wait_for(
            lambda: attributes(api, LIVING),
            lambda a: a["state"] == "unavailable",
            "the unreachable unit to go unavailable",
            between=poll_living_room,
        )
        assert (await attributes(api, BED))["state"] != "unavailable"
        assert (await attributes(api, "sensor.living_room_temperature"))["state"] == "unavailable"
    finally:
        kumo_home.call("go_online", serial=LIVING_ROOM)
    await async_wait_for(
        lambda: attributes(api, LIVING),
        lambda a: a["state"] != "unavailable",
        "the unit to come back",
        between=poll_living_room,
    )


async def test_restart_without_the_cloud_brings_every_kumo_entity_back(
    home_assistant: E2EHomeAssistant,
    kumo_home: KumoHomeProcess,
    legacy_account: list[dict[str, Any]],
    comfort_account: list[dict[str, Any]],
    socket_enabled: None,
) -> None:
    """Keys and addresses are stored: a restart needs no cloud at all."""
    kumo_entries = {
        legacy_account[-1]["result"]["entry_id"],
        comfort_account[-1]["result"]["entry_id"],
    }
    async with aiohttp.ClientSession() as session:
        registry = await home_assistant.api_on(session).entity_registry()
    kumo_entities = {
        e["entity_id"]
        for e in registry
        if e["config_entry_id"] in kumo_entries and e["disabled_by"] is None
    }
    assert {LIVING, BED, "climate.office"} <= kumo_entities

    for account in (LEGACY_ACCOUNT, COMFORT_ACCOUNT):
        kumo_home.call("stop_cloud", account=account)
    try:
        await home_assistant.async_restart()
        async with aiohttp.ClientSession() as session:
            api = home_assistant.api_on(session)
            entries = await api.config_entries()
            assert {
                e["entry_id"]: e["state"] for e in entries if e["entry_id"] in kumo_entries
            } == dict.fromkeys(kumo_entries, "loaded")
            states = await api.states()
    finally:
        for account in (LEGACY_ACCOUNT, COMFORT_ACCOUNT):
            kumo_home.call("start_cloud", account=account)
    unavailable = {e for e in kumo_entities if states[e]["state"] == "unavailable"}
    assert unavailable == set()
