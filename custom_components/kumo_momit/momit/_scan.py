"""The raw port scan: NON probes from one UDP socket, replies matched by token (§3, §9.5).

Replies are accepted from **any** source port of the gateway (replies may come from a new NAT
port [INF], which aiocoap would drop [LAB]; §1.2 point 2). Messages are still encoded and decoded
by aiocoap.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
import ipaddress
import itertools
import logging
import secrets
import socket
from typing import cast

import aiocoap
from aiocoap import error as coap_error

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
        try:
            reply = aiocoap.Message.decode(data)
        except coap_error.Error:
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


async def probe_ports(
    host: str,
    ports: Iterable[int],
    *,
    concurrency: int = 128,
    timeout_s: float = 1.5,
    attempts: int = 1,
) -> list[ProbeReply]:
    """Send a NON `GET /.well-known/core` to each port; return the ports that answered."""
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
    window = asyncio.Semaphore(concurrency)

    async def one(port: int) -> ProbeReply | None:
        async with window:
            for _ in range(attempts):
                reply = await protocol.probe(port, timeout_s)
                if reply is not None:
                    return reply
            return None

    try:
        results = await asyncio.gather(*(one(port) for port in ports))
    finally:
        transport.close()
    return [reply for reply in results if reply is not None]
