"""Push: observations, re-registration, leaks, fallback signalling."""

from __future__ import annotations

import asyncio
import logging

import pytest

from custom_components.kumo_momit.momit import (
    AcMode,
    AcOutput,
    AcState,
    Backoff,
    MomitCoolClient,
    MomitListener,
    MomitValidationError,
    RoomReading,
)
from custom_components.kumo_momit.momit.models import PATH_EVENTS, PATH_TEM_HUM_BAT
from simulators.momit_gateway import GatewaySimulator

from .conftest import client_options, wait_until


@pytest.mark.parametrize(
    "make", [lambda: Backoff(initial_s=0), lambda: Backoff(initial_s=10, max_s=1)]
)
def test_invalid_backoff(make: object) -> None:
    with pytest.raises(MomitValidationError):
        make()  # type: ignore[operator]


def test_backoff_is_capped() -> None:
    assert Backoff(initial_s=1, factor=2, max_s=5).delay(10) == 5


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
    await wait_until(lambda: all(n >= 2 for n in client.observe_registrations.values()))
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
    await wait_until(lambda: all(n >= 4 for n in client.observe_registrations.values()))
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
    return sum(client.observe_registrations.values())


def _attempted(client: MomitCoolClient) -> bool:
    return len(client.observe_registrations) == 2


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


async def test_one_observation_per_resource_per_client(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    client, _ = await observed_client(sim, momit_clients)
    await client.start_push()  # already observing: nothing new is registered
    assert client.observe_registrations == {PATH_EVENTS: 1, PATH_TEM_HUM_BAT: 1}
    assert await sim.observer_counts() == {PATH_EVENTS: 1, PATH_TEM_HUM_BAT: 1}


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


async def test_node_ending_observations_triggers_reregistration(
    momit_gateway: GatewaySimulator,
    momit_clients: list[MomitCoolClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    sim = momit_gateway
    client = MomitCoolClient(
        sim.host, sim.ac_port(), serial=sim.ac_serials[0], options=client_options(sim)
    )
    momit_clients.append(client)
    await client.start_push()
    await wait_until(lambda: client.push_active)
    with caplog.at_level(logging.WARNING):
        await sim.set_faults(overrides={PATH_EVENTS: "\x01"})
        await sim.set_ac(out="heat")  # malformed notification: ignored with a warning
        await wait_until(lambda: "malformed state" in caplog.text)
    await sim.set_faults(overrides={})
    await sim.end_observations()
    await wait_until(lambda: all(n >= 2 for n in client.observe_registrations.values()))
    await wait_until(lambda: client.push_active)
    assert await sim.observer_counts() == {PATH_EVENTS: 1, PATH_TEM_HUM_BAT: 1}


async def test_observing_a_node_without_events_keeps_push_down(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    other = sim.node(sim.other_serials[0])
    client = MomitCoolClient(sim.host, other["port"], options=client_options(sim))
    momit_clients.append(client)
    await client.start_push()  # /10242/0/0 answers 4.04 on this node
    await wait_until(lambda: any(client.observe_registrations.values()))
    await asyncio.sleep(0.2)
    assert not client.push_active
