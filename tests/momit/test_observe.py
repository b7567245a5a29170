"""Push: observations, re-registration, leaks, fallback signalling."""

from __future__ import annotations

import asyncio
import logging

import aiocoap
from hypothesis import given, strategies as st
import pytest

from custom_components.kumo_momit.momit import (
    AcMode,
    AcOutput,
    AcState,
    Backoff,
    MomitCoolClient,
    MomitListener,
    MomitProtocolError,
    MomitValidationError,
    RoomReading,
)
from custom_components.kumo_momit.momit._observe import (
    ObserveCallbacks,
    ObserveSettings,
    ResourceObserver,
)
from custom_components.kumo_momit.momit.models import PATH_EVENTS, PATH_TEM_HUM_BAT
from simulators.momit_gateway import GatewaySimulator

from .conftest import FAST_TIMING, MOMIT_PROPERTIES, client_options, wait_until
from .strategies import key_value_payloads, reading_payloads


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
    # drifted toward ambient while off (its own notification, independent of the state's)
    await wait_until(lambda: seen.readings[-1].temperature_c == 19.6)

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


async def test_absurd_notifications_are_skipped_and_push_carries_on(
    momit_gateway: GatewaySimulator,
    momit_clients: list[MomitCoolClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Issue 11: a notification with a 311-digit setpoint killed the observer for good."""
    sim = momit_gateway
    client, seen = await observed_client(sim, momit_clients)
    bad = {
        PATH_EVENTS: "sp=" + "9" * 311 + ",out=cool",
        # 4,303 bytes: sent block-wise, read back by a capped GET, refused as too large
        PATH_TEM_HUM_BAT: "1" + "0" * 4300 + ",456,98",
    }
    with caplog.at_level(logging.WARNING, logger="custom_components.kumo_momit.momit"):
        await sim.set_faults(overrides=bad)
        await sim.set_ac(out="heat")
        await sim.set_room(temperature_c=18.0)
        await wait_until(lambda: "setpoint sp out of range" in caplog.text)
        await wait_until(lambda: "larger than 1024 bytes" in caplog.text)
    assert client.push_active
    # The 64-byte blocks of the long reading were fetched up to the cap (17 blocks), no further.
    assert 17 <= (await sim.request_counts())["CON GET /10241/0/0"] < 34
    await sim.set_faults(overrides={})
    await sim.set_ac(out="cool")
    await sim.set_room(temperature_c=18.5)
    await wait_until(lambda: seen.states[-1].output is AcOutput.COOL)
    await wait_until(lambda: seen.readings[-1].temperature_c == 18.5)
    assert client.push_active
    assert seen.push == [True]
    assert all(state.output is not AcOutput.HEAT for state in seen.states)
    assert client.observe_registrations == {PATH_EVENTS: 1, PATH_TEM_HUM_BAT: 1}


@MOMIT_PROPERTIES
@given(st.sampled_from([PATH_EVENTS, PATH_TEM_HUM_BAT]), key_value_payloads | reading_payloads)
def test_any_single_notification_is_delivered_or_skipped(path: str, payload: bytes) -> None:
    client = MomitCoolClient("127.0.0.1", 15395)  # never opened: no network
    seen = Recorder()
    client.add_listener(seen.listener())
    parse = AcState.from_payload if path == PATH_EVENTS else RoomReading.from_payload
    deliver = client._deliver_state if path == PATH_EVENTS else client._deliver_reading
    active: list[bool] = []
    observer = ResourceObserver(
        client._link,
        path,
        ObserveSettings(timing=FAST_TIMING, silence_timeout_s=1.0, backoff=Backoff()),
        ObserveCallbacks(on_payload=deliver, on_active=active.append),
    )
    asyncio.run(observer._deliver(aiocoap.Message(code=aiocoap.CONTENT, payload=payload)))
    try:
        expected: list[object] = [parse(payload)]
    except MomitProtocolError:
        expected = []
    assert [*seen.states, *seen.readings] == expected
    assert active == []  # a payload, good or bad, never changes the observation's state


async def test_a_failing_payload_handler_does_not_end_the_observation(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(_payload: bytes) -> None:
        raise RuntimeError("consumer bug")

    client = MomitCoolClient("127.0.0.1", 15395)  # never opened: no network
    observer = ResourceObserver(
        client._link,
        PATH_EVENTS,
        ObserveSettings(timing=FAST_TIMING, silence_timeout_s=1.0, backoff=Backoff()),
        ObserveCallbacks(on_payload=broken, on_active=lambda _active: None),
    )
    await observer._deliver(aiocoap.Message(code=aiocoap.CONTENT, payload=b"out=off"))
    assert "handling a notification of /10242/0/0 failed" in caplog.text


# -- staleness after a short outage (issue 10) -------------------------------------------------


async def test_a_short_outage_is_reported_and_healed_by_the_refresh(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    """The node is silent for 2.5 s and comes back without its observers: the refresh finds it
    unreachable (push reported down, not kept up), then registers again once it is back."""
    sim = momit_gateway
    client, seen = await observed_client(
        sim, momit_clients, refresh_interval_s=1.0, silence_timeout_s=300.0
    )
    await sim.outage(duration_s=2.5)
    await wait_until(lambda: seen.push[-1] is False)
    assert not client.push_active
    await wait_until(lambda: client.push_active)  # well before the 300 s silence timeout
    await sim.set_ac(out="heat")
    await wait_until(lambda: seen.states[-1].output is AcOutput.HEAT)
    assert seen.push == [True, False, True]
    assert await sim.observer_counts() == {PATH_EVENTS: 1, PATH_TEM_HUM_BAT: 1}


async def test_a_change_lost_in_a_reboot_is_read_back_by_the_refresh(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    client, seen = await observed_client(
        sim, momit_clients, refresh_interval_s=1.0, silence_timeout_s=300.0
    )
    await sim.reboot_node()  # the observers are forgotten; the node answers at once again
    await sim.set_ac(out="heat")  # nobody is notified
    await sim.set_room(temperature_c=21.0)
    await wait_until(lambda: seen.states[-1].output is AcOutput.HEAT)
    await wait_until(lambda: seen.readings[-1].temperature_c == 21.0)
    assert seen.push == [True]  # the node never stopped answering: push was never down
    assert all(n >= 2 for n in client.observe_registrations.values())
    assert await sim.observer_counts() == {PATH_EVENTS: 1, PATH_TEM_HUM_BAT: 1}


async def test_without_refresh_a_change_lost_in_a_reboot_stays_unseen(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    """What the refresh is for: with it off, nothing notices until the silence timeout."""
    sim = momit_gateway
    client, seen = await observed_client(
        sim, momit_clients, refresh_interval_s=None, silence_timeout_s=300.0
    )
    await sim.reboot_node()
    await sim.set_ac(out="heat")
    await asyncio.sleep(2.0)
    assert seen.states[-1].output is AcOutput.OFF
    assert client.push_active  # and push still claims to work
    assert client.observe_registrations == {PATH_EVENTS: 1, PATH_TEM_HUM_BAT: 1}


async def test_refreshes_of_a_quiet_node_are_registrations_not_polls(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    client, seen = await observed_client(
        sim, momit_clients, refresh_interval_s=0.3, silence_timeout_s=300.0
    )
    await wait_until(lambda: all(n >= 4 for n in client.observe_registrations.values()))
    counts = await sim.request_counts()
    assert counts.get("CON GET /10242/0/0", 0) == 0
    assert counts.get("CON GET /10241/0/0", 0) == 0
    assert counts["CON GET /10242/0/0 observe"] >= 4
    assert await sim.observer_counts() == {PATH_EVENTS: 1, PATH_TEM_HUM_BAT: 1}  # no leak
    assert seen.push == [True]


def test_invalid_observe_settings() -> None:
    with pytest.raises(MomitValidationError):
        ObserveSettings(
            timing=FAST_TIMING, silence_timeout_s=1.0, backoff=Backoff(), refresh_interval_s=0
        )
