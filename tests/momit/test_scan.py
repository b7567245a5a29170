"""The raw port scan socket: filtering, acknowledging, argument checks."""

from __future__ import annotations

import asyncio

import aiocoap
from hypothesis import given
import pytest

from custom_components.kumo_momit.momit import MomitValidationError
from custom_components.kumo_momit.momit._scan import ProbeReply, _ProbeSocket, probe_ports

from .conftest import MOMIT_PROPERTIES
from .strategies import coap_datagrams


async def test_probe_rejects_bad_host() -> None:
    with pytest.raises(MomitValidationError):
        await probe_ports("gateway.local", [1])


class _FakeTransport:
    def __init__(self) -> None:
        self.sent: list[tuple[bytes, tuple[str | int, ...]]] = []

    def sendto(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self.sent.append((data, addr))


def test_probe_socket_filters_and_acknowledges() -> None:
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


def test_datagram_aiocoap_cannot_decode_is_ignored() -> None:
    # A Location-Path option that is not UTF-8: aiocoap 0.4.17 raises UnicodeDecodeError.
    datagram = b"\x60\x45\x00\x07\x82\xff\xfe"
    probe = _ProbeSocket("127.0.0.1")
    transport = _FakeTransport()
    probe.connection_made(transport)  # type: ignore[arg-type]
    probe.datagram_received(datagram, ("127.0.0.1", 5683))
    assert transport.sent == []


@MOMIT_PROPERTIES
@given(coap_datagrams)
def test_scan_replies_never_raise(datagram: bytes) -> None:
    loop = asyncio.new_event_loop()
    try:
        probe = _ProbeSocket("127.0.0.1")
        transport = _FakeTransport()
        probe.connection_made(transport)  # type: ignore[arg-type]
        # A probe waiting for every token the datagram could carry (TKL 0..8).
        futures = {}
        for length in range(9):
            token = datagram[4 : 4 + length]
            futures[token] = loop.create_future()
            probe._pending[token] = (15395, futures[token])
        probe.datagram_received(datagram, ("127.0.0.1", 15000))
        for future in futures.values():
            if future.done():
                reply = future.result()
                assert isinstance(reply, ProbeReply)
                assert (reply.port, reply.reply_port) == (15395, 15000)
        assert len(transport.sent) <= 1  # at most the ACK of a CON response
    finally:
        loop.close()
