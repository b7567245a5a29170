"""Local and cloud requests against hostile servers on loopback (issue 11).

Each request ends within its deadline, an oversized reply is refused without being held, the
unit's lock is free for the next caller, and no error carries the signed URL, a bearer token,
the password or a reply body, not even in its cause chain.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import logging
import time
import tracemalloc

import aiohttp
import pytest

from custom_components.kumo_momit.kumo import (
    KumoClientOptions,
    KumoCloudConnectionError,
    KumoCloudEndpoints,
    KumoCloudError,
    KumoCloudOptions,
    KumoCloudV3Api,
    KumoCloudV3Client,
    KumoConnectionError,
    KumoCredentials,
    KumoError,
    KumoProtocolError,
    KumoUnitClient,
    ProbeResult,
    async_discover_units,
    probe,
)
from custom_components.kumo_momit.kumo._cloud_http import host_of
from custom_components.kumo_momit.kumo.token import encode_body

from .conftest import black_hole
from .hostile import DEEP_NESTING, chain_text

CREDENTIALS = KumoCredentials("c2VjcmV0LXBhc3N3b3Jk", "0011223344556677889a")
STATUS = {"indoorUnit": {"status": {}}}
TOKEN = CREDENTIALS.token(encode_body(STATUS))
GOOD_REPLY = b'{"r":{"indoorUnit":{"status":{"mode":"heat"}}}}'
DEADLINE = 0.6
SLACK = 0.5  # scheduling on a busy machine
CLOUD_PASSWORD = "cloud-Pa55word"

type Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def http_reply(body: bytes, *, status: str = "200 OK", extra: str = "") -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n{extra}"
    return head.encode() + b"\r\n" + body


async def read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    await reader.readexactly(length)
    return head


class Server:
    """A raw TCP server on 127.0.0.1 running `handler` for each connection."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0
        self._server: asyncio.Server | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            await self.handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client gave up, as it should
        finally:
            writer.close()

    async def __aenter__(self) -> Server:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    @property
    def address(self) -> str:
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"{host}:{port}"


async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Headers at once, then the body one byte at a time, 5 bytes a second."""
    await read_request(reader)
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 86\r\nConnection: close\r\n\r\n")
    for byte in GOOD_REPLY.ljust(86):
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(0.2)


async def ten_megabytes(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A 10 MB body, streamed without a Content-Length (the cap cannot rely on the header)."""
    await read_request(reader)
    writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
    chunk = b"x" * 65536
    for _ in range(160):
        writer.write(chunk)
        await writer.drain()


async def deep_nesting(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_request(reader)
    writer.write(http_reply(DEEP_NESTING))


async def reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Half a status line, then the connection is torn down."""
    await read_request(reader)
    writer.write(b"HTTP/1.1 20")
    await writer.drain()
    writer.transport.abort()


async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_request(reader)
    writer.write(b"HELLO THERE\r\n\r\n")


async def redirect_to_self(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    head = await read_request(reader)
    target = head.split(b" ")[1].decode()
    writer.write(http_reply(b"", status="302 Found", extra=f"Location: {target}\r\n"))


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def local_client(session: aiohttp.ClientSession, address: str) -> KumoUnitClient:
    options = KumoClientOptions(
        connect_timeout=DEADLINE, read_timeout=DEADLINE, deadline=DEADLINE, auth_retry_delay=0
    )
    return KumoUnitClient(session, address, CREDENTIALS, options=options)


async def timed(awaitable: Awaitable[object]) -> tuple[object, float]:
    """The result (or the exception raised) and how long it took."""
    start = time.monotonic()
    try:
        result: object = await awaitable
    except Exception as err:  # noqa: BLE001 - the test inspects whatever came out
        result = err
    return result, time.monotonic() - start


def assert_no_secret(err: object, *secrets: str) -> None:
    assert isinstance(err, KumoError), repr(err)
    text = chain_text(err)
    for secret in (TOKEN, *secrets):
        assert secret not in text


# --------------------------------------------------------------------------- local adapter


async def test_dripped_reply_is_cut_at_the_deadline_and_frees_the_lock(
    session: aiohttp.ClientSession,
) -> None:
    """86 bytes at 5 bytes/s would take 17 s; the request ends at its deadline, and a
    command queued behind it on the same unit gets its turn right after."""
    served: list[str] = []

    async def drip_then_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        served.append("request")
        if len(served) == 1:
            await drip(reader, writer)
        else:
            await read_request(reader)
            writer.write(http_reply(GOOD_REPLY))

    async with Server(drip_then_answer) as server:
        client = local_client(session, server.address)
        start = time.monotonic()
        first = asyncio.ensure_future(timed(client.request(STATUS)))
        await asyncio.sleep(0.05)
        second, second_done = await timed(client.request(STATUS))
        (error, elapsed) = await first
    assert isinstance(error, KumoConnectionError)
    assert "did not answer within" in str(error)
    assert_no_secret(error)
    assert DEADLINE - 0.05 <= elapsed < DEADLINE + SLACK
    assert second == {"indoorUnit": {"status": {"mode": "heat"}}}
    assert time.monotonic() - start < 2 * DEADLINE + SLACK
    assert second_done < 2 * DEADLINE + SLACK


async def test_probe_ends_within_its_timeout_against_a_drip(
    session: aiohttp.ClientSession,
) -> None:
    async with Server(drip) as server:
        result, elapsed = await timed(probe(session, server.address, CREDENTIALS, timeout=0.5))
    assert result is ProbeResult.UNREACHABLE
    assert elapsed < 0.5 + SLACK


async def test_oversized_reply_is_refused_without_being_held(
    session: aiohttp.ClientSession,
) -> None:
    async with Server(ten_megabytes) as server:
        client = local_client(session, server.address)
        tracemalloc.start()
        try:
            error, elapsed = await timed(client.request(STATUS))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        result = await probe(session, server.address, CREDENTIALS, timeout=0.5)
    assert isinstance(error, KumoProtocolError)
    assert "larger than 65536 bytes" in str(error)
    assert_no_secret(error)
    assert peak < 2 * 1024 * 1024  # 10 MB were offered
    assert elapsed < DEADLINE + SLACK
    assert client.http_attempts == 1  # not retried
    assert result is ProbeResult.NOT_KUMO


async def test_oversized_reply_announced_by_content_length(
    session: aiohttp.ClientSession,
) -> None:
    async def announced(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n{")

    async with Server(announced) as server:
        error, _ = await timed(local_client(session, server.address).request(STATUS))
    assert isinstance(error, KumoProtocolError)


async def test_deeply_nested_reply(session: aiohttp.ClientSession) -> None:
    async with Server(deep_nesting) as server:
        error, _ = await timed(local_client(session, server.address).request(STATUS))
        result = await probe(session, server.address, CREDENTIALS, timeout=0.5)
    assert isinstance(error, KumoProtocolError)
    assert "malformed JSON" in str(error)
    assert result is ProbeResult.NOT_KUMO


@pytest.mark.parametrize("handler", [reset, garbage], ids=["reset", "invalid-http"])
async def test_broken_connections_are_retried_within_bounds(
    session: aiohttp.ClientSession, handler: Handler
) -> None:
    async with Server(handler) as server:
        client = local_client(session, server.address)
        error, elapsed = await timed(client.request(STATUS))
    assert isinstance(error, KumoConnectionError)
    assert "2 attempts" in str(error)
    assert_no_secret(error)
    # aiohttp itself tries a dropped idempotent request once more: still bounded.
    assert client.http_attempts == 2
    assert 2 <= server.connections <= 4
    assert elapsed < DEADLINE + SLACK


async def test_redirects_are_not_followed(session: aiohttp.ClientSession) -> None:
    """A redirect would carry the signed URL to wherever it points; it is a bad reply."""
    async with Server(redirect_to_self) as server:
        client = local_client(session, server.address)
        error, _ = await timed(client.request(STATUS))
    assert isinstance(error, KumoProtocolError)
    assert_no_secret(error)
    assert server.connections == 1


async def test_connect_timeout_names_no_signed_url(session: aiohttp.ClientSession) -> None:
    """The ordinary "unit offline" case: aiohttp's own error quotes the URL, ours does not."""
    with black_hole() as address:
        client = KumoUnitClient(
            session,
            address,
            CREDENTIALS,
            options=KumoClientOptions(connect_timeout=0.2, deadline=1.0, attempts=2),
        )
        error, elapsed = await timed(client.request(STATUS))
    assert isinstance(error, KumoConnectionError)
    assert_no_secret(error)
    assert error.__cause__ is None
    assert error.__context__ is None
    assert elapsed < 1.0 + SLACK


def test_client_repr_shows_no_secret() -> None:
    client = KumoUnitClient(None, "192.0.2.1", CREDENTIALS)
    assert "c2VjcmV0" not in repr(client)
    assert "192.0.2.1" in repr(client)


def test_options_must_bound_requests() -> None:
    with pytest.raises(ValueError, match="positive"):
        KumoClientOptions(deadline=0)
    with pytest.raises(ValueError, match="positive"):
        KumoClientOptions(max_reply_bytes=0)


@pytest.mark.parametrize("address", ["caf\u00e9.local", "host\x00", "\udcff"])
def test_address_must_be_plain_ascii(address: str) -> None:
    with pytest.raises(ValueError, match="host:port"):
        KumoUnitClient(None, address, CREDENTIALS)


# --------------------------------------------------------------------------- cloud


def cloud_api(session: aiohttp.ClientSession, base_url: str) -> KumoCloudV3Api:
    options = KumoCloudOptions(connect_timeout=DEADLINE, request_timeout=DEADLINE)
    return KumoCloudV3Api(
        session, "user@example.com", CLOUD_PASSWORD, base_url=base_url, options=options
    )


@pytest.mark.parametrize(
    ("handler", "error_type", "message"),
    [
        (drip, KumoCloudConnectionError, "no reply within"),
        (ten_megabytes, KumoCloudError, "larger than"),
        (reset, KumoCloudConnectionError, "unreachable"),
        (garbage, KumoCloudConnectionError, "unreachable"),
        (redirect_to_self, KumoCloudConnectionError, "TooManyRedirects"),
        (deep_nesting, KumoCloudError, "no access/refresh tokens"),
    ],
    ids=["drip", "oversize", "reset", "invalid-http", "redirect-loop", "deep-nesting"],
)
async def test_cloud_login_against_hostile_servers(
    session: aiohttp.ClientSession,
    handler: Handler,
    error_type: type[KumoCloudError],
    message: str,
) -> None:
    async with Server(handler) as server:
        base_url = f"http://user:{CLOUD_PASSWORD}@{server.address}"
        api = cloud_api(session, base_url)
        error, elapsed = await timed(api.login())
    assert isinstance(error, error_type), repr(error)
    assert message in str(error)
    assert_no_secret(error, CLOUD_PASSWORD)
    assert elapsed < DEADLINE + SLACK
    assert CLOUD_PASSWORD not in repr(api)


async def test_cloud_errors_carry_no_bearer_token(session: aiohttp.ClientSession) -> None:
    """A read with a bearer token that ends in a redirect loop: no token in the error."""
    access = "eyJhbGciOiJub25lIn0.eyJleHAiOjk5OTk5OTk5OTl9.secret-access"

    async def login_then_loop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await read_request(reader)
        if b"/v3/login" in head:
            body = b'{"token":{"access":"%s","refresh":"r"}}' % access.encode()
            writer.write(http_reply(body))
        else:
            await redirect_to_self(reader, writer)

    async with Server(login_then_loop) as server:
        client = KumoCloudV3Client(cloud_api(session, f"http://{server.address}"))
        error, _ = await timed(client.async_get_sites())
    assert isinstance(error, KumoCloudConnectionError)
    assert_no_secret(error, access, CLOUD_PASSWORD)


async def test_credentials_in_a_cloud_url_never_reach_the_logs(
    session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    async with Server(garbage) as server:
        host = server.address.split(":")[0]
        url = f"http://admin:{CLOUD_PASSWORD}@{server.address}"
        with caplog.at_level(logging.DEBUG, logger="custom_components.kumo_momit.kumo"):
            error, _ = await timed(
                async_discover_units(
                    session,
                    "user@example.com",
                    "account-password",
                    endpoints=KumoCloudEndpoints.single_host(url),
                    options=KumoCloudOptions(request_timeout=DEADLINE),
                )
            )
    assert isinstance(error, KumoCloudConnectionError)
    assert_no_secret(error, CLOUD_PASSWORD, "account-password")
    ours = "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.kumo_momit.kumo")
    )
    assert f"Kumo Cloud at {host}:" in ours  # the failures are logged, by host only
    assert CLOUD_PASSWORD not in caplog.text
    assert "admin" not in caplog.text


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://user:secret@cloud.example:8443/path?q=1", "cloud.example:8443"),
        ("https://cloud.example", "cloud.example"),
        ("http://cloud.example:99999", "the configured host"),
        ("not a url", "the configured host"),
    ],
)
def test_cloud_host_in_messages(url: str, shown: str) -> None:
    assert host_of(url) == shown


async def test_cloud_url_aiohttp_refuses(session: aiohttp.ClientSession) -> None:
    api = cloud_api(session, "http://u:p@127.0.0.1:99999")
    error, _ = await timed(api.login())
    assert isinstance(error, KumoCloudConnectionError)
    assert "the configured host" in str(error)
