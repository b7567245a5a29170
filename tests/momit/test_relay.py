"""The source-port-normalising relay (§9.7) on loopback."""

from __future__ import annotations

from hypothesis import given
import pytest

from custom_components.kumo_momit.momit._relay import SourcePortRelay, decode_datagram

from .conftest import MOMIT_PROPERTIES
from .strategies import coap_datagrams

# An empty ACK: the smallest valid CoAP datagram.
COAP = b"\x60\x00\x00\x01"


async def test_relay_filters_foreign_datagrams() -> None:
    relay = SourcePortRelay("127.0.0.1", 9)
    with pytest.raises(RuntimeError):
        _ = relay.local_port
    await relay.start()
    try:
        assert relay.running
        assert relay.target_port == 9
        relay.from_gateway(COAP, ("127.0.0.1", 9))  # no client yet: dropped
        relay.from_client(COAP, ("10.0.0.1", 1234))  # not loopback: ignored
        relay.from_client(COAP, ("127.0.0.1", 1))  # client known now
        relay.from_gateway(COAP, ("10.0.0.2", 9))  # not the gateway: dropped
        relay.from_gateway(b"x", ("127.0.0.1", 4001))  # not CoAP: dropped
        relay.from_gateway(COAP, ("::ffff:127.0.0.1", 4000, 0, 0))  # v4-mapped gateway
        assert relay.reply_ports == {4000}
        relay.retarget(10)
        assert relay.reply_ports == set()
    finally:
        relay.close()
        relay.close()
    assert not relay.running


class _Recorder:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def sendto(self, data: bytes, _addr: tuple[str | int, ...]) -> None:
        self.sent.append(data)


@MOMIT_PROPERTIES
@given(coap_datagrams)
def test_relay_passes_only_datagrams_aiocoap_can_decode(datagram: bytes) -> None:
    relay = SourcePortRelay("127.0.0.1", 9)
    up, down = _Recorder(), _Recorder()
    relay._up, relay._down = up, down  # type: ignore[assignment]
    relay.from_client(COAP, ("127.0.0.1", 1))
    relay.from_gateway(datagram, ("127.0.0.1", 9))
    decoded = decode_datagram(datagram)
    assert down.sent == ([] if decoded is None else [datagram])
