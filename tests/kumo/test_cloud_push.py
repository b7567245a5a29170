"""The Kumo Cloud push channel (Socket.IO, kumo.md §13.6) against the simulator's python-socketio
server on loopback: handshake, events into the shared state model, reconnection, token renewal."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from custom_components.kumo_momit.kumo import (
    CloudConnectionState,
    CloudDeviceState,
    CloudPushEvent,
    KumoCloudControl,
    KumoCloudIndoorUnit,
    KumoCloudPush,
    KumoCloudV3Api,
    OperationMode,
    PushBackoff,
    parse_push_event,
)
from simulators.kumo_cloud import DEMO_PASSWORD, DEMO_USERNAME, KumoCloudSimulator
from simulators.kumo_units import demo_units

from .conftest import FakeClock

LIVING, BEDROOM, STATION = (unit.serial for unit in demo_units())
FAST = PushBackoff(initial=0.05, maximum=0.2, jitter=0.0, connect_timeout=2.0)


@pytest.fixture
async def cloud() -> AsyncIterator[KumoCloudSimulator]:
    simulator = KumoCloudSimulator()
    simulator.ping_interval_s = simulator.ping_timeout_s = 1.0
    async with simulator:
        yield simulator


@pytest.fixture
def api(session: aiohttp.ClientSession, cloud: KumoCloudSimulator) -> KumoCloudV3Api:
    return KumoCloudV3Api(session, DEMO_USERNAME, DEMO_PASSWORD, base_url=cloud.base_url)


class Recorder:
    """Collects what the channel delivers."""

    def __init__(self) -> None:
        self.events: asyncio.Queue[CloudPushEvent] = asyncio.Queue()
        self.connection: list[bool] = []

    def event(self, event: CloudPushEvent) -> None:
        self.events.put_nowait(event)

    async def next[T](
        self,
        kind: type[T],
        serial: str = LIVING,
        *,
        where: Callable[[T], bool] = lambda _event: True,
        timeout: float = 3.0,
    ) -> T:
        """The next event of `kind` for `serial` (that satisfies `where`)."""
        async with asyncio.timeout(timeout):
            while True:
                event = await self.events.get()
                if isinstance(event, kind) and event.serial == serial and where(event):
                    return event

    async def until(self, predicate: Callable[[], bool], timeout: float = 3.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                await asyncio.sleep(0.01)


def server_follows(cloud: KumoCloudSimulator, serial: str) -> bool:
    """The server has taken the subscription (it handles each event in a task of its own, so
    answers for a unit can come before its subscription is in place)."""
    return cloud.push is not None and cloud.push.subscribers(serial) > 0


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def living_room(api: KumoCloudV3Api, clock: FakeClock) -> KumoCloudIndoorUnit:
    """The Living Room, controlled through the cloud, on the fake clock."""
    control = KumoCloudControl(api, clock=clock)
    return KumoCloudIndoorUnit(LIVING, "Living Room", control, clock=clock)


@pytest.fixture
async def make_push(
    cloud: KumoCloudSimulator,
    api: KumoCloudV3Api,
    session: aiohttp.ClientSession,
    recorder: Recorder,
) -> AsyncIterator[Callable[..., KumoCloudPush]]:
    channels: list[KumoCloudPush] = []

    def factory(serials: tuple[str, ...] = (LIVING, BEDROOM), **kwargs: Any) -> KumoCloudPush:
        push = KumoCloudPush(
            cloud.base_url,
            api.access_token,
            api.renew,
            recorder.event,
            serials=serials,
            on_connection=recorder.connection.append,
            session=session,
            backoff=kwargs.pop("backoff", FAST),
            **kwargs,
        )
        channels.append(push)
        return push

    yield factory
    for push in channels:
        await push.stop()


async def test_connecting_brings_every_unit_without_rest(
    make_push: Callable[..., KumoCloudPush], cloud: KumoCloudSimulator, recorder: Recorder
) -> None:
    push = make_push()
    push.start()

    living = await recorder.next(CloudDeviceState, LIVING)
    bedroom_status = await recorder.next(CloudConnectionState, BEDROOM)

    assert living.status.mode is OperationMode.OFF
    assert bedroom_status.reachable is True
    await recorder.until(lambda: push.covers(LIVING) and push.covers(BEDROOM))
    assert push.connected
    assert recorder.connection == [True]
    assert not push.covers(STATION)  # not followed
    assert cloud.total_requests == 1  # the login; state came through the socket
    assert cloud.push is not None
    subscribes = cloud.push.events("subscribe")
    assert ("", cloud.account_id) in subscribes  # the account, from the JWT `id` claim
    assert (LIVING,) in subscribes


async def test_changes_from_the_app_reach_the_unit_model(
    make_push: Callable[..., KumoCloudPush],
    cloud: KumoCloudSimulator,
    recorder: Recorder,
    living_room: KumoCloudIndoorUnit,
) -> None:
    unit = living_room
    push = make_push(serials=(LIVING,))
    push.start()
    async with asyncio.timeout(3):
        while unit.state is None or unit.reachable is None:
            unit.apply(await recorder.events.get())
    assert unit.state.status.mode is OperationMode.OFF  # built from pushes alone
    assert unit.reachable is True
    await recorder.until(lambda: server_follows(cloud, LIVING))
    requests = cloud.total_requests
    assert requests == 1  # the login

    cloud.change_from_app(LIVING, {"power": 1, "operationMode": "heat", "spHeat": 23})
    changed = unit.apply(
        await recorder.next(CloudDeviceState, where=lambda e: e.status.sp_heat == 23)
    )

    assert changed
    assert unit.state is not None
    assert (unit.state.status.mode, unit.state.status.sp_heat) == (OperationMode.HEAT, 23)
    assert cloud.total_requests == requests


async def test_command_is_confirmed_by_the_push(
    make_push: Callable[..., KumoCloudPush],
    cloud: KumoCloudSimulator,
    recorder: Recorder,
    living_room: KumoCloudIndoorUnit,
) -> None:
    unit = living_room
    await unit.async_update()
    push = make_push(serials=(LIVING,))
    push.start()
    await recorder.until(lambda: push.covers(LIVING) and server_follows(cloud, LIVING))

    await unit.set_mode(OperationMode.COOL)
    confirmation = await recorder.next(
        CloudDeviceState, where=lambda event: event.status.mode is OperationMode.COOL
    )
    unit.apply(confirmation)

    assert confirmation.status.mode is OperationMode.COOL
    assert unit.state is not None
    assert unit.state.status.mode is OperationMode.COOL
    assert unit._pending == {}  # confirmed, nothing held any more


async def test_a_stale_push_does_not_undo_a_command_until_the_hold_ends(
    cloud: KumoCloudSimulator, living_room: KumoCloudIndoorUnit, clock: FakeClock
) -> None:
    """The unit is unplugged: the cloud accepts the command and never applies it [G]. The
    optimistic state holds for a while, then the unit's real state wins."""
    unit = living_room
    await unit.async_update()
    await cloud.disconnect_unit(LIVING)
    await unit.set_mode(OperationMode.COOL)
    still_off = CloudDeviceState.from_wire(cloud.device(LIVING).device_document())
    assert still_off is not None

    unit.apply(still_off)
    assert unit.state is not None
    assert unit.state.status.mode is OperationMode.COOL

    clock.advance(21)
    unit.apply(still_off)
    assert unit.state.status.mode is OperationMode.OFF


async def test_unit_disconnecting_makes_it_unreachable(
    make_push: Callable[..., KumoCloudPush], cloud: KumoCloudSimulator, recorder: Recorder
) -> None:
    push = make_push()
    push.start()
    await recorder.until(lambda: server_follows(cloud, BEDROOM))

    await cloud.disconnect_unit(BEDROOM)
    lost = await recorder.next(CloudConnectionState, BEDROOM, where=lambda e: not e.connected)

    assert lost.reachable is False
    await cloud.reconnect_unit(BEDROOM)
    # The cloud may repeat the disconnection (status and update events) before it reconnects.
    back = await recorder.next(CloudConnectionState, BEDROOM, where=lambda e: e.connected)
    assert back.reachable is True


async def test_dropped_socket_reconnects_and_resubscribes(
    make_push: Callable[..., KumoCloudPush], cloud: KumoCloudSimulator, recorder: Recorder
) -> None:
    push = make_push()
    push.start()
    await recorder.until(lambda: push.covers(LIVING) and server_follows(cloud, LIVING))

    await cloud.drop_sockets()
    await recorder.until(lambda: recorder.connection == [True, False, True])
    await recorder.until(lambda: push.covers(LIVING) and server_follows(cloud, LIVING))

    assert push.connections == 2
    cloud.change_from_remote(LIVING, mode="cool")
    await recorder.next(CloudDeviceState, where=lambda e: e.status.mode is OperationMode.COOL)
    assert cloud.count("POST", "/v3/login") == 1  # the token was still good


async def test_refused_token_is_renewed_once(
    make_push: Callable[..., KumoCloudPush], cloud: KumoCloudSimulator, recorder: Recorder
) -> None:
    push = make_push()
    push.start()
    await recorder.until(lambda: push.connected)

    cloud.expire_access_tokens()  # the API still thinks its token is fresh
    await cloud.drop_sockets()
    await recorder.until(lambda: recorder.connection == [True, False, True])

    assert cloud.push is not None
    assert cloud.push.refused == 1
    assert cloud.count("POST", "/v3/refresh") == 1
    assert push.auth_failed is None


async def test_rejected_password_stops_the_channel(
    make_push: Callable[..., KumoCloudPush], cloud: KumoCloudSimulator, recorder: Recorder
) -> None:
    push = make_push()
    push.start()
    await recorder.until(lambda: push.connected)
    cloud.expire_access_tokens()
    cloud.expire_refresh_tokens()
    cloud.password = "changed-in-the-app"

    await cloud.drop_sockets()
    await recorder.until(lambda: push.auth_failed is not None)

    assert not push.connected
    logins = cloud.count("POST", "/v3/login")
    await asyncio.sleep(0.3)  # several back-off periods: no more logins
    assert cloud.count("POST", "/v3/login") == logins == 2


async def test_push_service_down_is_retried_with_backoff(
    make_push: Callable[..., KumoCloudPush], cloud: KumoCloudSimulator, recorder: Recorder
) -> None:
    cloud.socket_down = True
    push = make_push()
    push.start()
    await recorder.until(lambda: cloud.socket_requests >= 3)
    assert not push.connected
    assert push.last_error is not None

    # A failed transport is no reason to renew the token: no REST budget spent on retries.
    assert cloud.count("POST", "/v3/refresh") == 0
    cloud.socket_down = False
    await recorder.until(lambda: push.connected)
    assert cloud.count("POST", "/v3/login") == 1


async def test_units_can_be_added_and_removed(
    make_push: Callable[..., KumoCloudPush], cloud: KumoCloudSimulator, recorder: Recorder
) -> None:
    push = make_push(serials=(LIVING,))
    push.start()
    await recorder.until(lambda: push.covers(LIVING) and server_follows(cloud, LIVING))

    await push.set_serials({LIVING, BEDROOM})
    await recorder.until(lambda: push.covers(BEDROOM) and server_follows(cloud, BEDROOM))
    assert push.connections == 1

    await push.set_serials({BEDROOM})  # no unsubscribe is known: a fresh connection
    await recorder.until(
        lambda: push.connections == 2 and push.covers(BEDROOM) and server_follows(cloud, BEDROOM)
    )
    assert cloud.push is not None
    assert cloud.push.subscribers(LIVING) == 0
    cloud.change_from_app(BEDROOM, {"power": 1, "operationMode": "cool"})
    cloud.change_from_app(LIVING, {"power": 1, "operationMode": "cool"})
    await recorder.next(CloudDeviceState, BEDROOM, where=lambda e: e.status.is_on is True)
    await asyncio.sleep(0.1)  # the Living Room's change would have arrived by now
    while not recorder.events.empty():
        assert recorder.events.get_nowait().serial == BEDROOM  # nothing for the Living Room

    await push.set_serials(())
    assert not push.connected


async def test_stop_is_clean(
    make_push: Callable[..., KumoCloudPush], cloud: KumoCloudSimulator, recorder: Recorder
) -> None:
    push = make_push()
    push.start()
    await recorder.until(lambda: push.connected)
    await push.stop()
    assert not push.connected
    assert recorder.connection == [True, False]
    await recorder.until(lambda: cloud.push is not None and cloud.push.connected_clients == 0)


def test_event_parsing() -> None:
    adapter = parse_push_event(
        "adapter_update",
        {"deviceSerial": LIVING, "modeHeat": False, "autoModeDisable": False, "zoneName": "X"},
    )
    assert adapter is not None
    assert adapter.serial == LIVING
    status = parse_push_event("device_status_v2", {"deviceSerial": LIVING, "status": "??"})
    assert status is None  # an unknown word changes nothing
    idu = parse_push_event(
        "device_status_v2",
        {"deviceSerial": LIVING, "status": "connected", "hasIduCommunicationError": True},
    )
    assert isinstance(idu, CloudConnectionState)
    assert idu.reachable is False
    assert parse_push_event("sensor_update", {"deviceSerial": LIVING}) is None
    assert parse_push_event("profile_update", ["not", "an", "object"]) is None
