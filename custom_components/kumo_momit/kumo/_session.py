"""Who owns the aiohttp session: the caller (Home Assistant's shared one) or the client.

A client given a session uses it and never closes it. A client given None creates its own on
first use and closes it in `close()` / at the end of `async with`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Self

import aiohttp


class AsyncClosing:
    """`async with client:` closes the client at the end."""

    async def close(self) -> None:
        """Release what the client owns."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()


class SessionOwner(AsyncClosing):
    """Base of the clients: the session they use, and whether closing it is theirs to do."""

    def __init__(self, session: aiohttp.ClientSession | None) -> None:
        self._session = session
        self._owns_session = session is None

    @property
    def http(self) -> aiohttp.ClientSession:
        """The session to send with (an own one is created here, inside the event loop)."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def close(self) -> None:
        """Close the session if this client created it; an injected one is left open."""
        if self._owns_session and self._session is not None:
            session, self._session = self._session, None
            await session.close()


@asynccontextmanager
async def session_for_call(
    session: aiohttp.ClientSession | None,
) -> AsyncIterator[aiohttp.ClientSession]:
    """The caller's session, or one that lives for this call only."""
    if session is not None:
        yield session
        return
    async with aiohttp.ClientSession() as own:
        yield own
