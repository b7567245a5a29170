"""Momit Gateway simulator: several CoAP mesh nodes behind one IPv4 address, on loopback.

Model (protocol notes, docs/momit.md §1.2, §10): every node is an aiocoap server on a private
loopback port, reached through a small NAT front that imitates the gateway's ip64 mapping: a
public UDP port per node (random in a port range, like ip64's 10000-19999), one inner socket per
client (so the node sees distinct clients), and optionally replies leaving from a *second* public
port (the inferred ip64 asymmetry, §1.2 point 2). Faults live in the front: blackhole, drop the
next N datagrams, asymmetric replies, moving the node to a new port, rebooting it (observers
lost), a short outage (silent, then rebooted), malformed payloads, error codes and slow
(separate) responses.

What the simulator does beyond device evidence is labelled [INF] (inferred) or [SIM] (a free
choice of the simulator): the GET payload of `/10242/0/0` (`cm,t,sp,out`), `out` following the
last command, GET content format 1541, humidity/battery encodings, the `/3/0/x` values, 4.15/4.00
for bad PUTs, the room model.

Run it standalone:  python -m simulators.momit_gateway          (prints the ports and serials)
Tests and benchmarks use `GatewaySimulator`, which runs this module in a subprocess (aiocoap
server contexts leave ~247 s timers behind, which Home Assistant's test plugin rejects; §10.5)
and drives it over a JSON-lines control port on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import json
import logging
import os
from pathlib import Path
import random
import signal
import socket
import subprocess
import sys
import time
from typing import Any, Final

import aiocoap
from aiocoap import Code, Message, resource
from aiocoap.numbers.constants import TransportTuning

from simulators.momit_listings import AC_NODE_LISTING, OTHER_NODE_LISTING
from simulators.process import reap, spawn_simulator

HOST: Final = "127.0.0.1"
CF_LWM2M_TEXT: Final = 1541
PATH_EVENTS: Final = "/10242/0/0"
PATH_TEM_HUM_BAT: Final = "/10241/0/0"

_LOGGER = logging.getLogger("momit_gateway")

JsonDict = dict[str, Any]


class _NonTuning(TransportTuning):  # type: ignore[misc]
    reliability = False


class _NotifyConTuning(TransportTuning):  # type: ignore[misc]
    """CON notifications give up fast, so an observer whose client went away is dropped
    quickly (Erbium drops an observer whose CON notification is not acknowledged [INF])."""

    ACK_TIMEOUT = 0.3
    MAX_RETRANSMIT = 1
    reliability = True


# -- node state -------------------------------------------------------------------------------


@dataclass
class Faults:
    """Per-node fault switches."""

    blackhole: bool = False
    drop_next: int = 0
    drop_replies: int = 0
    """Drop the node's next N outgoing datagrams (answers lost on the way back)."""
    asymmetric: bool = False
    put_code: str | None = None
    """Answer PUTs with this code (e.g. "4.00", "5.03") instead of applying them."""
    delay_s: float = 0.0
    """Delay every handler: aiocoap then sends an empty ACK and a separate response [LAB]."""
    overrides: dict[str, str] = field(default_factory=dict)
    """path -> payload (latin-1 text) served on GET instead of the real one."""
    notify_con_every: int = 20
    """Every Nth notification is CON, the others NON (Erbium's refresh interval, 20 [INF])."""


@dataclass
class Room:
    """Deterministic room model, all in tenths (integers) [SIM]."""

    temperature_tenths: int = 265
    humidity_tenths: int = 456
    battery_percent: int = 98
    ambient_tenths: int = 280


class NodeState:
    """What one simulated node is and remembers."""

    def __init__(self, *, kind: str, serial: str, index: int) -> None:
        self.kind = kind
        self.serial = serial
        self.listing = AC_NODE_LISTING if kind == "ac" else OTHER_NODE_LISTING
        # [SIM] values; the real ones are [UNK] (§13 question 9 for the serial).
        self.texts = {
            "/3/0/0": "Momit",
            "/3/0/1": "Momit Cool" if kind == "ac" else "Momit Node",
            "/3/0/2": serial,
            "/3/0/3": f"SIM-1.{index}",
        }
        self.ac = {"cm": "cool", "t": "0", "sp": "off", "out": "off"}
        self.room = Room()
        self.faults = Faults()
        self.puts: list[JsonDict] = []
        self.counts: Counter[str] = Counter()
        self.observers: dict[str, int] = {}
        self.notify_times: list[float] = []
        self.notify_listeners: list[Callable[[str], None]] = []
        self.enders: list[Callable[[], None]] = []

    def ac_payload(self) -> bytes:
        return ",".join(f"{k}={v}" for k, v in self.ac.items()).encode("ascii")

    def room_payload(self) -> bytes:
        # T in tenths of °C [SRC]; H in tenths of %RH and B in % are [SIM] choices ([UNK]).
        room = self.room
        return f"{room.temperature_tenths},{room.humidity_tenths},{room.battery_percent}".encode()

    def notify(self, path: str) -> None:
        for listener in list(self.notify_listeners):
            listener(path)

    def advance(self, minutes: int) -> None:
        """Let simulated time pass: timer countdown and temperature drift [SIM]."""
        before_ac, before_t = dict(self.ac), self.room.temperature_tenths
        for _ in range(minutes):
            on = self.ac["out"] in ("cool", "heat")
            if on:
                left = int(self.ac["t"]) - 1
                self.ac["t"] = str(max(left, 0))
                if left <= 0:
                    self.ac.update({"t": "0", "sp": "off", "out": "off"})
                    on = False
            temp = self.room.temperature_tenths
            if on:
                target = int(self.ac["sp"])
                if self.ac["out"] == "cool" and temp > target:
                    temp = max(target, temp - 2)
                elif self.ac["out"] == "heat" and temp < target:
                    temp = min(target, temp + 2)
            elif temp != self.room.ambient_tenths:
                temp += 1 if temp < self.room.ambient_tenths else -1
            self.room.temperature_tenths = temp
        if self.ac != before_ac:
            self.notify(PATH_EVENTS)
        if self.room.temperature_tenths != before_t:
            self.notify(PATH_TEM_HUM_BAT)


# -- aiocoap resources ------------------------------------------------------------------------


ERBIUM_SZX: Final = 2
"""Block size exponent of every answer: 64 bytes, Contiki's REST_MAX_CHUNK_SIZE [INF, §2]."""


def erbium_block(request: Message, body: bytes, **fields: Any) -> Message:
    """The Block2 block of `body` the request asks for (block 0 by default), Erbium-like: a
    body of up to 64 bytes goes out whole, a longer one in 64-byte blocks (§10.2)."""
    number, szx = 0, ERBIUM_SZX
    if request.opt.block2 is not None:
        number = request.opt.block2.block_number
        szx = min(szx, request.opt.block2.size_exponent)
    size = 1 << (szx + 4)
    if number == 0 and len(body) <= size:
        return Message(payload=body, **fields)
    chunk = body[number * size : (number + 1) * size]
    more = (number + 1) * size < len(body)
    return Message(payload=chunk, block2=(number, more, szx), **fields)


class _NodeResource(resource.Resource):  # type: ignore[misc]
    def __init__(self, node: NodeState, path: str) -> None:
        super().__init__()
        self.node = node
        self.path = path

    def get_link_description(self) -> None:
        return None  # never let aiocoap generate a listing: the verbatim one is served

    async def needs_blockwise_assembly(self, request: Message) -> bool:
        return False  # blocks are cut by `erbium_block`, 64 bytes like the device

    async def _delay(self) -> None:
        if self.node.faults.delay_s > 0:
            await asyncio.sleep(self.node.faults.delay_s)

    def _override(self) -> bytes | None:
        text = self.node.faults.overrides.get(self.path)
        return None if text is None else text.encode("latin-1")


class _ErbiumObservable(resource.ObservableResource):  # type: ignore[misc]
    """Observer bookkeeping like Erbium: a new registration from the same client endpoint
    replaces the old one (er-coap-observe.c `add_observer` [INF]); the old one stays silent."""

    def __init__(self, node: NodeState, path: str) -> None:
        super().__init__()
        self.node = node
        self.path = path
        self._by_remote: dict[Any, Any] = {}
        self._sent = 0
        node.notify_listeners.append(self._on_notify)
        node.enders.append(self.end_observations)
        node.observers[path] = 0

    def get_link_description(self) -> None:
        return None

    async def needs_blockwise_assembly(self, request: Message) -> bool:
        return False  # blocks are cut by `erbium_block`, 64 bytes like the device

    def _on_notify(self, path: str) -> None:
        if path == self.path:
            self.updated_state()

    async def add_observation(self, request: Message, serverobservation: Any) -> None:
        key = request.remote
        self._by_remote[key] = serverobservation  # an older one is simply never triggered

        def cancelled() -> None:
            if self._by_remote.get(key) is serverobservation:
                del self._by_remote[key]
            self.node.observers[self.path] = len(self._by_remote)

        serverobservation.accept(cancelled)
        self.node.observers[self.path] = len(self._by_remote)

    def end_observations(self) -> None:
        """Terminate every observation with 5.03 (a node that stops serving observers)."""
        for observation in list(self._by_remote.values()):
            observation.trigger(Message(code=Code.SERVICE_UNAVAILABLE), is_last=True)

    def updated_state(self, response: Message | None = None) -> None:
        for observation in list(self._by_remote.values()):
            observation.trigger(response)

    def _tuning(self) -> TransportTuning:
        self._sent += 1
        every = max(1, self.node.faults.notify_con_every)
        return _NotifyConTuning() if self._sent % every == 0 else _NonTuning()

    async def _delay(self) -> None:
        if self.node.faults.delay_s > 0:
            await asyncio.sleep(self.node.faults.delay_s)

    def _override(self) -> bytes | None:
        text = self.node.faults.overrides.get(self.path)
        return None if text is None else text.encode("latin-1")


class VerbatimCore(_NodeResource):
    """`/.well-known/core` byte for byte, sliced into Erbium-like 64-byte Block2 blocks (§10.2)."""

    async def render_get(self, request: Message) -> Message:
        await self._delay()
        body = self._override() or self.node.listing
        return erbium_block(request, body, content_format=40)


class TextResource(_NodeResource):
    """A read-only `/3/0/x` value [SIM]."""

    def __init__(self, node: NodeState, path: str, text: Callable[[], str]) -> None:
        super().__init__(node, path)
        self._text = text

    async def render_get(self, request: Message) -> Message:
        await self._delay()
        payload = self._override()
        return erbium_block(request, payload if payload is not None else self._text().encode())


class Events(_ErbiumObservable):
    """`/10242/0/0`: GET/observe state, PUT commands [SRC for PUT; GET payload INF]."""

    async def render_get(self, request: Message) -> Message:
        await self._delay()
        payload = self._override()
        return erbium_block(
            request,
            payload if payload is not None else self.node.ac_payload(),
            content_format=CF_LWM2M_TEXT,
            transport_tuning=self._tuning(),
        )

    async def render_put(self, request: Message) -> Message:
        await self._delay()
        node = self.node
        content_format = request.opt.content_format
        node.puts.append(
            {
                "payload": request.payload.decode("latin-1"),
                "content_format": None if content_format is None else int(content_format),
            }
        )
        if node.faults.put_code is not None:
            return Message(code=Code(_code_number(node.faults.put_code)))
        if content_format != CF_LWM2M_TEXT:
            return Message(code=Code.UNSUPPORTED_CONTENT_FORMAT)
        fields = _parse_command(request.payload)
        if fields is None:
            return Message(code=Code.BAD_REQUEST)
        node.ac.update(fields)
        node.ac["out"] = "off" if fields["sp"] == "off" else fields["cm"]
        self.updated_state()
        return Message(code=Code.CHANGED)


class TemHumBat(_ErbiumObservable):
    """`/10241/0/0`: `T,H,B` [T SRC; H/B encodings SIM]."""

    async def render_get(self, request: Message) -> Message:
        await self._delay()
        payload = self._override()
        return erbium_block(
            request,
            payload if payload is not None else self.node.room_payload(),
            content_format=CF_LWM2M_TEXT,
            transport_tuning=self._tuning(),
        )


def _code_number(text: str) -> int:
    major, _, minor = text.partition(".")
    return int(major) * 32 + int(minor)


def _parse_command(payload: bytes) -> dict[str, str] | None:
    """Strict reading of `cm=..,t=..,sp=..` [INF: what the firmware accepts is UNK]."""
    try:
        pairs = dict(part.split("=", 1) for part in payload.decode("ascii").split(","))
    except (UnicodeDecodeError, ValueError):
        return None
    if set(pairs) != {"cm", "t", "sp"} or pairs["cm"] not in ("cool", "heat"):
        return None
    if not pairs["t"].isdigit() or not (pairs["sp"] == "off" or pairs["sp"].isdigit()):
        return None
    return {"cm": pairs["cm"], "t": pairs["t"], "sp": pairs["sp"]}


def _constant(text: str) -> Callable[[], str]:
    return lambda: text


def build_site(node: NodeState) -> resource.Site:
    """The node's resources; only the ones the protocol notes call safe are implemented (§4)."""
    site = resource.Site()
    site.add_resource([".well-known", "core"], VerbatimCore(node, "/.well-known/core"))
    for path, text in node.texts.items():
        site.add_resource(path.strip("/").split("/"), TextResource(node, path, _constant(text)))
    if node.kind == "ac":
        site.add_resource(
            ["3", "0", "9"],
            TextResource(node, "/3/0/9", lambda: str(node.room.battery_percent)),
        )
        site.add_resource(["10242", "0", "0"], Events(node, PATH_EVENTS))
    site.add_resource(["10241", "0", "0"], TemHumBat(node, PATH_TEM_HUM_BAT))
    return site


# -- NAT front --------------------------------------------------------------------------------


def _is_notification(data: bytes) -> bool:
    try:
        message = Message.decode(data)
    except Exception:  # noqa: BLE001 - not ours to judge here
        return False
    return message.code.is_response() and bool(message.opt.observe)


def _describe(data: bytes) -> str:
    try:
        message = Message.decode(data)
    except Exception:  # noqa: BLE001 - anything undecodable is simply "garbage"
        return "garbage"
    if message.code == Code.EMPTY:
        return f"{message.mtype.name} EMPTY"
    path = "/" + "/".join(message.opt.uri_path)
    observe = " observe" if message.opt.observe == 0 else ""
    return f"{message.mtype.name} {message.code.name} {path}{observe}"


class _Public(asyncio.DatagramProtocol):
    def __init__(self, node: SimNode) -> None:
        self.node = node

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self.node.from_client(data, (str(addr[0]), int(addr[1])))


class SimNode:
    """One node: aiocoap server on a private port behind a NAT front on public port(s)."""

    def __init__(self, gateway: Gateway, state: NodeState) -> None:
        self.gateway = gateway
        self.state = state
        self.server: aiocoap.Context | None = None
        self.internal_port = 0
        self.port = 0
        self.reply_port: int | None = None
        self._public: asyncio.DatagramTransport | None = None
        self._reply: asyncio.DatagramTransport | None = None
        self._old_silent: list[asyncio.DatagramTransport] = []
        self._inner: dict[tuple[str, int], socket.socket] = {}

    async def start(self, port: int | None = None) -> None:
        await self._start_server()
        self._public, self.port = await self.gateway.open_public(_Public(self), port)

    async def _start_server(self) -> None:
        site = build_site(self.state)
        self.server = await aiocoap.Context.create_server_context(
            site, bind=(HOST, 0), transports=["udp6"]
        )
        # Private aiocoap API, fine with the pinned 0.4.17 (§10.1).
        transport = self.server.request_interfaces[0].token_interface.message_interface.transport
        self.internal_port = transport.get_extra_info("socket").getsockname()[1]

    def from_client(self, data: bytes, addr: tuple[str, int]) -> None:
        state = self.state
        state.counts[_describe(data)] += 1
        if state.faults.blackhole:
            state.counts["dropped"] += 1
            return
        if state.faults.drop_next > 0:
            state.faults.drop_next -= 1
            state.counts["dropped"] += 1
            return
        inner = self._inner.get(addr)
        if inner is None:
            inner = self._inner[addr] = self._open_inner(addr)
        try:
            inner.sendto(data, (HOST, self.internal_port))
        except OSError as err:
            _LOGGER.debug("inner send failed: %s", err)

    def _open_inner(self, client: tuple[str, int]) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((HOST, 0))
        sock.setblocking(False)
        asyncio.get_running_loop().add_reader(sock.fileno(), self._from_server, sock, client)
        return sock

    def _from_server(self, sock: socket.socket, client: tuple[str, int]) -> None:
        try:
            data = sock.recv(65535)
        except OSError:
            return
        if self.state.faults.blackhole:
            return
        if self.state.faults.drop_replies > 0:
            self.state.faults.drop_replies -= 1
            self.state.counts["dropped replies"] += 1
            return
        out = self._reply if self.state.faults.asymmetric and self._reply else self._public
        if out is not None:
            self.state.counts["sent"] += 1
            if _is_notification(data):
                # CLOCK_MONOTONIC is system-wide on Linux: benchmarks compare it across processes.
                self.state.notify_times.append(time.monotonic())
                del self.state.notify_times[:-1000]
            out.sendto(data, client)

    async def set_asymmetric(self, on: bool) -> None:
        self.state.faults.asymmetric = on
        if on and self._reply is None:
            self._reply, self.reply_port = await self.gateway.open_public(_Public(self), None)
        if not on and self._reply is not None:
            self._reply.close()
            self._reply, self.reply_port = None, None

    async def move(self, port: int | None, old_port: str) -> int:
        """The NAT mapping changes: a new public port; the old one is closed or silent."""
        old = self._public
        self._public, self.port = await self.gateway.open_public(_Public(self), port)
        if old is not None:
            if old_port == "silent":
                old.set_protocol(asyncio.DatagramProtocol())  # bound but never answers (ip64)
                self._old_silent.append(old)
            else:
                old.close()
        return self.port

    async def outage(self, duration_s: float) -> None:
        """A short power cut: nothing answers for `duration_s`, then the node is back with an
        empty observer table (it rebooted); state and port stay."""
        self.state.faults.blackhole = True
        await self.reboot()
        self.state.counts["outages"] += 1

        def power_back() -> None:
            self.state.faults.blackhole = False

        asyncio.get_running_loop().call_later(duration_s, power_back)

    async def reboot(self) -> None:
        """Restart the node's CoAP stack: every observer is lost; state and port stay."""
        self._close_inner()
        self.state.notify_listeners.clear()
        self.state.enders.clear()
        if self.server is not None:
            await self.server.shutdown()
        await self._start_server()

    def _close_inner(self) -> None:
        loop = asyncio.get_running_loop()
        for sock in self._inner.values():
            loop.remove_reader(sock.fileno())
            sock.close()
        self._inner.clear()

    async def stop(self) -> None:
        self._close_inner()
        for transport in (self._public, self._reply, *self._old_silent):
            if transport is not None:
                transport.close()
        self.state.notify_listeners.clear()
        if self.server is not None:
            await self.server.shutdown()

    def describe(self) -> JsonDict:
        return {
            "serial": self.state.serial,
            "kind": self.state.kind,
            "port": self.port,
            "reply_port": self.reply_port,
        }


class _Garbage(asyncio.DatagramProtocol):
    """A decoy UDP service that answers everything with non-CoAP bytes."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self.transport.sendto(b"\x00garbage\xff", addr)


# -- gateway ----------------------------------------------------------------------------------


@dataclass
class WorldConfig:
    ac_nodes: int = 1
    other_nodes: int = 1
    port_range: tuple[int, int] = (10000, 20000)
    serial_prefix: str = "SIM"
    decoys: bool = True


class Gateway:
    """All nodes of one simulated gateway, plus the JSON control server."""

    def __init__(self, config: WorldConfig, *, drift_interval_s: float = 0.0) -> None:
        self.config = config
        self.nodes: dict[str, SimNode] = {}
        self.decoys: dict[str, int] = {}
        self._decoy_transports: list[asyncio.DatagramTransport] = []
        self._random = random.Random()
        self._drift_interval_s = drift_interval_s
        self._drift_task: asyncio.Task[None] | None = None
        self.stopped = asyncio.Event()

    async def open_public(
        self, protocol: asyncio.DatagramProtocol, port: int | None
    ) -> tuple[asyncio.DatagramTransport, int]:
        """Bind a public port: `port`, or a free random one in the range (like ip64)."""
        loop = asyncio.get_running_loop()
        low, high = self.config.port_range
        for _ in range(200):
            candidate = port if port is not None else self._random.randrange(low, high)
            try:
                transport, _ = await loop.create_datagram_endpoint(
                    lambda: protocol, local_addr=(HOST, candidate), family=socket.AF_INET
                )
            except OSError:
                if port is not None:
                    raise
                continue
            return transport, candidate
        raise OSError("no free port in the range")

    async def build(self) -> None:
        prefix = self.config.serial_prefix
        kinds = ["other"] * self.config.other_nodes + ["ac"] * self.config.ac_nodes
        counters: Counter[str] = Counter()
        for index, kind in enumerate(kinds):
            counters[kind] += 1
            serial = f"{prefix}-{kind.upper()}-{counters[kind]:04d}"
            node = SimNode(self, NodeState(kind=kind, serial=serial, index=index))
            await node.start()
            self.nodes[serial] = node
        if self.config.decoys:
            garbage, self.decoys["garbage"] = await self.open_public(_Garbage(), None)
            silent, self.decoys["silent"] = await self.open_public(asyncio.DatagramProtocol(), None)
            self._decoy_transports += [garbage, silent]
        if self._drift_interval_s > 0:
            self._drift_task = asyncio.get_running_loop().create_task(self._drift())

    async def teardown(self) -> None:
        if self._drift_task is not None:
            self._drift_task.cancel()
            self._drift_task = None
        for node in self.nodes.values():
            await node.stop()
        for transport in self._decoy_transports:
            transport.close()
        self.nodes.clear()
        self.decoys.clear()
        self._decoy_transports.clear()

    async def _drift(self) -> None:
        while True:
            await asyncio.sleep(self._drift_interval_s)
            for node in self.nodes.values():
                node.state.advance(1)

    def info(self) -> JsonDict:
        return {
            "host": HOST,
            "port_range": list(self.config.port_range),
            "nodes": [node.describe() for node in self.nodes.values()],
            "decoys": dict(self.decoys),
        }

    def _node(self, serial: str | None) -> SimNode:
        if serial is None:
            return next(node for node in self.nodes.values() if node.state.kind == "ac")
        return self.nodes[serial]

    async def handle(self, command: JsonDict) -> JsonDict:
        """Execute one control command."""
        cmd = command.pop("cmd")
        serial = command.pop("serial", None)
        if cmd == "info":
            return self.info()
        if cmd == "reset":
            await self.teardown()
            await self.build()
            return self.info()
        if cmd == "stop":
            self.stopped.set()
            return {}
        node = self._node(serial)
        reply = await _NODE_COMMANDS[cmd](node, command)
        return {"node": node.describe()} if reply is None else reply

    async def serve_control(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            while line := await reader.readline():
                try:
                    reply = {"ok": True, **await self.handle(json.loads(line))}
                except Exception as err:  # noqa: BLE001 - reported to the caller
                    reply = {"ok": False, "error": repr(err)}
                writer.write(json.dumps(reply).encode() + b"\n")
                await writer.drain()
        finally:
            writer.close()


# -- control commands for one node ----------------------------------------------------------


async def _set_room(node: SimNode, args: JsonDict) -> None:
    room = node.state.room
    if args.get("temperature_c") is not None:
        room.temperature_tenths = round(float(args["temperature_c"]) * 10)
    if args.get("humidity_percent") is not None:
        room.humidity_tenths = round(float(args["humidity_percent"]) * 10)
    if args.get("battery_percent") is not None:
        room.battery_percent = int(args["battery_percent"])
    if args.get("ambient_c") is not None:
        room.ambient_tenths = round(float(args["ambient_c"]) * 10)
    node.state.notify(PATH_TEM_HUM_BAT)


async def _set_ac(node: SimNode, args: JsonDict) -> None:
    node.state.ac.update({k: str(v) for k, v in args["fields"].items()})
    node.state.notify(PATH_EVENTS)


async def _advance(node: SimNode, args: JsonDict) -> None:
    node.state.advance(int(args.get("minutes", 1)))


async def _faults(node: SimNode, args: JsonDict) -> None:
    for key, value in args.items():
        if key == "asymmetric":
            await node.set_asymmetric(bool(value))
        elif hasattr(node.state.faults, key):
            setattr(node.state.faults, key, value)
        else:
            raise KeyError(key)


async def _move(node: SimNode, args: JsonDict) -> None:
    await node.move(args.get("port"), args.get("old_port", "closed"))


async def _end_observations(node: SimNode, _args: JsonDict) -> None:
    for end in list(node.state.enders):
        end()


async def _reboot(node: SimNode, _args: JsonDict) -> None:
    await node.reboot()


async def _outage(node: SimNode, args: JsonDict) -> None:
    await node.outage(float(args["duration_s"]))


async def _clear_records(node: SimNode, _args: JsonDict) -> None:
    node.state.puts.clear()
    node.state.counts.clear()
    node.state.notify_times.clear()


async def _puts(node: SimNode, _args: JsonDict) -> JsonDict:
    return {"puts": list(node.state.puts)}


async def _counts(node: SimNode, _args: JsonDict) -> JsonDict:
    return {"counts": dict(node.state.counts)}


async def _notify_times(node: SimNode, _args: JsonDict) -> JsonDict:
    return {"notify_times": list(node.state.notify_times)}


async def _observers(node: SimNode, _args: JsonDict) -> JsonDict:
    return {"observers": dict(node.state.observers)}


_NODE_COMMANDS: Final[dict[str, Callable[[SimNode, JsonDict], Awaitable[JsonDict | None]]]] = {
    "set_room": _set_room,
    "set_ac": _set_ac,
    "advance": _advance,
    "faults": _faults,
    "move": _move,
    "end_observations": _end_observations,
    "reboot": _reboot,
    "outage": _outage,
    "clear_records": _clear_records,
    "puts": _puts,
    "counts": _counts,
    "notify_times": _notify_times,
    "observers": _observers,
}
"""Control commands addressed to one node: the reply, or None for the node's description."""


async def run(args: argparse.Namespace) -> None:
    low, high = (int(p) for p in args.port_range.split("-"))
    config = WorldConfig(
        ac_nodes=args.ac_nodes,
        other_nodes=args.other_nodes,
        port_range=(low, high + 1),
        serial_prefix=args.serial_prefix,
        decoys=not args.no_decoys,
    )
    gateway = Gateway(config, drift_interval_s=args.drift_interval)
    await gateway.build()
    control = await asyncio.start_server(gateway.serve_control, HOST, args.control_port)
    control_port = control.sockets[0].getsockname()[1]
    if args.json:
        print(json.dumps({"event": "ready", "control_port": control_port, **gateway.info()}))
    else:
        print(f"Momit gateway simulator on {HOST} (control port {control_port})")
        for node in gateway.nodes.values():
            print(f"  {node.state.kind:5} node  serial {node.state.serial}  port {node.port}")
        for name, port in gateway.decoys.items():
            print(f"  decoy {name:7}             port {port}")
        print("Ctrl-C to stop.")
    sys.stdout.flush()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, gateway.stopped.set)
    try:
        await gateway.stopped.wait()
    finally:
        control.close()
        await gateway.teardown()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ac-nodes", type=int, default=1)
    parser.add_argument("--other-nodes", type=int, default=1)
    parser.add_argument(
        "--port-range", default="10000-19999", help="public ports, e.g. 15000-15031"
    )
    parser.add_argument("--serial-prefix", default="SIM")
    parser.add_argument("--no-decoys", action="store_true")
    parser.add_argument("--control-port", type=int, default=0)
    parser.add_argument("--drift-interval", type=float, default=0.0, help="s per simulated minute")
    parser.add_argument("--json", action="store_true", help="print one JSON ready line")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(args))


# -- controller (used by tests, benchmarks, the demo) -----------------------------------------


_OS_RANDOM: Final = random.SystemRandom()


class GatewaySimulator:
    """Runs the simulator in a subprocess and drives it over its control port.

    `start()`/`stop()` are synchronous (fixtures); the control methods are async so they can be
    awaited from a test's or Home Assistant's event loop without blocking it.
    """

    host: Final = HOST

    def __init__(
        self,
        *,
        ac_nodes: int = 1,
        other_nodes: int = 1,
        port_range: tuple[int, int] | None = None,
        serial_prefix: str | None = None,
        decoys: bool = True,
        log_path: Path | None = None,
    ) -> None:
        if port_range is None:
            # A random narrow window keeps test scans small and parallel runs apart. Drawn from
            # the OS, not `random`: pytest-randomly reseeds `random` to the same value for every
            # test, so two simulators of one run would otherwise share a window.
            base = 20000 + 64 * _OS_RANDOM.randrange(625)
            port_range = (base, base + 31)
        self.port_range = port_range
        self.serial_prefix = serial_prefix or f"SIM{os.getpid() % 10000:04d}"
        self._args = [
            f"--ac-nodes={ac_nodes}",
            f"--other-nodes={other_nodes}",
            f"--port-range={port_range[0]}-{port_range[1]}",
            f"--serial-prefix={self.serial_prefix}",
            "--json",
        ]
        if not decoys:
            self._args.append("--no-decoys")
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        self.control_port = 0
        self.info: JsonDict = {}

    def start(self) -> None:
        self._process = spawn_simulator(
            "simulators.momit_gateway",
            self._args,
            log_path=self._log_path,
            stdin=subprocess.DEVNULL,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            self._process.wait(5)
            raise RuntimeError("the Momit gateway simulator did not start")
        ready = json.loads(line)
        self.control_port = ready.pop("control_port")
        ready.pop("event")
        self.info = ready

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()  # the simulator stops cleanly on SIGTERM; no socket needed
        reap(process, grace_s=5)

    def __enter__(self) -> GatewaySimulator:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- raw control --

    def call(self, cmd: str, **args: Any) -> JsonDict:
        """Synchronous control call (setup/teardown, scripts)."""
        with socket.create_connection((HOST, self.control_port), timeout=10) as sock:
            sock.sendall(json.dumps({"cmd": cmd, **args}).encode() + b"\n")
            buffer = b""
            while not buffer.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                buffer += chunk
        return self._result(cmd, buffer)

    async def acall(self, cmd: str, **args: Any) -> JsonDict:
        """Asynchronous control call."""
        reader, writer = await asyncio.open_connection(HOST, self.control_port)
        try:
            writer.write(json.dumps({"cmd": cmd, **args}).encode() + b"\n")
            await writer.drain()
            line = await reader.readline()
        finally:
            writer.close()
            await writer.wait_closed()
        return self._result(cmd, line)

    def _result(self, cmd: str, line: bytes) -> JsonDict:
        reply: JsonDict = json.loads(line)
        if not reply.pop("ok"):
            raise RuntimeError(f"simulator {cmd}: {reply['error']}")
        if "nodes" in reply:
            self.info = reply
        return reply

    # -- world --

    def _nodes(self, kind: str) -> list[JsonDict]:
        return [node for node in self.info["nodes"] if node["kind"] == kind]

    @property
    def ac_serials(self) -> list[str]:
        return [node["serial"] for node in self._nodes("ac")]

    @property
    def other_serials(self) -> list[str]:
        return [node["serial"] for node in self._nodes("other")]

    def node(self, serial: str | None = None) -> JsonDict:
        return next(
            node
            for node in self.info["nodes"]
            if (serial is None and node["kind"] == "ac") or node["serial"] == serial
        )

    def ac_port(self, serial: str | None = None) -> int:
        """Current public port of an AC node (the first one by default)."""
        port: int = self.node(serial)["port"]
        return port

    @property
    def decoys(self) -> dict[str, int]:
        return dict(self.info.get("decoys", {}))

    async def reset(self) -> None:
        """Fresh world: new ports, default state, no faults, no records, no observers."""
        await self.acall("reset")

    def reset_sync(self) -> None:
        self.call("reset")

    # -- stimuli --

    async def set_room(
        self,
        serial: str | None = None,
        *,
        temperature_c: float | None = None,
        humidity_percent: float | None = None,
        battery_percent: int | None = None,
        ambient_c: float | None = None,
    ) -> None:
        await self.acall(
            "set_room",
            serial=serial,
            temperature_c=temperature_c,
            humidity_percent=humidity_percent,
            battery_percent=battery_percent,
            ambient_c=ambient_c,
        )

    async def set_ac(self, serial: str | None = None, **fields: str) -> None:
        """Change the reported state as if another client (or the timer) had acted."""
        await self.acall("set_ac", serial=serial, fields=fields)

    async def advance(self, minutes: int = 1, serial: str | None = None) -> None:
        """Simulated time: timer countdown and temperature drift toward the setpoint."""
        await self.acall("advance", serial=serial, minutes=minutes)

    async def set_faults(self, serial: str | None = None, **faults: Any) -> None:
        """blackhole, drop_next, asymmetric, put_code, delay_s, overrides, notify_con_every."""
        await self.acall("faults", serial=serial, **faults)
        await self.acall("info")  # ports may have changed (asymmetric reply port)

    async def move_node(
        self, serial: str | None = None, *, port: int | None = None, old_port: str = "closed"
    ) -> int:
        """Give the node a new public port (random in range unless `port`); returns it."""
        reply = await self.acall("move", serial=serial, port=port, old_port=old_port)
        await self.acall("info")
        new_port: int = reply["node"]["port"]
        return new_port

    async def end_observations(self, serial: str | None = None) -> None:
        """The node ends every observation with a final 5.03 notification."""
        await self.acall("end_observations", serial=serial)

    async def reboot_node(self, serial: str | None = None) -> None:
        await self.acall("reboot", serial=serial)

    async def outage(self, serial: str | None = None, *, duration_s: float) -> None:
        """The node is unreachable for `duration_s` and comes back without its observers."""
        await self.acall("outage", serial=serial, duration_s=duration_s)

    # -- observations --

    async def puts_received(self, serial: str | None = None) -> list[JsonDict]:
        """Every PUT payload (text) and content format the node received, in order."""
        reply = await self.acall("puts", serial=serial)
        puts: list[JsonDict] = reply["puts"]
        return puts

    async def request_counts(self, serial: str | None = None) -> dict[str, int]:
        """Datagrams received by the node, by kind: e.g. "CON GET /10242/0/0": 3, "dropped": 1."""
        reply = await self.acall("counts", serial=serial)
        counts: dict[str, int] = reply["counts"]
        return counts

    async def observer_counts(self, serial: str | None = None) -> dict[str, int]:
        """Observers the node holds per observable path."""
        reply = await self.acall("observers", serial=serial)
        observers: dict[str, int] = reply["observers"]
        return observers

    async def notification_times(self, serial: str | None = None) -> list[float]:
        """`time.monotonic()` of every notification the node sent (last 1000)."""
        reply = await self.acall("notify_times", serial=serial)
        times: list[float] = reply["notify_times"]
        return times

    async def clear_records(self, serial: str | None = None) -> None:
        await self.acall("clear_records", serial=serial)


if __name__ == "__main__":
    main()
