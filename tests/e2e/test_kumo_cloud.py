"""A keyless Comfort-app account through real Home Assistant: the unit is controlled through the
Kumo Cloud (send-command, Socket.IO push), then moved to local control from its repair notice."""

from __future__ import annotations

import asyncio
from typing import Any

from simulators.home_assistant import HomeAssistantApi
from simulators.kumo_home import CLOUD_ACCOUNT, GUEST_UNIT, KumoHomeProcess

from .conftest import GUEST, HANDLER, async_wait_for
from .test_kumo import attributes, climate

GUEST_CLIMATE = "climate.guest_room"
GUEST_CONNECTION = "sensor.guest_room_connection"


def cloud_counts(kumo_home: KumoHomeProcess) -> dict[str, Any]:
    """The keyless account's cloud: REST requests, per unit, Socket.IO clients."""
    return kumo_home.call("cloud_counts", account=CLOUD_ACCOUNT)


async def state_of(api: HomeAssistantApi, entity_id: str) -> str | None:
    current = await api.state(entity_id)
    return None if current is None else str(current["state"])


async def fix_issue(
    api: HomeAssistantApi, issue_id: str, *steps: dict[str, Any]
) -> list[dict[str, Any]]:
    """Run a repair issue's fix flow through the HTTP API, as the Repairs dialog does."""
    replies = [
        await api.request(
            "POST", "/api/repairs/issues/fix", {"handler": HANDLER, "issue_id": issue_id}
        )
    ]
    for data in steps:
        flow_id = replies[0]["flow_id"]
        replies.append(await api.request("POST", f"/api/repairs/issues/fix/{flow_id}", data))
    return replies


async def test_keyless_account_through_the_cloud_then_local(
    api: HomeAssistantApi, kumo_home: KumoHomeProcess, cloud_account: list[dict[str, Any]]
) -> None:
    _, _, keys_form, done = cloud_account
    # The flow says what happens without keys, and lets the unit go to the cloud.
    assert keys_form["step_id"] == "unit_secrets"
    assert keys_form["description_placeholders"]["name"] == "Guest Room"
    assert "skip" in [field["name"] for field in keys_form["data_schema"]]
    assert done["type"] == "create_entry"
    entry_id = done["result"]["entry_id"]

    # Entities through the cloud, state by push.
    guest = await async_wait_for(
        lambda: attributes(api, GUEST_CLIMATE),
        lambda a: a["state"] != "unavailable",
        "the Guest Room's state to be pushed",
    )
    assert guest["state"] == "off"
    assert guest["swing_modes"][-1] == "swing"  # its own profile, from the cloud
    assert await state_of(api, GUEST_CONNECTION) == "cloud"
    assert cloud_counts(kumo_home)["socket_clients"] == 1

    # A change "from the app" reaches Home Assistant by push.
    kumo_home.call(
        "change_from_app",
        account=CLOUD_ACCOUNT,
        serial=GUEST,
        commands={"power": 1, "operationMode": "heat", "spHeat": 23},
    )
    guest = await async_wait_for(
        lambda: attributes(api, GUEST_CLIMATE),
        lambda a: a["state"] == "heat",
        "the app's change to be pushed",
    )
    assert guest["temperature"] == 23

    # A command goes out through send-command, and the unit itself takes it.
    await climate(api, "set_temperature", GUEST_CLIMATE, temperature=21.5)
    commands = kumo_home.call("cloud_commands", account=CLOUD_ACCOUNT)["commands"]
    assert commands[-1] == [GUEST, {"spHeat": 21.5}]
    assert kumo_home.status(GUEST)["spHeat"] == 21.5
    assert (await attributes(api, GUEST_CLIMATE))["temperature"] == 21.5

    # Keys from the repair notice: checked with the unit, which then runs locally.
    registry = await api.entity_registry()
    before = {e["entity_id"]: e["unique_id"] for e in registry if e["config_entry_id"] == entry_id}
    start, address_form, finished = await fix_issue(
        api,
        f"{entry_id}_{GUEST}_incomplete",
        {"unit_password": GUEST_UNIT.password_b64, "crypto_serial": GUEST_UNIT.crypto_serial_hex},
        {"address": kumo_home.address(GUEST)},
    )
    assert start["step_id"] == "secrets"
    assert address_form["step_id"] == "address"
    assert finished["type"] == "create_entry"
    await async_wait_for(
        lambda: state_of(api, GUEST_CONNECTION), lambda s: s == "local", "the unit to go local"
    )
    kumo_home.call("reset_records", serial=GUEST)
    await climate(api, "set_hvac_mode", GUEST_CLIMATE, hvac_mode="cool")
    assert kumo_home.status(GUEST)["mode"] == "cool"
    assert len(kumo_home.bodies(GUEST, "write")) == 1  # signed with the new keys, on the LAN
    registry = await api.entity_registry()
    after = {e["entity_id"]: e["unique_id"] for e in registry if e["config_entry_id"] == entry_id}
    assert after == before  # the same entities: nothing new, nothing renamed

    # The cloud hears no more from it.
    async def socket_clients() -> int:
        return int(cloud_counts(kumo_home)["socket_clients"])

    await async_wait_for(socket_clients, lambda clients: clients == 0, "the socket to close")
    kumo_home.call("reset_cloud_counts", account=CLOUD_ACCOUNT)
    await asyncio.sleep(3)
    counts = cloud_counts(kumo_home)
    assert (counts["requests"], counts["socket_clients"]) == (0, 0)
