"""The Kumo Cloud simulator's control side: send-command, device documents, tokens, rate limits
and the Socket.IO push service (kumo.md §13.2, §13.4-§13.6), checked over loopback with a plain
aiohttp session and python-socketio's own client, so later client tests rest on a simulator
that behaves as the notes say."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from multidict import CIMultiDict
import pytest
import socketio

from simulators.kumo_cloud import DEMO_PASSWORD, DEMO_USERNAME, KumoCloudSimulator
from simulators.kumo_cloud_devices import CommandRejected
from simulators.kumo_home import COMFORT_ACCOUNT, OFFICE_UNIT, KumoHome
from simulators.kumo_unit import KumoUnitSimulator
from simulators.kumo_units import demo_units

from .conftest import FakeClock

LIVING, BEDROOM, STATION = (unit.serial for unit in demo_units())
SEND = "/v3/devices/send-command"


@pytest.fixture
async def cloud() -> AsyncIterator[KumoCloudSimulator]:
    simulator = KumoCloudSimulator()
    simulator.ping_interval_s = simulator.ping_timeout_s = 1.0
    await simulator.start()
    yield simulator
    await simulator.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


class Rest:
    """A bare v3 caller: login, then bearer requests; returns (status, body, headers)."""

    def __init__(self, http: aiohttp.ClientSession, cloud: KumoCloudSimulator) -> None:
        self.http, self.cloud = http, cloud
        self.access = self.refresh = ""

    async def login(self) -> None:
        body = {"username": DEMO_USERNAME, "password": DEMO_PASSWORD, "appVersion": "3.2.4"}
        status, reply, _ = await self.call("POST", "/v3/login", body, auth=False)
        assert status == 200
        self.access, self.refresh = reply["token"]["access"], reply["token"]["refresh"]

    async def call(
        self, method: str, path: str, body: Any = None, *, auth: bool = True
    ) -> tuple[int, Any, CIMultiDict[str]]:
        headers = {"Authorization": f"Bearer {self.access}"} if auth else {}
        async with self.http.request(
            method, self.cloud.base_url + path, json=body, headers=headers
        ) as response:
            # Case-insensitive, like HTTP: aiohttp releases differ in the case they hand back.
            return response.status, await response.json(), CIMultiDict(response.headers)

    async def send(self, serial: str, **commands: Any) -> tuple[int, Any, CIMultiDict[str]]:
        return await self.call("POST", SEND, {"deviceSerial": serial, "commands": commands})

    async def device(self, serial: str) -> dict[str, Any]:
        status, body, _ = await self.call("GET", f"/v3/devices/{serial}")
        assert status == 200
        document: dict[str, Any] = body
        return document


@pytest.fixture
async def rest(http: aiohttp.ClientSession, cloud: KumoCloudSimulator) -> Rest:
    caller = Rest(http, cloud)
    await caller.login()
    return caller


class Listener:
    """A python-socketio client that queues every event it receives."""

    def __init__(self, *, reconnection: bool = False) -> None:
        self.sio = socketio.AsyncClient(reconnection=reconnection, reconnection_delay=0.05)
        self.events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        for name in ("device_update", "device_status_v2", "subscribed", "adapter_update"):
            self.sio.on(name, self._recorder(name))
        self.sio.on("profile_update", self._recorder("profile_update"))
        self.sio.on("connect", self._recorder("connect"))
        self.sio.on("disconnect", self._recorder("disconnect"))

    def _recorder(self, name: str) -> Any:
        async def record(*args: Any) -> None:
            await self.events.put((name, args[0] if args else None))

        return record

    async def next(self, name: str, timeout: float = 2.0) -> Any:
        """The payload of the next `name` event (others before it are skipped)."""
        async with asyncio.timeout(timeout):
            while True:
                event, payload = await self.events.get()
                if event == name:
                    return payload

    async def close(self) -> None:
        await self.sio.disconnect()


@pytest.fixture
async def listener(cloud: KumoCloudSimulator, rest: Rest) -> AsyncIterator[Listener]:
    client = Listener()
    await client.sio.connect(cloud.base_url, auth={"token": rest.access}, transports=["websocket"])
    await client.sio.emit("subscribe", LIVING)
    assert await client.next("subscribed") == f"Successfully subscribed to: {LIVING}"
    yield client
    await client.close()


# --------------------------------------------------------------------------- send-command


async def test_send_command_changes_the_device(rest: Rest, cloud: KumoCloudSimulator) -> None:
    status, body, headers = await rest.send(
        LIVING, power=1, operationMode="cool", spCool=22.5, fanSpeed="quiet", airDirection="swing"
    )

    assert (status, body) == (200, {"devices": [LIVING]})
    assert headers["x-ratelimit-limit"] == "50"
    device = await rest.device(LIVING)
    assert {key: device[key] for key in ("power", "operationMode", "spCool")} == {
        "power": 1,
        "operationMode": "cool",
        "spCool": 22.5,
    }
    assert (device["fanSpeed"], device["airDirection"]) == ("quiet", "swing")
    assert cloud.commands == [
        (
            LIVING,
            {
                "power": 1,
                "operationMode": "cool",
                "spCool": 22.5,
                "fanSpeed": "quiet",
                "airDirection": "swing",
            },
        )
    ]
    assert cloud.serial_requests[LIVING] == 2


async def test_power_is_separate_from_the_mode(rest: Rest) -> None:
    """Off keeps the last mode in `operationMode`; `power: 1` alone restores it; a mode
    without `power` while off does not switch the unit on ([G], the stricter choice)."""
    await rest.send(LIVING, power=1, operationMode="dry")
    await rest.send(LIVING, power=0)
    off = await rest.device(LIVING)
    assert (off["power"], off["operationMode"]) == (0, "dry")

    await rest.send(LIVING, operationMode="heat")
    still_off = await rest.device(LIVING)
    assert (still_off["power"], still_off["operationMode"]) == (0, "heat")

    await rest.send(LIVING, power=1)
    on = await rest.device(LIVING)
    assert (on["power"], on["operationMode"]) == (1, "heat")


async def test_out_of_range_setpoint_is_refused_with_the_reported_body(rest: Rest) -> None:
    """§13.5: HTTP 400, the codes per serial, and nothing changes."""
    before = await rest.device(BEDROOM)
    status, body, _ = await rest.send(BEDROOM, spHeat=29.0, spCool=18.5)

    assert status == 400
    assert body == {
        "error": {BEDROOM: {"commands": ["invalidSpHeatRange", "invalidSpCoolRange"]}},
        "description": "Failed to validate commands",
    }
    assert await rest.device(BEDROOM) == before


@pytest.mark.parametrize(
    ("commands", "code"),
    [
        ({"operationMode": "auto"}, "invalidOperationMode"),  # the Bedroom has no auto
        ({"operationMode": "off"}, "invalidOperationMode"),  # off is power 0
        ({"fanSpeed": "Low"}, "invalidFanSpeed"),  # the 4-speed word on a 3-speed unit
        ({"airDirection": "swing"}, "invalidAirDirection"),  # no vane
        ({"power": True}, "invalidPower"),
        ({"spHeat": "21"}, "invalidSpHeatRange"),
        ({"ledDisabled": True}, "invalidCommand"),
    ],
)
async def test_vocabulary_errors(rest: Rest, commands: dict[str, Any], code: str) -> None:
    status, body, _ = await rest.send(BEDROOM, **commands)
    assert status == 400
    assert body["error"] == {BEDROOM: {"commands": [code]}}


async def test_station_takes_no_commands_and_bad_bodies_are_refused(rest: Rest) -> None:
    status, body, _ = await rest.send(STATION, power=1)
    assert (status, body["error"]) == (400, {STATION: {"commands": ["invalidDevice"]}})
    status, _, _ = await rest.call("POST", SEND, {"deviceSerial": LIVING})
    assert status == 400
    status, _, _ = await rest.send("NOT-IN-ACCOUNT", power=1)
    assert status == 404


async def test_send_command_needs_a_token(rest: Rest, cloud: KumoCloudSimulator) -> None:
    status, _, _ = await rest.call(
        "POST", SEND, {"deviceSerial": LIVING, "commands": {"power": 1}}, auth=False
    )
    assert status == 401
    assert cloud.commands == []


async def test_change_from_the_app_is_validated_like_a_command(
    cloud: KumoCloudSimulator, rest: Rest
) -> None:
    with pytest.raises(CommandRejected) as rejected:
        cloud.change_from_app(BEDROOM, {"spCool": 35})
    assert rejected.value.codes == ["invalidSpCoolRange"]

    cloud.change_from_app(BEDROOM, {"power": 1, "operationMode": "cool", "spCool": 26})
    device = await rest.device(BEDROOM)
    assert (device["power"], device["operationMode"], device["spCool"]) == (1, "cool", 26)


async def test_device_document_reads_the_unit(rest: Rest, cloud: KumoCloudSimulator) -> None:
    """`displayConfig`, humidity from the wireless sensor, the indoor unit's own serial."""
    unit = cloud.device(LIVING).unit
    unit.status["filterDirty"] = True
    unit.status["defrost"] = True

    device = await rest.device(LIVING)

    assert device["displayConfig"] == {
        "filter": True,
        "defrost": True,
        "hotAdjust": False,
        "standby": False,
    }
    assert device["humidity"] == 45.5
    assert device["serialNumber"].endswith("IU")
    assert device["serialNumber"] != LIVING
    assert device["modelNumber"] == "MSZ-FS12NA"
    bedroom = await rest.device(BEDROOM)
    assert bedroom["humidity"] is None  # no sensor, no MHK2


async def test_cloud_and_local_share_one_unit(http: aiohttp.ClientSession) -> None:
    """Next to the unit simulator, a cloud command is what the adapter answers locally, and a
    local write is what the cloud reports."""
    async with KumoUnitSimulator(demo_units(), room_drift=False) as units:
        states = {serial: units.unit(serial) for serial in units.units}
        async with KumoCloudSimulator(unit_states=states) as cloud:
            caller = Rest(http, cloud)
            await caller.login()
            await caller.send(LIVING, power=1, operationMode="heat", spHeat=23.5)
            assert units.unit(LIVING).status["mode"] == "heat"
            assert units.unit(LIVING).status["spHeat"] == 23.5

            units.unit(LIVING).write_status(mode="off")
            device = await caller.device(LIVING)
            assert (device["power"], device["operationMode"]) == (0, "heat")


# --------------------------------------------------------------------------- tokens, limits


async def test_access_tokens_expire_and_refresh_rotates(
    rest: Rest, cloud: KumoCloudSimulator
) -> None:
    cloud.access_lifetime_s = 0.2
    await rest.login()
    assert (await rest.call("GET", f"/v3/devices/{LIVING}"))[0] == 200
    await asyncio.sleep(0.25)
    assert (await rest.call("GET", f"/v3/devices/{LIVING}"))[0] == 401

    old_refresh = rest.refresh
    status, tokens, _ = await rest.call("POST", "/v3/refresh", {"refresh": old_refresh})
    assert status == 200
    cloud.access_lifetime_s = 60
    rest.access = tokens["access"]
    # The access token from this refresh lived 0.2 s as well; the next one lives a minute.
    status, tokens, _ = await rest.call("POST", "/v3/refresh", {"refresh": tokens["refresh"]})
    rest.access = tokens["access"]
    assert (await rest.call("GET", f"/v3/devices/{LIVING}"))[0] == 200
    status, _, _ = await rest.call("POST", "/v3/refresh", {"refresh": old_refresh})
    assert status == 401  # §13.2: a used refresh token stops working


async def test_rate_limit_headers_count_down_to_429(rest: Rest, cloud: KumoCloudSimulator) -> None:
    cloud.rate_limit = 4  # the login already used one
    remaining = []
    for _ in range(3):
        status, _, headers = await rest.call("GET", f"/v3/devices/{LIVING}")
        assert status == 200
        remaining.append(int(headers["x-ratelimit-remaining"]))
    status, body, headers = await rest.send(LIVING, power=1)

    assert remaining == [2, 1, 0]
    assert (status, body) == (429, {"error": "tooManyRequests"})
    assert headers["x-ratelimit-remaining"] == "0"
    assert 0 < int(headers["x-ratelimit-reset"]) <= 60
    assert cloud.commands == []


async def test_injected_failures_hit_the_chosen_route(
    rest: Rest, cloud: KumoCloudSimulator
) -> None:
    cloud.fail_next(500, route=f"POST {SEND}")
    cloud.fail_next(429, count=2)

    assert (await rest.call("GET", f"/v3/devices/{LIVING}"))[0] == 429
    assert (await rest.send(LIVING, power=1))[0] == 500
    assert (await rest.call("GET", f"/v3/devices/{LIVING}"))[0] == 429
    assert (await rest.call("GET", f"/v3/devices/{LIVING}"))[0] == 200
    assert (await rest.send(LIVING, power=1))[0] == 200


# --------------------------------------------------------------------------- Socket.IO


async def test_command_is_pushed_to_subscribers(
    listener: Listener, rest: Rest, cloud: KumoCloudSimulator
) -> None:
    await rest.send(LIVING, power=1, operationMode="cool", spCool=21.0)

    update = await listener.next("device_update")

    assert update["deviceSerial"] == LIVING
    assert (update["power"], update["operationMode"], update["spCool"]) == (1, "cool", 21.0)
    assert cloud.push is not None
    assert cloud.push.subscribers(LIVING) == 1
    assert cloud.socket_requests >= 1
    assert cloud.count("GET", "/socket.io/") == 0  # Socket.IO is not REST traffic


async def test_changes_from_the_app_and_the_remote_are_pushed(
    listener: Listener, cloud: KumoCloudSimulator
) -> None:
    cloud.change_from_app(LIVING, {"power": 1, "operationMode": "heat", "spHeat": 24})
    from_app = await listener.next("device_update")
    assert (from_app["operationMode"], from_app["spHeat"]) == ("heat", 24)

    assert cloud.change_from_remote(LIVING, fanSpeed="powerful") == {"fanSpeed": True}
    from_remote = await listener.next("device_update")
    assert from_remote["fanSpeed"] == "powerful"


async def test_other_devices_are_not_pushed_to_a_subscriber(
    listener: Listener, cloud: KumoCloudSimulator
) -> None:
    cloud.change_from_app(BEDROOM, {"power": 1, "operationMode": "cool"})
    cloud.change_from_app(LIVING, {"power": 1, "operationMode": "vent"})
    update = await listener.next("device_update")
    assert update["deviceSerial"] == LIVING


async def test_unit_disconnecting_is_a_status_event(
    listener: Listener, rest: Rest, cloud: KumoCloudSimulator
) -> None:
    await cloud.disconnect_unit(LIVING)
    lost = await listener.next("device_status_v2")
    assert lost["deviceSerial"] == LIVING
    assert lost["status"] == "disconnected"
    assert lost["lastTimeDisconnected"] is not None
    # §13.5: the REST flag is stale; only the status event tells.
    assert (await rest.device(LIVING))["connected"] is True
    status, _, _ = await rest.send(LIVING, power=1, operationMode="cool")
    assert status == 200
    assert (await rest.device(LIVING))["power"] == 0  # accepted, never applied [G]

    await cloud.reconnect_unit(LIVING)
    back = await listener.next("device_status_v2")
    assert back["status"] == "connected"
    assert (await listener.next("device_update"))["deviceSerial"] == LIVING


async def test_requests_for_current_documents(
    listener: Listener, cloud: KumoCloudSimulator
) -> None:
    await listener.sio.emit("device_status_v2", "")
    statuses = [await listener.next("device_status_v2") for _ in range(3)]
    assert sorted(status["deviceSerial"] for status in statuses) == sorted(
        [LIVING, BEDROOM, STATION]
    )
    await listener.sio.emit("force_adapter_request", (LIVING, "adapterStatus"))
    adapter = await listener.next("adapter_update")
    assert adapter["zoneName"] == "Living Room"
    assert "password" not in adapter  # §13.6: not sent since 2026-08
    await listener.sio.emit("force_adapter_request", (LIVING, "profile"))
    assert (await listener.next("profile_update"))["numberOfFanSpeeds"] == 5
    await listener.sio.emit("force_adapter_request", (LIVING, "iuStatus"))
    assert (await listener.next("device_update"))["deviceSerial"] == LIVING
    assert cloud.push is not None
    assert cloud.push.events("force_adapter_request")[0] == (LIVING, "adapterStatus")


async def test_subscription_outside_the_account_is_ignored(
    listener: Listener, cloud: KumoCloudSimulator
) -> None:
    await listener.sio.emit("subscribe", "SOMEONE-ELSES")
    await listener.sio.emit("subscribe", BEDROOM)
    assert await listener.next("subscribed") == f"Successfully subscribed to: {BEDROOM}"
    assert cloud.push is not None
    assert cloud.push.subscribers("SOMEONE-ELSES") == 0


async def test_connect_needs_a_live_access_token(cloud: KumoCloudSimulator, rest: Rest) -> None:
    client = Listener()
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.sio.connect(cloud.base_url, auth={"token": "nope"}, transports=["websocket"])
    cloud.expire_access_tokens()
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.sio.connect(
            cloud.base_url, auth={"token": rest.access}, transports=["websocket"]
        )
    assert cloud.push is not None
    assert cloud.push.refused == 2


async def test_polling_handshake_with_the_authorization_header(
    cloud: KumoCloudSimulator, rest: Rest
) -> None:
    """pykumo's way (§13.6): long-polling, the token in the Authorization header only."""
    client = Listener()
    await client.sio.connect(
        cloud.base_url,
        headers={"Authorization": f"Bearer {rest.access}"},
        transports=["polling"],
    )
    try:
        await client.sio.emit("subscribe", LIVING)
        await client.next("subscribed")
        cloud.change_from_remote(LIVING, mode="cool")
        assert (await client.next("device_update"))["operationMode"] == "cool"
    finally:
        await client.close()


async def test_socket_drop_is_a_transport_error_and_clients_come_back(
    cloud: KumoCloudSimulator, rest: Rest
) -> None:
    client = Listener(reconnection=True)
    await client.sio.connect(cloud.base_url, auth={"token": rest.access}, transports=["websocket"])
    await client.next("connect")
    try:
        await cloud.drop_sockets()
        assert await client.next("disconnect") == "transport error"
        await client.next("connect")
        assert cloud.push is not None
        assert cloud.push.connected_clients == 1
        assert cloud.push.connects == 2
    finally:
        await client.close()


async def test_socket_service_down(cloud: KumoCloudSimulator, rest: Rest) -> None:
    cloud.socket_down = True
    client = Listener()
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.sio.connect(
            cloud.base_url, auth={"token": rest.access}, transports=["websocket"]
        )
    cloud.socket_down = False
    await client.sio.connect(cloud.base_url, auth={"token": rest.access}, transports=["websocket"])
    await client.close()


async def test_push_delay(listener: Listener, cloud: KumoCloudSimulator) -> None:
    cloud.push_delay_s = 0.3
    loop = asyncio.get_running_loop()
    started = loop.time()
    cloud.change_from_remote(LIVING, mode="cool")
    await listener.next("device_update")
    assert loop.time() - started >= 0.3


async def test_adapters_report_a_drifting_room(
    http: aiohttp.ClientSession, clock: FakeClock
) -> None:
    """With `report_interval_s`, a room that moved on its own is pushed too."""
    async with KumoUnitSimulator(demo_units(), clock=clock, room_drift=True) as units:
        units.unit(LIVING).write_status(mode="heat", spHeat=30)
        cloud = KumoCloudSimulator(unit_states={LIVING: units.unit(LIVING)}, units=demo_units()[:1])
        cloud.report_interval_s = 0.05
        async with cloud:
            caller = Rest(http, cloud)
            await caller.login()
            client = Listener()
            await client.sio.connect(
                cloud.base_url, auth={"token": caller.access}, transports=["websocket"]
            )
            await client.sio.emit("subscribe", LIVING)
            await client.next("subscribed")
            clock.advance(600)  # ten minutes of heating: 2 °C warmer
            update = await client.next("device_update")
            await client.close()
    assert update["roomTemp"] == 24.0


# --------------------------------------------------------------------------- the home


async def test_keyless_account_unit_is_one_unit_locally_and_in_the_cloud(
    http: aiohttp.ClientSession,
) -> None:
    """The Office (Comfort-native account, no keys from the cloud) is controlled through its
    cloud, and the adapter answering locally holds the same state."""
    home = KumoHome(comfort_account=True, room_drift=False)
    await home.start()
    try:
        cloud = home.clouds[COMFORT_ACCOUNT]
        cloud.change_from_app(OFFICE_UNIT.serial, {"power": 1, "operationMode": "cool"})
        assert home.units.unit(OFFICE_UNIT.serial).status["mode"] == "cool"
        reply = await home.handle({"cmd": "cloud_commands", "account": COMFORT_ACCOUNT})
        assert reply == {"commands": []}  # from the app, not through send-command
        await home.handle(
            {
                "cmd": "change_from_app",
                "account": COMFORT_ACCOUNT,
                "serial": OFFICE_UNIT.serial,
                "commands": {"power": 0},
            }
        )
        assert home.units.unit(OFFICE_UNIT.serial).status["mode"] == "off"
        counts = await home.handle({"cmd": "cloud_counts", "account": COMFORT_ACCOUNT})
        assert counts["serial_requests"] == {}
    finally:
        await home.stop()
