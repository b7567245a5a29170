"""Edge cases: argument checks, relay filtering, observation endings, failed re-discovery."""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest

from custom_components.kumo_momit.momit import (
    AcOutput,
    Backoff,
    MomitClientOptions,
    MomitConnectionError,
    MomitCoolClient,
    MomitNodeNotFoundError,
    MomitTiming,
    MomitValidationError,
    ScanOptions,
    SourcePortRelay,
    probe_ports,
)
from custom_components.kumo_momit.momit.models import PATH_EVENTS, PATH_TEM_HUM_BAT
from custom_components.kumo_momit.momit.transport import NodeLink
from simulators.momit_gateway import GatewaySimulator

from .conftest import client_options, wait_until


@pytest.mark.parametrize(
    "make",
    [
        lambda: MomitTiming(ack_timeout_s=0, max_retransmit=1),
        lambda: MomitTiming(ack_timeout_s=1, max_retransmit=-1),
        lambda: Backoff(initial_s=0),
        lambda: Backoff(initial_s=10, max_s=1),
        lambda: ScanOptions(concurrency=0),
        lambda: ScanOptions(probe_timeout_s=0),
        lambda: MomitCoolClient("localhost", 15395),
        lambda: MomitCoolClient("192.168.3.164", 0),
        lambda: MomitCoolClient("192.168.3.164", 70000),
        lambda: MomitCoolClient("192.168.3.164", True),  # type: ignore[arg-type]
    ],
)
def test_invalid_arguments(make: object) -> None:
    with pytest.raises(MomitValidationError):
        make()  # type: ignore[operator]


def test_timing_bounds() -> None:
    timing = MomitTiming(ack_timeout_s=1.0, max_retransmit=2)
    assert timing.give_up_after_s == pytest.approx(10.5)
    assert timing.deadline_s > timing.give_up_after_s
    tuning = timing.tuning()
    assert (tuning.ACK_TIMEOUT, tuning.MAX_RETRANSMIT, tuning.reliability) == (1.0, 2, True)
    assert pytest.approx(10.5) == tuning.MAX_TRANSMIT_WAIT
    assert Backoff(initial_s=1, factor=2, max_s=5).delay(10) == 5


def test_ipv6_uri_without_relay() -> None:
    link = NodeLink("::1", 5683, use_relay=False)
    assert link.uri("/10242/0/0") == "coap://[::1]:5683/10242/0/0"
    assert not link.is_open
    with pytest.raises(MomitConnectionError):
        link.context()


async def test_relay_filters_foreign_datagrams() -> None:
    relay = SourcePortRelay("127.0.0.1", 9)
    with pytest.raises(RuntimeError):
        _ = relay.local_port
    await relay.start()
    try:
        assert relay.running
        assert relay.target_port == 9
        relay.from_gateway(b"x", ("127.0.0.1", 9))  # no client yet: dropped
        relay.from_client(b"x", ("10.0.0.1", 1234))  # not loopback: ignored
        relay.from_client(b"x", ("127.0.0.1", 1))  # client known now
        relay.from_gateway(b"x", ("10.0.0.2", 9))  # not the gateway: dropped
        relay.from_gateway(b"x", ("::ffff:127.0.0.1", 4000, 0, 0))  # v4-mapped gateway
        assert relay.reply_ports == {4000}
        relay.retarget(10)
        assert relay.reply_ports == set()
    finally:
        relay.close()
        relay.close()
    assert not relay.running


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


async def test_probe_rejects_bad_host() -> None:
    with pytest.raises(MomitValidationError):
        await probe_ports("gateway.local", [1])


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
    await wait_until(lambda: all(o.registrations >= 2 for o in client.observers))
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
    await wait_until(lambda: any(o.registrations for o in client.observers))
    await asyncio.sleep(0.2)
    assert not client.push_active


async def test_failed_rediscovery_is_logged_and_push_stays_down(
    momit_gateway: GatewaySimulator,
    momit_clients: list[MomitCoolClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    sim = momit_gateway
    await sim.set_faults(blackhole=True)
    client = MomitCoolClient(
        sim.host, sim.ac_port(), serial=sim.ac_serials[0], options=client_options(sim)
    )
    momit_clients.append(client)
    with caplog.at_level(logging.DEBUG, logger="custom_components.kumo_momit.momit"):
        await client.start_push()
        await wait_until(lambda: "re-discovery of" in caplog.text)
    assert not client.push_active


class _FakeTransport:
    def __init__(self) -> None:
        self.sent: list[tuple[bytes, tuple[str | int, ...]]] = []

    def sendto(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self.sent.append((data, addr))


def test_probe_socket_filters_and_acknowledges() -> None:
    import aiocoap

    from custom_components.kumo_momit.momit.discovery import _ProbeSocket

    probe = _ProbeSocket("127.0.0.1")
    transport = _FakeTransport()
    probe.connection_made(transport)  # type: ignore[arg-type]

    def encoded(mtype: aiocoap.numbers.types.Type, code: aiocoap.Code) -> bytes:
        message = aiocoap.Message(code=code, payload=b"x")
        message.mtype, message.mid, message.token = mtype, 7, b"tok1"
        return bytes(message.encode())

    probe.datagram_received(encoded(aiocoap.NON, aiocoap.CONTENT), ("10.0.0.9", 5683))
    probe.datagram_received(b"\x00garbage", ("127.0.0.1", 5683))
    probe.datagram_received(encoded(aiocoap.NON, aiocoap.GET), ("127.0.0.1", 5683))
    assert transport.sent == []
    # a separate CON response (unknown token here) is still acknowledged, v4-mapped source
    probe.datagram_received(encoded(aiocoap.CON, aiocoap.CONTENT), ("::ffff:127.0.0.1", 5683))
    assert len(transport.sent) == 1
    ack = aiocoap.Message.decode(transport.sent[0][0])
    assert (ack.mtype, ack.mid, ack.code) == (aiocoap.ACK, 7, aiocoap.EMPTY)
    probe.error_received(OSError("ignored"))


class _ProbeOnlyResponder(asyncio.DatagramProtocol):
    """Answers NON probes with a listing, ignores everything else (CON inspection fails)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        import aiocoap

        request = aiocoap.Message.decode(data)
        if request.mtype != aiocoap.NON:
            return
        reply = aiocoap.Message(code=aiocoap.CONTENT, payload=b"</10242/0/0>,</10244/0/0>")
        reply.mtype, reply.mid, reply.token = aiocoap.NON, request.mid, request.token
        self.transport.sendto(reply.encode(), addr)


async def test_node_answering_probes_but_not_inspection_is_skipped() -> None:
    from custom_components.kumo_momit.momit import discover_nodes
    from tests.momit.conftest import FAST_TIMING

    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        _ProbeOnlyResponder, local_addr=("127.0.0.1", 0)
    )
    try:
        port = transport.get_extra_info("sockname")[1]
        options = ScanOptions(
            primary_ports=(range(port, port + 1),),
            fallback_ports=(),
            probe_timeout_s=0.5,
            inspect_timing=FAST_TIMING,
        )
        assert [reply.port for reply in await probe_ports("127.0.0.1", [port])] == [port]
        assert await discover_nodes("127.0.0.1", options=options) == []
    finally:
        transport.close()
