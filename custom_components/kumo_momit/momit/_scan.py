"""The raw port scan: NON probes from one UDP socket, replies matched by token (§3, §9.5).

Replies are accepted from **any** source port of the gateway (replies may come from a new NAT
port [INF], which aiocoap would drop [LAB]; §1.2 point 2). Messages are still encoded and decoded
by aiocoap.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterable
from contextlib import aclosing
from dataclasses import dataclass
import ipaddress
import itertools
import logging
import secrets
import socket
from typing import cast

import aiocoap

from ._relay import decode_datagram
from ._transport import check_host
from .errors import MomitConnectionError
from .models import PATH_WELL_KNOWN_CORE

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class ProbeReply:
    """A CoAP answer to a scan probe."""

    port: int
    """The probed port."""
    reply_port: int
    """The port the answer came from (differs from `port` behind a NAT that remaps replies)."""
    code: str


class _ProbeSocket(asyncio.DatagramProtocol):
    """Raw UDP endpoint: NON probes out, replies matched by token from any gateway port."""

    def __init__(self, gateway_ip: str) -> None:
        self._gateway_ip = gateway_ip
        self._pending: dict[bytes, tuple[int, asyncio.Future[ProbeReply]]] = {}
        self._mids = itertools.count(secrets.randbelow(0x10000))
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        source = ipaddress.ip_address(str(addr[0]))
        if isinstance(source, ipaddress.IPv6Address) and source.ipv4_mapped is not None:
            source = source.ipv4_mapped
        if str(source) != self._gateway_ip:
            return
        reply = decode_datagram(data)
        if reply is None:
            return  # not CoAP: some other service on that port
        if reply.mtype == aiocoap.CON and self.transport is not None:
            # A separate (CON) response must be acknowledged or the node retransmits it.
            ack = aiocoap.Message(code=aiocoap.EMPTY)
            ack.mtype, ack.mid = aiocoap.ACK, reply.mid
            self.transport.sendto(ack.encode(), addr[:2])
        if not reply.code.is_response():
            return
        entry = self._pending.get(bytes(reply.token))
        if entry is None:
            return
        port, future = entry
        if not future.done():
            future.set_result(ProbeReply(port=port, reply_port=int(addr[1]), code=str(reply.code)))

    def error_received(self, exc: Exception) -> None:
        _LOGGER.debug("scan socket error: %s", exc)

    async def probe(self, port: int, timeout_s: float) -> ProbeReply | None:
        assert self.transport is not None
        message = aiocoap.Message(
            code=aiocoap.GET, uri=f"coap://{self._gateway_ip}:{port}{PATH_WELL_KNOWN_CORE}"
        )
        token = secrets.token_bytes(4)
        while token in self._pending:
            token = secrets.token_bytes(4)
        # Set after construction: no deprecation warning for mtype (§9.5).
        message.mtype, message.mid, message.token = aiocoap.NON, next(self._mids) % 0x10000, token
        future: asyncio.Future[ProbeReply] = asyncio.get_running_loop().create_future()
        self._pending[token] = (port, future)
        try:
            self.transport.sendto(message.encode(), (self._gateway_ip, port))
            return await asyncio.wait_for(future, timeout_s)
        except TimeoutError:
            return None
        finally:
            del self._pending[token]


async def scan_ports(
    host: str,
    ports: Iterable[int],
    *,
    concurrency: int = 128,
    timeout_s: float = 1.5,
    attempts: int = 1,
) -> AsyncGenerator[ProbeReply]:
    """Send a NON `GET /.well-known/core` to each port; yield each answer as it comes.

    At most `concurrency` probes are in flight, and each port costs at most `attempts`
    datagrams: the traffic is bounded by the ports given. Leaving the iteration early (use
    `contextlib.aclosing`) stops probing at once.
    """
    gateway_ip = check_host(host)
    family = socket.AF_INET6 if ipaddress.ip_address(gateway_ip).version == 6 else socket.AF_INET
    loop = asyncio.get_running_loop()
    try:
        transport, protocol = await loop.create_datagram_endpoint(
            lambda: _ProbeSocket(gateway_ip),
            local_addr=("::" if family == socket.AF_INET6 else "0.0.0.0", 0),  # noqa: S104
            family=family,
        )
    except OSError as err:
        raise MomitConnectionError(f"cannot open a scan socket: {err}") from err
    answers: asyncio.Queue[ProbeReply | None] = asyncio.Queue()
    remaining = iter(ports)  # shared by the workers: each port is probed once

    async def worker() -> None:
        for port in remaining:
            for _ in range(attempts):
                reply = await protocol.probe(port, timeout_s)
                if reply is not None:
                    answers.put_nowait(reply)
                    break

    def all_probed(outcome: asyncio.Future[list[None]]) -> None:
        if not outcome.cancelled():
            outcome.exception()  # retrieved here; re-raised below when the scan ran to its end
        answers.put_nowait(None)

    workers = [loop.create_task(worker()) for _ in range(concurrency)]
    finished = asyncio.gather(*workers)
    finished.add_done_callback(all_probed)
    try:
        while (reply := await answers.get()) is not None:
            yield reply
        await finished  # a worker's error, if any
    finally:
        for task in workers:
            task.cancel()
        try:
            await asyncio.wait(workers)
        finally:  # also when the closing consumer is cancelled once more
            transport.close()


async def probe_ports(
    host: str,
    ports: Iterable[int],
    *,
    concurrency: int = 128,
    timeout_s: float = 1.5,
    attempts: int = 1,
) -> list[ProbeReply]:
    """Probe every port (see `scan_ports`); return the answers in port order."""
    scan = scan_ports(host, ports, concurrency=concurrency, timeout_s=timeout_s, attempts=attempts)
    async with aclosing(scan):
        replies = [reply async for reply in scan]
    return sorted(replies, key=lambda reply: reply.port)
