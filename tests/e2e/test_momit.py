"""Momit Cool through real Home Assistant: the gateway flow, pushed readings, wire payloads."""

from __future__ import annotations

from typing import Any

from simulators.home_assistant import HomeAssistantApi
from simulators.momit_gateway import GatewaySimulator

from .conftest import async_wait_for


async def entity_of(api: HomeAssistantApi, entry: list[dict[str, Any]], domain: str) -> str:
    """The entry's one entity of `domain` (its id carries the node's serial)."""
    entry_id = entry[-1]["result"]["entry_id"]
    ids = [
        e["entity_id"]
        for e in await api.entity_registry()
        if e["config_entry_id"] == entry_id and e["entity_id"].startswith(f"{domain}.")
    ]
    assert len(ids) == 1, ids
    return ids[0]


async def test_gateway_is_added_with_its_node_port(
    momit_gateway: GatewaySimulator, momit_account: list[dict[str, Any]]
) -> None:
    """Menu → Momit → host and port → the AC node found is confirmed → one entry."""
    menu, form, confirm, done = momit_account
    assert "momit" in menu["menu_options"]
    assert form["step_id"] == "momit"
    assert [field["name"] for field in form["data_schema"]] == ["host", "port"]
    assert confirm["step_id"] == "momit_confirm"
    assert momit_gateway.ac_serials[0] in confirm["description_placeholders"]["nodes"]
    assert done["type"] == "create_entry"
    assert done["title"] == "Momit Gateway 127.0.0.1"
    assert done["result"]["state"] == "loaded"


async def test_room_change_is_pushed_without_a_poll(
    api: HomeAssistantApi, momit_gateway: GatewaySimulator, momit_account: list[dict[str, Any]]
) -> None:
    """The node notifies its observers: Home Assistant shows the reading, no GET is sent."""
    climate = await entity_of(api, momit_account, "climate")
    before = await momit_gateway.request_counts()
    await momit_gateway.set_room(temperature_c=27.3, humidity_percent=61.5)
    state = await async_wait_for(
        lambda: api.state(climate),
        lambda s: s is not None and s["attributes"]["current_temperature"] == 27.3,
        "the pushed room temperature",
    )
    assert state["attributes"]["current_humidity"] == 61.5
    after = await momit_gateway.request_counts()
    gets = {kind for kind in after if "GET" in kind}
    assert {kind: after[kind] for kind in gets} == {kind: before.get(kind, 0) for kind in gets}


async def test_climate_actions_on_the_wire(
    api: HomeAssistantApi, momit_gateway: GatewaySimulator, momit_account: list[dict[str, Any]]
) -> None:
    """Each action is the exact `cm=…,t=…,sp=…` payload the Momit app sends; state follows."""
    climate = await entity_of(api, momit_account, "climate")
    await api.call_service("climate", "turn_off", {"entity_id": climate})
    await momit_gateway.clear_records()
    await api.call_service("climate", "set_hvac_mode", {"entity_id": climate, "hvac_mode": "cool"})
    await api.call_service(
        "climate", "set_temperature", {"entity_id": climate, "temperature": 21.5}
    )
    await api.call_service("climate", "turn_off", {"entity_id": climate})
    await api.call_service("climate", "turn_on", {"entity_id": climate})
    puts = [put["payload"] for put in await momit_gateway.puts_received()]
    assert puts == [
        "cm=cool,t=1440,sp=240",
        "cm=cool,t=1440,sp=215",
        "cm=cool,t=0,sp=off",
        "cm=cool,t=1440,sp=215",
    ]
    state = await api.state(climate)
    assert state is not None
    assert (state["state"], state["attributes"]["temperature"]) == ("cool", 21.5)
