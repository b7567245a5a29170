"""The source-port-normalising relay (§9.7) on loopback."""

from __future__ import annotations

import pytest

from custom_components.kumo_momit.momit._relay import SourcePortRelay


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
