"""Port scan, classification and re-discovery against the simulated gateway."""

from __future__ import annotations

import asyncio
import logging
import random

import aiocoap
import pytest

from custom_components.kumo_momit.momit import (
    AcOutput,
    MomitCoolClient,
    MomitListener,
    MomitNodeNotFoundError,
    MomitValidationError,
    ScanOptions,
    discover_ac_nodes,
    discover_nodes,
    find_ac_node,
)
from custom_components.kumo_momit.momit._scan import probe_ports
from custom_components.kumo_momit.momit.discovery import inspect_node
from simulators.momit_gateway import GatewaySimulator

from .conftest import FAST_TIMING, client_options, scan_options, wait_until


@pytest.mark.parametrize(
    "make", [lambda: ScanOptions(concurrency=0), lambda: ScanOptions(probe_timeout_s=0)]
)
def test_invalid_scan_options(make: object) -> None:
    with pytest.raises(MomitValidationError):
        make()  # type: ignore[operator]


async def test_scan_finds_ac_nodes_among_decoys(momit_gateway: GatewaySimulator) -> None:
    sim = momit_gateway
    low, high = sim.port_range
    replies = await probe_ports(sim.host, range(low, high + 1), timeout_s=0.3)
    answered = {reply.port for reply in replies}
    node_ports = {node["port"] for node in sim.info["nodes"]}
    # the garbage decoy answers non-CoAP bytes and the silent one nothing: neither counts
    assert answered == node_ports

    nodes = await discover_nodes(sim.host, options=scan_options(sim))
    assert {node.serial for node in nodes} == {*sim.ac_serials, *sim.other_serials}
    ac_nodes = await discover_ac_nodes(sim.host, options=scan_options(sim))
    assert {(node.serial, node.port) for node in ac_nodes} == {
        (serial, sim.ac_port(serial)) for serial in sim.ac_serials
    }
    assert all(node.reply_port == node.port for node in ac_nodes)


async def test_find_by_serial_and_single_node(momit_gateway: GatewaySimulator) -> None:
    sim = momit_gateway
    wanted = sim.ac_serials[1]
    node = await find_ac_node(sim.host, wanted, options=scan_options(sim))
    assert (node.serial, node.port) == (wanted, sim.ac_port(wanted))
    with pytest.raises(MomitNodeNotFoundError, match="2 AC nodes"):
        await find_ac_node(sim.host, None, options=scan_options(sim))
    with pytest.raises(MomitNodeNotFoundError):
        await find_ac_node(sim.host, "no-such-serial", options=scan_options(sim))


async def test_no_ac_node_in_range(momit_gateway: GatewaySimulator) -> None:
    sim = momit_gateway
    other_port = sim.node(sim.other_serials[0])["port"]
    options = scan_options(sim, primary_ports=(range(other_port, other_port + 1),))
    with pytest.raises(MomitNodeNotFoundError):
        await discover_ac_nodes(sim.host, options=options)
    other = await inspect_node(sim.host, other_port, options=options)
    assert not other.is_ac_controller


async def test_fallback_range_is_scanned_when_primary_has_no_match(
    momit_gateway: GatewaySimulator,
) -> None:
    sim = momit_gateway
    serial = sim.ac_serials[0]
    low, _ = sim.port_range
    new_port = await sim.move_node(serial, port=low + 40)
    primary_only = scan_options(sim)
    with pytest.raises(MomitNodeNotFoundError):
        await find_ac_node(sim.host, serial, options=primary_only)
    with_fallback = scan_options(sim, fallback_ports=(range(low + 36, low + 44),))
    assert (await find_ac_node(sim.host, serial, options=with_fallback)).port == new_port


async def test_scan_accepts_replies_from_another_port(momit_gateway: GatewaySimulator) -> None:
    sim = momit_gateway
    serial = sim.ac_serials[0]
    await sim.set_faults(serial, asymmetric=True)
    nodes = await discover_nodes(sim.host, options=scan_options(sim))
    port, reply_port = sim.ac_port(serial), sim.node(serial)["reply_port"]
    probed_main = next(node for node in nodes if node.port == port)
    assert probed_main.serial == serial
    assert probed_main.reply_port == reply_port != port
    # Like an ip64 mapping, the reply port also reaches the node when it is in the range.
    assert {node.port for node in nodes if node.serial == serial} <= {port, reply_port}


async def test_relocate_after_port_move(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    serial = sim.ac_serials[0]
    moves: list[int] = []
    client = MomitCoolClient(
        sim.host, sim.ac_port(serial), serial=serial, options=client_options(sim)
    )
    momit_clients.append(client)
    client.add_listener(MomitListener(on_port_change=moves.append))
    await client.get_state()

    new_port = await sim.move_node(serial, old_port="silent")  # ip64: unmapped ports are silent
    assert await client.relocate() == new_port
    assert client.port == new_port
    assert moves == [new_port]
    assert (await client.get_state()).output is AcOutput.OFF


async def test_relocate_is_rate_limited(
    momit_gateway: GatewaySimulator, momit_clients: list[MomitCoolClient]
) -> None:
    sim = momit_gateway
    now = [1000.0]
    client = MomitCoolClient(
        sim.host,
        sim.ac_port(),
        serial=sim.ac_serials[0],
        options=client_options(sim, relocate_interval_s=300.0, clock=lambda: now[0]),
    )
    momit_clients.append(client)
    assert await client.relocate() == sim.ac_port()
    now[0] += 299
    assert await client.relocate() is None  # skipped: no scan
    assert await client.relocate(force=True) == sim.ac_port()
    now[0] += 301
    assert await client.relocate() == sim.ac_port()


async def test_relocate_learns_serial_of_the_only_ac_node(
    momit_clients: list[MomitCoolClient],
) -> None:
    with GatewaySimulator(ac_nodes=1, other_nodes=0, decoys=False) as sim:
        client = MomitCoolClient(sim.host, sim.ac_port(), options=client_options(sim))
        momit_clients.append(client)
        assert await client.relocate() == sim.ac_port()
        assert client.serial == sim.ac_serials[0]
        await client.close()


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


class _ProbeOnlyResponder(asyncio.DatagramProtocol):
    """Answers NON probes with a listing, ignores everything else (CON inspection fails)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        request = aiocoap.Message.decode(data)
        if request.mtype != aiocoap.NON:
            return
        reply = aiocoap.Message(code=aiocoap.CONTENT, payload=b"</10242/0/0>,</10244/0/0>")
        reply.mtype, reply.mid, reply.token = aiocoap.NON, request.mid, request.token
        self.transport.sendto(reply.encode(), addr)


async def test_node_answering_probes_but_not_inspection_is_skipped() -> None:
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


async def test_unusable_serial_is_none(
    momit_gateway: GatewaySimulator, caplog: pytest.LogCaptureFixture
) -> None:
    sim = momit_gateway
    await sim.set_faults(overrides={"/3/0/2": "\xff" * 80})
    node = await inspect_node(sim.host, sim.ac_port(), options=scan_options(sim))
    assert node.is_ac_controller
    assert node.serial is None
    assert "ignoring its serial number" in caplog.text


async def test_search_by_serial_asks_the_known_port_first(
    momit_gateway: GatewaySimulator,
) -> None:
    sim = momit_gateway
    serial, other = sim.ac_serials
    port = sim.ac_port(serial)
    node = await find_ac_node(sim.host, serial, options=scan_options(sim), known_port=port)
    assert (node.serial, node.port, node.is_ac_controller, node.listing) == (
        serial,
        port,
        True,
        None,
    )
    # Two GETs, no scan, no listing; the other AC node heard nothing at all.
    received = await sim.request_counts(serial)
    assert {kind: n for kind, n in received.items() if kind != "sent"} == {
        "CON GET /3/0/2": 1,
        "CON GET /10242/0/0": 1,
    }
    assert await sim.request_counts(other) == {}


async def test_search_by_serial_stops_at_the_match_and_reads_no_listing(
    momit_gateway: GatewaySimulator,
) -> None:
    sim = momit_gateway
    serial = sim.ac_serials[1]
    old_port = sim.ac_port(serial)
    new_port = await sim.move_node(serial, old_port="silent")
    node = await find_ac_node(sim.host, serial, options=scan_options(sim), known_port=old_port)
    assert node.port == new_port
    for name in (*sim.ac_serials, *sim.other_serials):
        counts = await sim.request_counts(name)
        assert counts.get("CON GET /.well-known/core", 0) == 0
        assert counts.get("NON GET /.well-known/core", 0) <= 1  # one probe per port at most


async def test_search_stays_in_the_range_the_known_port_came_from(
    momit_gateway: GatewaySimulator,
) -> None:
    sim = momit_gateway
    serial = sim.ac_serials[0]
    low, _ = sim.port_range
    old_port = sim.ac_port(serial)
    await sim.move_node(serial, port=low + 40)  # outside the primary window
    options = scan_options(sim, fallback_ports=(range(low + 36, low + 44),))
    with pytest.raises(MomitNodeNotFoundError):
        await find_ac_node(sim.host, serial, options=options, known_port=old_port)
    # without a known port (or one outside the primary ranges) the fallback is searched
    assert (await find_ac_node(sim.host, serial, options=options)).port == low + 40
    found = await find_ac_node(sim.host, serial, options=options, known_port=low + 38)
    assert found.port == low + 40


async def test_search_gives_up_at_its_deadline(momit_gateway: GatewaySimulator) -> None:
    sim = momit_gateway
    low, high = sim.port_range
    await sim.set_faults(sim.ac_serials[0], blackhole=True)
    options = scan_options(
        sim,
        primary_ports=(range(low, high + 1), range(20000, 21000)),  # ~1,000 silent ports
        concurrency=8,
        search_deadline_s=0.5,
    )
    with pytest.raises(MomitNodeNotFoundError, match="within"):
        await find_ac_node(sim.host, sim.ac_serials[0], options=options)


def test_invalid_search_deadline() -> None:
    with pytest.raises(MomitValidationError):
        ScanOptions(search_deadline_s=0)


def test_simulator_windows_do_not_follow_the_test_seed() -> None:
    """pytest-randomly gives every test the same `random` seed: simulators made in different
    tests must still scan apart, or a test's scan finds another test's nodes."""
    windows = []
    for _ in range(3):
        random.seed(1234)
        windows.append(GatewaySimulator().port_range)
    assert len(set(windows)) > 1
