"""Reading a reply body with a size cap, chunk by chunk, so an oversized reply is never held."""

from __future__ import annotations

import aiohttp


async def read_capped(response: aiohttp.ClientResponse, limit: int) -> bytes | None:
    """The body, or None as soon as it is known to exceed `limit` bytes."""
    if _declared_length(response) > limit:
        return None
    body = bytearray()
    async for chunk in response.content.iter_chunked(16 * 1024):
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _declared_length(response: aiohttp.ClientResponse) -> int:
    """The Content-Length the peer announced (0 when absent or not a plain number).

    Read from the header rather than `content_length`, which not every response object (e.g.
    test doubles of aiohttp's) provides; a number too long to parse counts as oversized.
    """
    declared = response.headers.get(aiohttp.hdrs.CONTENT_LENGTH, "")
    if not (declared.isascii() and declared.isdigit()):
        return 0
    return int(declared) if len(declared) <= 18 else 1 << 62
