"""Source-port-normalising UDP relay between aiocoap and one gateway node (§9.7).

Why: the gateway is probably Contiki ip64 (NAT64) [INF, strong, §1.2]. A node's reply to a LAN
client matches none of its NAT mappings, so the gateway opens a new one and the reply leaves from
a *new* port P' instead of the port P we asked. aiocoap (and libcoap) match responses on the
remote port and drop such replies [LAB, §9.6]. aiocoap therefore talks to this relay on loopback;
the relay forwards to `gateway:P` from one stable upstream socket and hands back **every**
datagram from the gateway's IP, whatever its source port [LAB, §9.7].

One relay serves one node. Its upstream socket only ever talks to that node, so anything that
comes back from the gateway's IP belongs to it and no token matching is needed. Whether the relay
is needed on real hardware is [UNK]; it costs two sockets and works either way.

Trade-off: the upstream socket is unconnected (a connected UDP socket would filter P'), so an
ICMP "port unreachable" is not reported; a closed port looks like a silent one and requests end
by their (bounded) transport timeout.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from typing import Final, cast

import aiocoap
from aiocoap import error as coap_error

_LOGGER = logging.getLogger(__name__)

LOOPBACK: Final = "127.0.0.1"


def decode_datagram(data: bytes) -> aiocoap.Message | None:
    """Decode a CoAP datagram from the network; None for anything that is not valid CoAP.

    aiocoap 0.4.17 raises UnicodeDecodeError (not its own error) for a string option that is
    not UTF-8, and its UDP transport lets that escape into the event loop [LAB]: datagrams are
    therefore checked here before aiocoap's socket ever sees them.
    """
    try:
        return aiocoap.Message.decode(data)
    except (coap_error.Error, ValueError):
        return None


class _Endpoint(asyncio.DatagramProtocol):
    """Hands every datagram to a callback; the relay owns all the logic."""

    def __init__(self, relay: SourcePortRelay, upstream: bool) -> None:
        self._relay = relay
        self._upstream = upstream

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        if self._upstream:
            self._relay.from_gateway(data, addr)
        else:
            self._relay.from_client(data, addr)

    def error_received(self, exc: Exception) -> None:
        # Unconnected UDP sockets rarely see errors; nothing to do but note it.
        _LOGGER.debug("relay socket error: %s", exc)


class SourcePortRelay:
    """Relay aiocoap's datagrams to `host:port`; pass back replies from any port of `host`."""

    def __init__(self, host: str, port: int, *, upstream_port: int = 0) -> None:
        """`host` must be an IP literal; `upstream_port` 0 picks a free port.

        A fixed upstream port lets the gateway's NAT entry survive restarts (§1.2 point 4).
        """
        address = ipaddress.ip_address(host)
        self._family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
        self._gateway_ip = str(address)
        self._port = port
        self._upstream_port = upstream_port
        self._up: asyncio.DatagramTransport | None = None
        self._down: asyncio.DatagramTransport | None = None
        self._client: tuple[str | int, ...] | None = None
        self.reply_ports: set[int] = set()
        """Source ports other than the target port the gateway replied from (diagnostics)."""

    @property
    def target_port(self) -> int:
        """The gateway port datagrams are sent to."""
        return self._port

    @property
    def local_port(self) -> int:
        """The loopback port aiocoap must address (`coap://127.0.0.1:<local_port>/...`)."""
        if self._down is None:
            raise RuntimeError("relay not started")
        return cast(int, self._down.get_extra_info("sockname")[1])

    @property
    def running(self) -> bool:
        """Whether both sockets are open."""
        return self._down is not None

    async def start(self) -> None:
        """Open both sockets."""
        loop = asyncio.get_running_loop()
        any_address = "::" if self._family == socket.AF_INET6 else "0.0.0.0"  # noqa: S104
        up, _ = await loop.create_datagram_endpoint(
            lambda: _Endpoint(self, upstream=True),
            local_addr=(any_address, self._upstream_port),
            family=self._family,
        )
        try:
            down, _ = await loop.create_datagram_endpoint(
                lambda: _Endpoint(self, upstream=False),
                local_addr=(LOOPBACK, 0),
                family=socket.AF_INET,
            )
        except OSError:
            up.close()
            raise
        self._up, self._down = up, down

    def retarget(self, port: int) -> None:
        """Send to another gateway port from now on (the node's NAT mapping moved)."""
        self._port = port
        self.reply_ports.clear()

    def from_client(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        """A datagram from aiocoap: forward it to the node."""
        if addr[0] != LOOPBACK or self._up is None:
            return  # only the local client may use the relay
        self._client = addr
        self._up.sendto(data, (self._gateway_ip, self._port))

    def from_gateway(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        """A datagram from the network: pass it back if it comes from the gateway's IP."""
        if self._down is None or self._client is None:
            return
        source = ipaddress.ip_address(str(addr[0]))
        if isinstance(source, ipaddress.IPv6Address) and source.ipv4_mapped is not None:
            source = source.ipv4_mapped
        if str(source) != self._gateway_ip:
            return
        port = int(addr[1])
        if decode_datagram(data) is None:
            _LOGGER.debug("relay drops a datagram from %s that is not CoAP", self._gateway_ip)
            return
        if port != self._port and port not in self.reply_ports:
            self.reply_ports.add(port)
            _LOGGER.debug(
                "gateway %s answers port %s from port %s (NAT, §1.2)",
                self._gateway_ip,
                self._port,
                port,
            )
        self._down.sendto(data, self._client)

    def close(self) -> None:
        """Close both sockets; safe to call twice."""
        for transport in (self._up, self._down):
            if transport is not None:
                transport.close()
        self._up = self._down = None
