"""Push: observations, re-registration, leaks, fallback signalling."""

from __future__ import annotations

import pytest

from custom_components.kumo_momit.momit import (
    AcMode,
    AcOutput,
    AcState,
    Backoff,
    MomitCoolClient,
    MomitError,
    MomitListener,
    RoomReading,
)
from custom_components.kumo_momit.momit.models import PATH_EVENTS, PATH_TEM_HUM_BAT
from simulators.momit_gateway import GatewaySimulator

from .conftest import client_options, wait_until


class Recorder:
    def __init__(self) -> None:
        self.states: list[AcState] = []
        self.readings: list[RoomReading] = []
        self.push: list[bool] = []
        self.ports: list[int] = []

    def listener(self) -> MomitListener:
        return MomitListener(
            on_state=self.states.append,
            on_reading=self.readings.append,
            on_push=self.push.append,
            on_port_change=self.ports.append,
        )


async def observed_client(
    sim: GatewaySimulator, clients: list[MomitCoolClient], **options: object
) -> tuple[MomitCoolClient, Recorder]:
    client = MomitCoolClient(
        sim.host, sim.ac_port(), serial=sim.ac_serials[0], options=client_options(sim, **options)
    )
    clients.append(client)
    recorder = Recorder()
    client.add_listener(recorder.listener())
    await client.start_push()
    await wait_until(lambda: client.push_active)
    return client, recorder


async def test_push_delivers_state_and_readings(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    client, seen = await observed_client(sim, momit_clients)
    assert seen.push == [True]
    assert seen.states[-1].output is AcOutput.OFF  # the registration answer
    assert seen.readings[-1].temperature_c == 26.5

    await sim.set_ac(out="heat", cm="heat", sp="230", t="60")  # e.g. another app
    await wait_until(lambda: seen.states[-1].output is AcOutput.HEAT)
    await sim.set_room(temperature_c=19.5, humidity_percent=61.0)
    await wait_until(lambda: seen.readings[-1].temperature_c == 19.5)
    assert seen.readings[-1].humidity_percent == 61.0

    await client.turn_on(AcMode.COOL, 20.0, timer_minutes=2)
    await wait_until(lambda: seen.states[-1].output is AcOutput.COOL)
    await sim.advance(minutes=2)  # the timer runs out on the node
    await wait_until(lambda: seen.states[-1].output is AcOutput.OFF)
    assert seen.readings[-1].temperature_c == 19.6  # drifted toward ambient while off

    counts = await sim.request_counts()
    assert counts.get("CON GET /10242/0/0", 0) == 0  # no polls while observed
    assert counts.get("CON GET /10241/0/0", 0) == 0
    assert await sim.observer_counts() == {PATH_EVENTS: 1, PATH_TEM_HUM_BAT: 1}


async def test_reregisters_after_node_reboot(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    client, seen = await observed_client(sim, momit_clients, silence_timeout_s=0.3)
    await sim.reboot_node()
    assert await sim.observer_counts() == {PATH_EVENTS: 0, PATH_TEM_HUM_BAT: 0}
    # silence -> push down (poll meanwhile) -> re-registration with back-off -> push up
    await wait_until(lambda: False in seen.push)
    await wait_until(lambda: client.push_active)
    await wait_until(lambda: all(o.registrations >= 2 for o in client.observers))
    await sim.set_room(temperature_c=22.0)
    await wait_until(lambda: seen.readings[-1].temperature_c == 22.0)
    counts = await sim.observer_counts()
    assert counts == {PATH_EVENTS: 1, PATH_TEM_HUM_BAT: 1}


async def test_repeated_reregistration_does_not_leak_observers(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    client, _ = await observed_client(sim, momit_clients, silence_timeout_s=0.1)
    # with a quiet node every silence period re-registers from the same socket
    await wait_until(lambda: all(o.registrations >= 4 for o in client.observers))
    assert await sim.observer_counts() == {PATH_EVENTS: 1, PATH_TEM_HUM_BAT: 1}


async def test_close_frees_the_observer_slots(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    await sim.set_faults(notify_con_every=1)  # Erbium drops an observer whose CON is not ACKed
    client, seen = await observed_client(sim, momit_clients)
    await client.close()
    assert not client.push_active
    assert seen.push == [True, False]
    await sim.set_ac(out="cool")
    await sim.set_room(temperature_c=25.0)

    async def slots_free() -> bool:
        return await sim.observer_counts() == {PATH_EVENTS: 0, PATH_TEM_HUM_BAT: 0}

    await wait_until(slots_free)


async def test_declined_or_failing_registration_keeps_push_down(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    await sim.set_faults(blackhole=True)
    client = MomitCoolClient(
        sim.host,
        sim.ac_port(),
        serial=sim.ac_serials[0],
        options=client_options(sim, auto_relocate=False),
    )
    momit_clients.append(client)
    await client.start_push()
    await client.start_push()  # idempotent
    await wait_until(lambda: (_counts_registrations(client) == 0) and _attempted(client))
    assert not client.push_active
    await sim.set_faults(blackhole=False)
    await wait_until(lambda: client.push_active)


def _counts_registrations(client: MomitCoolClient) -> int:
    return sum(o.registrations for o in client.observers)


def _attempted(client: MomitCoolClient) -> bool:
    return len(client.observers) == 2


async def test_malformed_notification_is_ignored(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    client, seen = await observed_client(sim, momit_clients)
    await sim.set_faults(overrides={PATH_TEM_HUM_BAT: "garbage"})
    await sim.set_room(temperature_c=18.0)
    await sim.set_faults(overrides={})
    await sim.set_room(temperature_c=18.5)
    await wait_until(lambda: seen.readings[-1].temperature_c == 18.5)
    assert client.push_active
    assert all(reading.temperature_c != 18.0 for reading in seen.readings)


async def test_push_survives_reply_port_asymmetry(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    await sim.set_faults(asymmetric=True)
    _, seen = await observed_client(sim, momit_clients)
    await sim.set_ac(out="heat")
    await wait_until(lambda: seen.states[-1].output is AcOutput.HEAT)


async def test_push_recovers_after_port_move_and_reboot(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    client, seen = await observed_client(
        sim, momit_clients, silence_timeout_s=0.3, backoff=Backoff(initial_s=0.05, max_s=0.1)
    )
    new_port = await sim.move_node(sim.ac_serials[0], old_port="silent")
    await sim.reboot_node(sim.ac_serials[0])  # observers lost: re-registration hits the old port
    await wait_until(lambda: seen.ports == [new_port])
    assert client.port == new_port
    await wait_until(lambda: client.push_active)
    await sim.set_ac(out="cool")
    await wait_until(lambda: seen.states[-1].output is AcOutput.COOL)


async def test_one_observation_per_node_per_process(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    await observed_client(sim, momit_clients)
    twin = MomitCoolClient(sim.host, sim.ac_port(), serial=sim.ac_serials[0])
    momit_clients.append(twin)
    with pytest.raises(MomitError, match="already observed"):
        await twin.start_push()


async def test_listener_errors_do_not_stop_push(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    client, seen = await observed_client(sim, momit_clients)

    def broken(_state: AcState) -> None:
        raise RuntimeError("consumer bug")

    remove = client.add_listener(MomitListener(on_state=broken))
    await sim.set_ac(out="heat")
    await wait_until(lambda: seen.states[-1].output is AcOutput.HEAT)
    remove()
    remove()  # idempotent
    assert client.push_active
