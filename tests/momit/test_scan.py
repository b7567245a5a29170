"""The raw port scan socket: filtering, acknowledging, argument checks."""

from __future__ import annotations

import aiocoap
import pytest

from custom_components.kumo_momit.momit import MomitValidationError
from custom_components.kumo_momit.momit._scan import _ProbeSocket, probe_ports


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
