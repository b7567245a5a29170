"""The client against the simulated gateway over real loopback UDP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterator
import contextlib
import gc
import socket
import sys

import pytest

from custom_components.kumo_momit.momit import (
    AcMode,
    AcOutput,
    MomitClientOptions,
    MomitCommandRejectedError,
    MomitCommandTimeoutError,
    MomitConnectionError,
    MomitCoolClient,
    MomitNodeNotFoundError,
    MomitProtocolError,
    MomitValidationError,
)
from custom_components.kumo_momit.momit.models import PATH_EVENTS
from simulators.momit_gateway import GatewaySimulator

from .conftest import client_options, open_momit_links, wait_until


def make_client(
    sim: GatewaySimulator,
    clients: list[MomitCoolClient],
    serial: str | None = None,
    **options: object,
) -> MomitCoolClient:
    client = MomitCoolClient(
        sim.host, sim.ac_port(serial), serial=serial, options=client_options(sim, **options)
    )
    clients.append(client)
    return client


@pytest.mark.parametrize(
    "make",
    [
        lambda: MomitCoolClient("localhost", 15395),
        lambda: MomitCoolClient("192.168.3.164", 0),
        lambda: MomitCoolClient("192.168.3.164", 70000),
        lambda: MomitCoolClient("192.168.3.164", True),  # type: ignore[arg-type]
    ],
)
def test_invalid_arguments(make: object) -> None:
    with pytest.raises(MomitValidationError):
        make()  # type: ignore[operator]


async def test_reads(momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]) -> None:
    sim = momit_gateway
    client = make_client(sim, momit_clients)
    await sim.set_room(temperature_c=-2.5, humidity_percent=40.0, battery_percent=77)

    state = await client.get_state()
    assert state.output is AcOutput.OFF
    assert state.fields == {"cm": "cool", "t": "0", "sp": "off", "out": "off"}
    reading = await client.get_reading()
    assert (reading.temperature_c, reading.humidity_percent, reading.battery_percent) == (
        -2.5,
        40.0,
        77,
    )
    info = await client.get_device_info()
    assert info.serial == sim.ac_serials[0]
    assert info.manufacturer == "Momit"
    assert info.model == "Momit Cool"
    assert info.firmware is not None
    assert info.battery_status == "77"
    assert client.serial == sim.ac_serials[0]
    listing = await client.get_listing()
    assert listing.is_ac_controller
    assert (await client.probe()).output is AcOutput.OFF

    counts = await sim.request_counts()
    assert counts["CON GET /10242/0/0"] == 2
    assert counts["CON GET /10241/0/0"] == 1
    # The 1.7 KB listing came in Erbium-like 64-byte blocks.
    assert counts["CON GET /.well-known/core"] > 20


async def test_other_node_has_no_battery_and_no_events(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    other = sim.node(sim.other_serials[0])
    client = MomitCoolClient(sim.host, other["port"], options=client_options(sim))
    momit_clients.append(client)
    info = await client.get_device_info()
    assert info.battery_status is None
    assert info.serial == sim.other_serials[0]
    with pytest.raises(MomitNodeNotFoundError):
        await client.probe()
    with pytest.raises(MomitProtocolError):
        await client.get_state()


async def test_commands_on_the_wire(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    client = make_client(sim, momit_clients)
    await client.turn_on(AcMode.COOL, 21.0)
    await client.turn_on(AcMode.HEAT, 22.46, timer_minutes=90)
    await client.turn_on("cool", 16)
    await client.turn_off()

    assert await sim.puts_received() == [
        {"payload": "cm=cool,t=1440,sp=210", "content_format": 1541},
        {"payload": "cm=heat,t=90,sp=225", "content_format": 1541},
        {"payload": "cm=cool,t=1440,sp=160", "content_format": 1541},
        {"payload": "cm=cool,t=0,sp=off", "content_format": 1541},
    ]
    assert (await client.get_state()).output is AcOutput.OFF


async def test_invalid_values_send_nothing(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    client = make_client(sim, momit_clients)
    for mode, setpoint, timer in [
        ("dry", 21.0, None),
        (AcMode.COOL, 35.0, None),
        (AcMode.COOL, float("nan"), None),
        (AcMode.COOL, 21.0, 0),
        (AcMode.COOL, 21.0, 100000),
    ]:
        with pytest.raises(MomitValidationError):
            await client.turn_on(mode, setpoint, timer)
    assert await sim.puts_received() == []
    assert await sim.request_counts() == {}


async def test_rejected_command(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    client = make_client(sim, momit_clients)
    await sim.set_faults(put_code="5.03")
    with pytest.raises(MomitCommandRejectedError) as info:
        await client.turn_off()
    assert info.value.code.startswith("5.03")


async def test_malformed_payloads(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    client = make_client(sim, momit_clients)
    await sim.set_faults(overrides={"/10242/0/0": "\x00\x01", "/10241/0/0": "hot,humid"})
    with pytest.raises(MomitProtocolError):
        await client.get_state()
    with pytest.raises(MomitProtocolError):
        await client.get_reading()


async def test_dead_node_fails_with_connection_error(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    client = make_client(sim, momit_clients)
    await sim.set_faults(blackhole=True)
    with pytest.raises(MomitConnectionError):
        await client.get_state()
    with pytest.raises(MomitCommandTimeoutError) as info:
        await client.turn_on(AcMode.COOL, 21.0)
    assert info.value.state is None  # the re-read failed too
    # retransmissions reached the node and were dropped: bounded by the tuning
    counts = await sim.request_counts()
    assert counts["CON PUT /10242/0/0"] == 2


async def test_closed_port_fails_with_connection_error(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    client = make_client(sim, momit_clients, use_relay=False)
    await sim.move_node(old_port="closed")
    with pytest.raises(MomitConnectionError):
        await client.get_state()


async def test_lost_answer_to_applied_command_is_confirmed_by_reread(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    client = make_client(sim, momit_clients)
    # The PUT arrives and is applied, but both answers (first and retransmission) are lost.
    await sim.set_faults(drop_replies=2)
    await client.turn_on(AcMode.HEAT, 23.0)
    assert client.state is not None
    assert client.state.output is AcOutput.HEAT
    counts = await sim.request_counts()
    assert counts["CON GET /10242/0/0"] == 1  # the re-read


async def test_lost_command_reports_fresh_state(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    client = make_client(sim, momit_clients)
    await sim.set_faults(drop_next=2)  # both PUT transmissions lost; the re-read gets through
    with pytest.raises(MomitCommandTimeoutError) as info:
        await client.turn_on(AcMode.COOL, 21.0)
    assert info.value.state is not None
    assert info.value.state.output is AcOutput.OFF
    assert await sim.puts_received() == []


async def test_separate_response(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    # a slow handler makes aiocoap send an empty ACK, then a CON response
    client = make_client(sim, momit_clients)
    await sim.set_faults(delay_s=0.3)
    await client.turn_on(AcMode.COOL, 24.0)
    assert (await client.get_state()).setpoint_c == 24.0
    assert (await sim.request_counts()).get("ACK EMPTY", 0) >= 1


async def test_one_command_in_flight_per_node(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    client = make_client(sim, momit_clients)
    await sim.set_faults(delay_s=0.05)
    await asyncio.gather(*(client.turn_on(AcMode.COOL, 20.0 + n) for n in range(4)))
    payloads = [put["payload"] for put in await sim.puts_received()]
    assert sorted(payloads) == [f"cm=cool,t=1440,sp={200 + 10 * n}" for n in range(4)]


async def test_reply_from_another_port_needs_the_relay(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    await sim.set_faults(asymmetric=True)
    relayed = make_client(sim, momit_clients)
    plain = make_client(sim, momit_clients, use_relay=False)

    with pytest.raises(MomitConnectionError):
        await plain.get_state()  # plain aiocoap drops the reply from the other port
    assert (await relayed.get_state()).output is AcOutput.OFF
    await relayed.turn_on(AcMode.COOL, 21.0)
    reply_port = sim.node()["reply_port"]
    assert reply_port != sim.ac_port()
    assert relayed.reply_ports == {reply_port}
    assert plain.reply_ports == frozenset()


async def test_each_client_owns_its_context(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    first = make_client(sim, momit_clients, serial=sim.ac_serials[0])
    second = make_client(sim, momit_clients, serial=sim.ac_serials[1])
    assert open_momit_links() == 0  # nothing opened before first use
    await first.get_state()
    async with second:
        await second.get_state()
        assert first.is_open
        assert second.is_open
        assert first._link.context() is not second._link.context()
        assert open_momit_links() == 4  # two contexts, two relays
    assert not second.is_open
    assert first.is_open
    await first.close()
    assert not first.is_open
    assert open_momit_links() == 0
    with pytest.raises(MomitConnectionError):
        await first.get_state()
    with pytest.raises(MomitConnectionError):
        await second.connect()  # a closed client stays closed


async def test_relay_upstream_port_in_use_is_a_connection_error() -> None:
    blocker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    blocker.bind(("0.0.0.0", 0))
    try:
        port = blocker.getsockname()[1]
        client = MomitCoolClient(
            "127.0.0.1", 9, options=MomitClientOptions(relay_upstream_port=port)
        )
        with pytest.raises(MomitConnectionError):
            await client.connect()
        await client.close()
    finally:
        blocker.close()


async def test_probe_without_out_is_not_an_ac_node(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    client = MomitCoolClient(sim.host, sim.ac_port(), options=client_options(sim))
    momit_clients.append(client)
    await sim.set_faults(overrides={PATH_EVENTS: "cm=cool,t=0"})
    with pytest.raises(MomitNodeNotFoundError):
        await client.probe()
    assert (await client.get_state()).output is AcOutput.UNKNOWN


async def test_oversized_answers_are_cut_off(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    client = make_client(sim, momit_clients)
    await sim.set_faults(
        overrides={PATH_EVENTS: "out=off," + "x" * 5000, "/.well-known/core": "<//>," * 5000}
    )
    with pytest.raises(MomitProtocolError, match="larger than 1024 bytes"):
        await client.get_state()
    with pytest.raises(MomitProtocolError, match="larger than 16384 bytes"):
        await client.get_listing()
    counts = await sim.request_counts()
    # 64-byte blocks, fetched only until the cap was passed (a retransmission may add some)
    assert 17 <= counts["CON GET /10242/0/0"] < 34
    assert 257 <= counts["CON GET /.well-known/core"] < 300


async def test_identity_texts_no_registry_can_keep_are_none(
    momit_gateway: GatewaySimulator,
    momit_clients: list[MomitCoolClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    sim = momit_gateway
    client = make_client(sim, momit_clients)
    await sim.set_faults(overrides={"/3/0/2": "SER\x00IAL", "/3/0/1": "M" * 200})
    info = await client.get_device_info()
    assert (info.serial, info.model, info.manufacturer) == (None, None, "Momit")
    assert client.serial is None
    assert "unusable identity text" in caplog.text


@contextlib.contextmanager
def async_generators_left_to_the_loop() -> Iterator[list[str]]:
    """Names of async generators handed to the event loop's finalizer (dropped unclosed) while
    the block runs: the loop turns each into an `aclose()` task, which can outlive its owner
    (pytest-homeassistant-custom-component fails a test on such a lingering task)."""
    firstiter, finalizer = sys.get_asyncgen_hooks()
    left: list[str] = []

    def record(agen: AsyncGenerator[object]) -> None:
        left.append(agen.__qualname__)
        if finalizer is not None:
            finalizer(agen)

    sys.set_asyncgen_hooks(firstiter=firstiter, finalizer=record)
    try:
        yield left
        gc.collect()
    finally:
        sys.set_asyncgen_hooks(firstiter=firstiter, finalizer=finalizer)


@pytest.mark.parametrize("use_relay", [True, False])
async def test_requests_leave_no_unclosed_async_generator(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient], use_relay: bool
) -> None:
    """Reads, commands and observations close every async generator they start (aiocoap's own
    address resolution would drop one per request)."""
    client = make_client(momit_gateway, momit_clients, use_relay=use_relay)
    with async_generators_left_to_the_loop() as left:
        await client.get_state()
        await client.turn_on(AcMode.COOL, 22.0)
        await client.start_push()
        await wait_until(lambda: client.push_active)
        await client.close()
    assert client.state is not None
    assert client.state.output is AcOutput.COOL
    assert left == []
