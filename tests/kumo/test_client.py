"""The unit client over real loopback HTTP: wire form, reply classification, retries, lock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp
import pytest

from custom_components.kumo_momit.kumo import (
    KumoAdapterBusyError,
    KumoAuthenticationError,
    KumoClientOptions,
    KumoCommandRejectedError,
    KumoConnectionError,
    KumoCredentials,
    KumoProtocolError,
    KumoUnitClient,
    kumo_token,
)
from simulators.kumo_unit import KumoUnitSimulator

from .conftest import LIVING_ROOM, FakeClock, black_hole, credentials_of

STATUS = {"indoorUnit": {"status": {}}}
STATUS_BODY = b'{"c":{"indoorUnit":{"status":{}}}}'
REBOOT_BODY = b'{"c":{"adapter":{"status":{"runState":"reboot"}}}}'

MakeClient = Callable[..., KumoUnitClient]


async def test_signed_put_with_exact_body(sim: KumoUnitSimulator, make_client: MakeClient) -> None:
    """PUT /api?m=<token over the exact bytes>, the reply's `r` returned."""
    client = make_client()
    reply = await client.request(STATUS)
    assert reply["indoorUnit"]["status"]["mode"] == "off"
    unit = sim.unit(LIVING_ROOM)
    [request] = unit.requests
    assert request.body == STATUS_BODY
    assert request.authorized
    assert request.kinds == ("status",)
    assert client.address == sim.address(LIVING_ROOM)
    assert client.http_attempts == 1


async def test_wrong_secrets_raise_after_bounded_retries(
    sim: KumoUnitSimulator, make_client: MakeClient
) -> None:
    """device_authentication_error is retried once (it can be transient, §9), then raised."""
    other = credentials_of(sim, "0Y34P008Q100277B")
    client = make_client(credentials=other)
    with pytest.raises(KumoAuthenticationError):
        await client.request(STATUS)
    unit = sim.unit(LIVING_ROOM)
    assert unit.request_count == 2
    assert not any(r.authorized for r in unit.requests)


async def test_transient_auth_error_recovers(
    sim: KumoUnitSimulator, make_client: MakeClient
) -> None:
    """One spurious auth error costs one extra request, no error."""
    sim.unit(LIVING_ROOM).faults.auth_error = 1
    reply = await make_client().request(STATUS)
    assert "indoorUnit" in reply
    assert sim.unit(LIVING_ROOM).request_count == 2


async def test_auth_attempts_configurable(sim: KumoUnitSimulator, make_client: MakeClient) -> None:
    """With auth_attempts=3, two transient errors are absorbed."""
    sim.unit(LIVING_ROOM).faults.auth_error = 2
    await make_client(auth_attempts=3).request(STATUS)
    assert sim.unit(LIVING_ROOM).request_count == 3


@pytest.mark.parametrize("fault", ["no_memory", "serializer_error"])
async def test_busy_requests_a_reboot(
    sim: KumoUnitSimulator, make_client: MakeClient, fault: str
) -> None:
    """serializer_error / __no_memory -> KumoAdapterBusyError plus an adapter reboot (§9)."""
    unit = sim.unit(LIVING_ROOM)
    setattr(unit.faults, fault, 1)
    client = make_client()
    with pytest.raises(KumoAdapterBusyError) as info:
        await client.request(STATUS)
    assert info.value.reboot_requested
    assert unit.bodies() == [STATUS_BODY, REBOOT_BODY]
    assert unit.reboots == 1
    assert client.last_reboot is not None


async def test_reboot_at_most_once_per_30_minutes(
    sim: KumoUnitSimulator, make_client: MakeClient, clock: FakeClock
) -> None:
    """The automatic reboot is rate-limited; the fake clock proves it without sleeping."""
    unit = sim.unit(LIVING_ROOM)
    unit.faults.reboot_clears_memory_faults = False
    # Memory model: the status reply is too big, the small reboot echo still fits.
    unit.faults.max_reply_bytes = 100
    client = make_client()
    outcomes = []
    for _ in range(4):
        with pytest.raises(KumoAdapterBusyError) as info:
            await client.request(STATUS)
        outcomes.append(info.value.reboot_requested)
        clock.advance(10 * 60 - 1)
    # t = 0 reboot; t ≈ 10, 20 min suppressed; t ≈ 30 min - 3 s still suppressed.
    assert outcomes == [True, False, False, False]
    clock.advance(10)
    with pytest.raises(KumoAdapterBusyError) as info:
        await client.request(STATUS)
    assert info.value.reboot_requested
    assert unit.reboots == 2
    assert unit.counts["reboot"] == 2
    assert unit.counts["status"] == 5


async def test_busy_without_reboot_when_asked(
    sim: KumoUnitSimulator, make_client: MakeClient
) -> None:
    """Pollers that try smaller reads first pass reboot_on_busy=False."""
    sim.unit(LIVING_ROOM).faults.serializer_error = 1
    with pytest.raises(KumoAdapterBusyError) as info:
        await make_client().request(STATUS, reboot_on_busy=False)
    assert not info.value.reboot_requested
    assert sim.unit(LIVING_ROOM).reboots == 0


async def test_failed_reboot_still_counts_for_the_rate_limit(
    sim: KumoUnitSimulator, make_client: MakeClient
) -> None:
    """An adapter that cannot even take the reboot is not asked again on every request."""
    unit = sim.unit(LIVING_ROOM)
    unit.faults.reboot_clears_memory_faults = False
    unit.faults.serializer_error = 2  # the status read and the reboot itself fail
    client = make_client()
    with pytest.raises(KumoAdapterBusyError) as info:
        await client.request(STATUS)
    assert info.value.reboot_requested
    assert unit.reboots == 0
    assert await client.reboot_if_due() is False


async def test_malformed_json_is_a_protocol_error(
    sim: KumoUnitSimulator, make_client: MakeClient
) -> None:
    """Truncated JSON -> KumoProtocolError, not retried."""
    sim.unit(LIVING_ROOM).faults.malformed_json = 1
    with pytest.raises(KumoProtocolError, match="malformed JSON"):
        await make_client().request(STATUS)
    assert sim.unit(LIVING_ROOM).request_count == 1


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (b"{}", "without 'r'"),
        (b'{"r": "__ungettable"}', "without 'r'"),
        (b"[1, 2]", "non-object"),
        (b'{"_api_error": "something_new"}', "something_new"),
        (b"<html>not an adapter</html>", "malformed"),
    ],
)
async def test_unexpected_replies(
    sim: KumoUnitSimulator, make_client: MakeClient, reply: bytes, message: str
) -> None:
    """Anything that is not `{"r": {...}}` is a protocol error."""
    sim.unit(LIVING_ROOM).faults.scripted_replies.append(reply)
    with pytest.raises(KumoProtocolError, match=message) as info:
        await make_client().request(STATUS)
    assert not isinstance(info.value, KumoCommandRejectedError)


async def test_set_rejection(sim: KumoUnitSimulator, make_client: MakeClient) -> None:
    """`__set_out_of_bounds` -> KumoCommandRejectedError (a KumoProtocolError), no retry."""
    unit = sim.unit(LIVING_ROOM)
    unit.faults.set_out_of_bounds = 1
    with pytest.raises(KumoCommandRejectedError, match="__set_out_of_bounds") as info:
        await make_client().request({"indoorUnit": {"status": {"spCool": 40}}})
    assert isinstance(info.value, KumoProtocolError)
    assert unit.request_count == 1
    assert unit.status["spCool"] == 24.0


async def test_unknown_key_rejected(sim: KumoUnitSimulator, make_client: MakeClient) -> None:
    """A write to a key the adapter does not have is refused (`__set_no_such_option`)."""
    with pytest.raises(KumoCommandRejectedError, match="__set_no_such_option"):
        await make_client().request({"indoorUnit": {"status": {"turbo": True}}})


async def test_no_answer_costs_one_read_timeout(
    sim: KumoUnitSimulator, make_client: MakeClient
) -> None:
    """Connected but silent: KumoConnectionError after one attempt (a retry would wait again)."""
    unit = sim.unit(LIVING_ROOM)
    unit.faults.no_answer = True
    client = make_client(read_timeout=0.2)
    with pytest.raises(KumoConnectionError, match="did not answer"):
        await client.request(STATUS)
    assert unit.request_count == 1
    assert client.http_attempts == 1


async def test_refused_connection_costs_two_attempts(
    sim: KumoUnitSimulator, make_client: MakeClient
) -> None:
    """Nothing listening: two attempts (a fresh connection may work, §9.1), then the error."""
    unit = sim.unit(LIVING_ROOM)
    client = make_client()
    await unit.go_offline()
    with pytest.raises(KumoConnectionError, match="2 attempts"):
        await client.request(STATUS)
    assert client.http_attempts == 2
    assert unit.request_count == 0
    await unit.go_online()
    await client.request(STATUS)
    assert unit.request_count == 1


async def test_connect_timeout_is_a_connection_error(session: aiohttp.ClientSession) -> None:
    """A SYN nobody answers: a listening socket whose accept queue is full drops it."""
    credentials = KumoCredentials("AQID", "001122334455667788")
    with black_hole() as address:
        client = KumoUnitClient(
            session,
            address,
            credentials,
            options=KumoClientOptions(connect_timeout=0.1, attempts=2),
        )
        with pytest.raises(KumoConnectionError, match="2 attempts"):
            await client.request(STATUS)
    assert client.http_attempts == 2


def test_attempts_must_be_positive(session: aiohttp.ClientSession) -> None:
    """Zero attempts would never send anything."""
    credentials = KumoCredentials("AQID", "001122334455667788")
    with pytest.raises(ValueError, match="at least 1"):
        KumoUnitClient(session, "127.0.0.1", credentials, options=KumoClientOptions(attempts=0))


@pytest.mark.parametrize("address", ["", "http://127.0.0.1", "127.0.0.1/api", "user@host", "a b"])
def test_address_must_be_host_or_host_port(session: aiohttp.ClientSession, address: str) -> None:
    """The address is used verbatim in the URL (§2.1), so nothing but host[:port]."""
    credentials = KumoCredentials("AQID", "001122334455667788")
    with pytest.raises(ValueError, match="host:port"):
        KumoUnitClient(session, address, credentials)


async def test_requests_never_overlap_on_the_wire(
    sim: KumoUnitSimulator, make_client: MakeClient
) -> None:
    """Concurrent callers of one client are serialised by its lock."""
    unit = sim.unit(LIVING_ROOM)
    unit.response_delay = 0.02
    client = make_client()
    await asyncio.gather(
        *(client.request({"indoorUnit": {"status": {"spCool": 20 + i}}}) for i in range(5)),
        client.request(STATUS),
    )
    assert unit.request_count == 6
    assert unit.max_in_flight == 1
    assert unit.overlaps == 0


async def test_overlap_detector_works(sim: KumoUnitSimulator, make_client: MakeClient) -> None:
    """Control: two clients (two locks) do overlap, so the detector above can see it."""
    unit = sim.unit(LIVING_ROOM)
    unit.response_delay = 0.05
    await asyncio.gather(make_client().request(STATUS), make_client().request(STATUS))
    assert unit.overlaps == 1
    assert unit.max_in_flight == 2


async def test_explicit_reboot(
    sim: KumoUnitSimulator, make_client: MakeClient, clock: FakeClock
) -> None:
    """`reboot()` sends the §6.3 body and records the time for the rate limit."""
    client = make_client()
    await client.reboot()
    assert sim.unit(LIVING_ROOM).bodies() == [REBOOT_BODY]
    assert client.last_reboot == clock.now
    assert await client.reboot_if_due() is False


async def test_sent_token_matches_the_vector_algorithm(
    sim: KumoUnitSimulator, make_client: MakeClient
) -> None:
    """The simulator checks tokens independently; recompute ours for the recorded body too."""
    await make_client().request(STATUS)
    d = sim.unit(LIVING_ROOM).definition
    [request] = sim.unit(LIVING_ROOM).requests
    assert len(kumo_token(d.password_b64, d.crypto_serial_hex, request.body)) == 64
    assert request.authorized
