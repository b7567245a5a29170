"""A long-lived, self-healing RFC 7641 observation of one resource of one node.

Rules from the protocol notes (§7, §9.3) this follows:

* Erbium nodes keep very few observers (1-6 in public Contiki configs [INF]), so there is one
  observation per resource and it is re-used; re-registration only happens after the
  observation ended, failed or went silent, and always after a back-off: never a tight
  register/cancel loop.
* Erbium replaces an observer registered again from the same address, port and URI
  (`add_observer` removes the old one first; Contiki er-coap-observe.c [INF]), and this client
  always uses the same socket (the relay's upstream socket), so re-registering does not leak a
  slot on the node.
* `ClientObservation.cancel()` only acts locally in aiocoap 0.4.17 [LAB]; the node's slot is
  freed when its next CON notification is not acknowledged (after the link's socket closed).
* Silence (no notification for `silence_timeout_s`) is treated like a lost observation: the node
  may have rebooted (observers lost) or the NAT mapping expired after 5 idle minutes [INF, §1.2].
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
import logging
from typing import Any

import aiocoap
from aiocoap import error as coap_error

from ._transport import MomitTiming, NodeLink, await_response
from .errors import MomitConnectionError, MomitError, MomitProtocolError, MomitValidationError

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class Backoff:
    """Delay before re-registering, growing with consecutive failures."""

    initial_s: float = 10.0
    factor: float = 2.0
    max_s: float = 300.0

    def __post_init__(self) -> None:
        if self.initial_s <= 0 or self.factor < 1 or self.max_s < self.initial_s:
            raise MomitValidationError(f"invalid back-off {self}")

    def delay(self, attempt: int) -> float:
        """Delay after `attempt` consecutive failures (0 = the first)."""
        return min(self.max_s, self.initial_s * self.factor ** min(attempt, 64))


def _cancel(observation: Any) -> None:
    """Cancel an aiocoap observation once (local only in aiocoap 0.4.17, see above).

    An observation that ended with an error is already cancelled, and aiocoap asserts on a
    second cancel.
    """
    if not observation.cancelled:
        observation.cancel()


class _ObservationLostError(MomitError):
    """Internal: the observation ended, was refused or went silent."""


@dataclass(frozen=True, kw_only=True)
class ObserveSettings:
    """How an observation is registered and kept alive."""

    timing: MomitTiming
    """Retransmission of the registration request."""
    silence_timeout_s: float
    backoff: Backoff


@dataclass(frozen=True, kw_only=True)
class ObserveCallbacks:
    """What an observer reports to its owner; all run in the event loop."""

    on_payload: Callable[[bytes], None]
    """Every registration answer and notification payload."""
    on_active: Callable[[bool], None]
    """The observation became registered (True) or was lost (False)."""
    on_connection_error: Callable[[], Awaitable[None]] | None = None
    """The registration got no answer (e.g. to re-find a node that moved)."""


class ResourceObserver:
    """Keeps one observation of `path` alive and hands every payload to its owner."""

    def __init__(
        self,
        link: NodeLink,
        path: str,
        settings: ObserveSettings,
        callbacks: ObserveCallbacks,
    ) -> None:
        """Nothing happens until `start()`."""
        self._link = link
        self.path = path
        self._settings = settings
        self._callbacks = callbacks
        self._task: asyncio.Task[None] | None = None
        self.active = False
        self.registrations = 0
        """Successful registrations so far (diagnostics, tests)."""

    def start(self) -> None:
        """Start observing in a background task; idempotent."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name=f"momit observe {self._link.host} {self.path}"
            )

    async def stop(self) -> None:
        """Stop observing and wait for the task to end."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                # Re-raise only if *we* are being cancelled, not the task we just cancelled.
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise
            except Exception:
                _LOGGER.exception("observer of %s ended with an error", self.path)
        self._set_active(False)

    def _set_active(self, active: bool) -> None:
        if active != self.active:
            self.active = active
            self._callbacks.on_active(active)

    async def _run(self) -> None:
        failures = 0
        while True:
            registrations = self.registrations
            try:
                await self._observe_once()
            except MomitConnectionError as err:
                _LOGGER.debug("observe %s on %s: %s", self.path, self._link.host, err)
                self._set_active(False)
                if self._callbacks.on_connection_error is not None:
                    await self._callbacks.on_connection_error()
            except (MomitProtocolError, _ObservationLostError) as err:
                _LOGGER.debug("observe %s on %s: %s", self.path, self._link.host, err)
            self._set_active(False)
            if self.registrations != registrations:
                failures = 0  # it worked for a while: start the back-off from the bottom again
            delay = self._settings.backoff.delay(failures)
            failures += 1
            await asyncio.sleep(delay)

    async def _observe_once(self) -> None:
        message = aiocoap.Message(
            code=aiocoap.GET,
            uri=self._link.uri(self.path),
            observe=0,
            transport_tuning=self._settings.timing.tuning(),
        )
        request = self._link.context().request(message)
        observation = request.observation
        assert observation is not None  # observe=0 always yields one
        try:
            try:
                first = await await_response(request.response, self._settings.timing.deadline_s)
            except (coap_error.NetworkError, coap_error.LibraryShutdown, TimeoutError) as err:
                raise MomitConnectionError(f"no answer to the registration: {err!r}") from err
            except coap_error.Error as err:
                raise MomitProtocolError(f"registration failed: {err!r}") from err
            if not first.code.is_successful():
                raise MomitProtocolError(f"registration answered {first.code}")
            self._callbacks.on_payload(first.payload)
            if first.opt.observe is None:
                raise _ObservationLostError("the node declined the observation; polling meanwhile")
            self.registrations += 1
            self._set_active(True)
            silence_timeout_s = self._settings.silence_timeout_s
            notifications = aiter(observation)
            while True:
                try:
                    note = await asyncio.wait_for(anext(notifications), silence_timeout_s)
                except StopAsyncIteration:
                    raise _ObservationLostError("the node ended the observation") from None
                except TimeoutError:
                    raise _ObservationLostError(
                        f"no notification for {silence_timeout_s} s"
                    ) from None
                except coap_error.Error as err:
                    raise _ObservationLostError(f"observation failed: {err!r}") from err
                if not note.code.is_successful():
                    raise _ObservationLostError(f"observation ended with {note.code}")
                self._callbacks.on_payload(note.payload)
        finally:
            if not request.response.done():
                # Stopped (or timed out) before the registration was answered: cancelling the
                # observation now would make aiocoap raise when the answer, or the context's
                # shutdown, reaches it later. Let it settle, then cancel.
                request.response.add_done_callback(lambda _: _cancel(observation))
            else:
                _cancel(observation)
