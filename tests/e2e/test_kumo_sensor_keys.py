"""Issue 14 through real Home Assistant: regulate on any sensor, and keys that are never lost.

Both run against the Kumo simulators in their own process, through the HTTP and websocket APIs
the web UI uses: the options flow, `/api/states`, the device registry and the repairs list.
"""

from __future__ import annotations

import json
from typing import Any

from simulators.home_assistant import HomeAssistantApi
from simulators.kumo_home import KumoHomeProcess

from .conftest import LIVING_ROOM, OFFICE, E2EHomeAssistant, async_wait_for

SOFA = "sensor.e2e_sofa_temperature"


async def set_sofa(api: HomeAssistantApi, state: str) -> None:
    """A temperature sensor where people sit (any integration's; here set through the API)."""
    await api.request(
        "POST",
        f"/api/states/{SOFA}",
        {
            "state": state,
            "attributes": {"device_class": "temperature", "unit_of_measurement": "°C"},
        },
    )


async def options(api: HomeAssistantApi, entry_id: str, *steps: dict[str, Any]) -> dict[str, Any]:
    """Open the entry's options and submit each step in turn; the last reply."""
    reply: dict[str, Any] = await api.start_options_flow(entry_id)
    for data in steps:
        reply = await api.options_flow_step(reply["flow_id"], data)
    return reply


def writes(kumo_home: KumoHomeProcess, serial: str) -> list[dict[str, Any]]:
    """The status values written to a unit, in order."""
    return [
        json.loads(body)["c"]["indoorUnit"]["status"] for body in kumo_home.bodies(serial, "write")
    ]


async def room_sensor_issues(api: HomeAssistantApi) -> list[dict[str, Any]]:
    """Repair issues telling that a unit stopped regulating on its sensor."""
    result = await api.websocket_command({"type": "repairs/list_issues"})
    return [i for i in result["issues"] if i["translation_key"] == "room_sensor_lost"]


async def test_unit_regulates_on_a_home_assistant_sensor(
    api: HomeAssistantApi, kumo_home: KumoHomeProcess, legacy_account: list[dict[str, Any]]
) -> None:
    """Pick a sensor in the options; the unit's room temperature follows it; the sensor goes
    unavailable: the unit falls back and a repair issue names it; cleared: `returnair`."""
    entry_id = legacy_account[-1]["result"]["entry_id"]
    await set_sofa(api, "19.4")
    kumo_home.call("reset_records", serial=LIVING_ROOM)
    done = await options(
        api,
        entry_id,
        {"next_step_id": "room_sensor"},
        {"unit": LIVING_ROOM},
        {"room_sensor": SOFA},
    )
    assert done["type"] == "create_entry"
    try:
        status = await async_wait_for(
            lambda: _status(kumo_home),
            lambda s: s["roomTemp"] == 19.4 and s["activeThermistor"] == "api",
            "the unit to regulate on the sensor",
        )
        assert status["tempSource"] == "api"
        await set_sofa(api, "20.6")
        await async_wait_for(
            lambda: _status(kumo_home), lambda s: s["roomTemp"] == 20.6, "the new value"
        )

        kumo_home.call("set_injection_fallback", serial=LIVING_ROOM, seconds=2)
        await set_sofa(api, "unavailable")
        await async_wait_for(
            lambda: _status(kumo_home),
            lambda s: s["activeThermistor"] == "returnair",
            "the unit to fall back to its own sensor",
        )
        [issue] = await async_wait_for(
            lambda: room_sensor_issues(api), lambda issues: len(issues) == 1, "the repair issue"
        )
        assert issue["translation_placeholders"] == {"name": "Living Room", "sensor": SOFA}
    finally:
        kumo_home.call("set_injection_fallback", serial=LIVING_ROOM, seconds=40)
    cleared = await options(
        api, entry_id, {"next_step_id": "room_sensor"}, {"unit": LIVING_ROOM}, {}
    )
    assert cleared["type"] == "create_entry"
    status = await async_wait_for(
        lambda: _status(kumo_home),
        lambda s: s["tempSource"] == "returnair",
        "the unit's own source to be written back",
    )
    assert status["activeThermistor"] == "returnair"
    assert {"tempSource": "returnair"} in writes(kumo_home, LIVING_ROOM)
    assert await room_sensor_issues(api) == []


async def _status(kumo_home: KumoHomeProcess) -> dict[str, Any]:
    return kumo_home.status(LIVING_ROOM)


async def test_exported_keys_bring_a_deleted_unit_back(
    api: HomeAssistantApi,
    home_assistant: E2EHomeAssistant,
    kumo_home: KumoHomeProcess,
    comfort_account: list[dict[str, Any]],
) -> None:
    """Export the keys; delete the unit's device; import the file: the unit is back and its
    keys sign commands again (this account's cloud has no keys at all)."""
    entry_id = comfort_account[-1]["result"]["entry_id"]
    cache = home_assistant.config_dir / "kumo_cache.json"
    exported = await options(api, entry_id, {"next_step_id": "export_keys"}, {})
    try:
        assert exported["type"] == "abort"
        assert exported["reason"] == "keys_exported"
        table = json.loads(cache.read_text())[2]["children"][0]["zoneTable"]
        assert table[OFFICE]["password"]
        assert table[OFFICE]["cryptoSerial"]

        devices = await api.websocket_command({"type": "config/device_registry/list"})
        office = next(d for d in devices if ["kumo_momit", OFFICE] in d["identifiers"])
        await api.websocket_command(
            {
                "type": "config/device_registry/remove_config_entry",
                "device_id": office["id"],
                "config_entry_id": entry_id,
            }
        )
        await async_wait_for(
            lambda: api.state("climate.office"), lambda s: s is None, "the unit to be gone"
        )

        form = await options(api, entry_id, {"next_step_id": "import_keys"})
        assert form["step_id"] == "import_keys"
        assert form["description_placeholders"]["restored"] == "Office"
        done = await api.options_flow_step(form["flow_id"], {})
        assert done["reason"] == "keys_imported"
    finally:
        cache.unlink(missing_ok=True)
    await async_wait_for(
        lambda: api.state("climate.office"),
        lambda s: s is not None and s["state"] != "unavailable",
        "the unit to be back",
    )
    kumo_home.call("reset_records", serial=OFFICE)
    await api.call_service(
        "climate", "set_hvac_mode", {"entity_id": "climate.office", "hvac_mode": "heat"}
    )
    assert writes(kumo_home, OFFICE) == [{"mode": "heat"}]
