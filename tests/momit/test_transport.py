"""The link to one node: timings, URIs, the closed state (no network)."""

from __future__ import annotations

import pytest

from custom_components.kumo_momit.momit import MomitConnectionError, MomitTiming
from custom_components.kumo_momit.momit._transport import NodeLink
from custom_components.kumo_momit.momit.errors import MomitValidationError


@pytest.mark.parametrize(
    "make",
    [
        lambda: MomitTiming(ack_timeout_s=0, max_retransmit=1),
        lambda: MomitTiming(ack_timeout_s=1, max_retransmit=-1),
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


def test_ipv6_uri_without_relay() -> None:
    link = NodeLink("::1", 5683, use_relay=False)
    assert link.uri("/10242/0/0") == "coap://[::1]:5683/10242/0/0"
    assert not link.is_open
    with pytest.raises(MomitConnectionError):
        link.context()
