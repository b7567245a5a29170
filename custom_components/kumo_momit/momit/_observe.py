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
* A node that reboots, or loses power for a few seconds, forgets its observers without telling
  anyone [INF, §7]: from the client's side the observation just goes quiet, exactly like a
  resource that does not change. So a resource quiet for `refresh_interval_s` is registered
  again at once (RFC 7641 §3.3.1: re-registering refreshes the observation and returns the
  current state). Push stays up if the node answers; if it does not, push is down (poll
  meanwhile) and registration is retried with back-off. This bounds how stale the state can be
  to `refresh_interval_s` plus one registration, at the cost of one request per quiet resource
  per interval; a resource that notifies costs nothing.
* Silence for `silence_timeout_s` (when that is the shorter of the two) is treated like a lost
  observation instead: push down first, then re-registration with back-off.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
import logging
from typing import Any

import aiocoap
from aiocoap import error as coap_error

from ._transport import MomitTiming, NodeLink, await_response, describe_error
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
    refresh_interval_s: float | None = None

    def __post_init__(self) -> None:
        if self.silence_timeout_s <= 0 or (
            self.refresh_interval_s is not None and self.refresh_interval_s <= 0
        ):
            raise MomitValidationError(f"invalid observe settings {self}")


@dataclass(frozen=True, kw_only=True)
class ObserveCallbacks:
    """What an observer reports to its owner; all run in the event loop."""

    on_payload: Callable[[bytes], None]
    """Every registration answer and notification payload."""
    on_active: Callable[[bool], None]
    """The observation became registered (True) or was lost (False)."""
    on_connection_error: Callable[[], None] | None = None
    """The registration got no answer (e.g. start looking for a node that moved); must not
    block: the observer goes on retrying meanwhile."""


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
        try:
            await self._keep_observing()
        finally:
            # However the task ends, push through this observer no longer works.
            self._set_active(False)

    async def _keep_observing(self) -> None:
        failures = 0
        while True:
            registrations = self.registrations
            try:
                await self._observe_once()
            except MomitConnectionError as err:
                _LOGGER.debug("observe %s on %s: %s", self.path, self._link.host, err)
                self._set_active(False)
                if self._callbacks.on_connection_error is not None:
                    self._callbacks.on_connection_error()
            except (MomitProtocolError, _ObservationLostError) as err:
                _LOGGER.debug("observe %s on %s: %s", self.path, self._link.host, err)
            else:
                failures = 0
                continue  # a refresh is due: register again at once, push stays up meanwhile
            self._set_active(False)
            if self.registrations != registrations:
                failures = 0  # it worked for a while: start the back-off from the bottom again
            delay = self._settings.backoff.delay(failures)
            failures += 1
            await asyncio.sleep(delay)

    async def _observe_once(self) -> None:
        """Register, then follow the notifications until a refresh is due (returns) or the
        observation ends (raises)."""
        message = aiocoap.Message(
            code=aiocoap.GET,
            uri=self._link.uri(self.path),
            observe=0,
            transport_tuning=self._settings.timing.tuning(),
        )
        # Block-wise notifications are completed by a capped GET of our own (`_payload_of`).
        request = self._link.request(message)
        observation = request.observation
        assert observation is not None  # observe=0 always yields one
        try:
            await self._register(request.response)
            await self._follow(observation)
        finally:
            if not request.response.done():
                # Stopped (or timed out) before the registration was answered: cancelling the
                # observation now would make aiocoap raise when the answer, or the context's
                # shutdown, reaches it later. Let it settle, then cancel.
                request.response.add_done_callback(lambda _: _cancel(observation))
            else:
                _cancel(observation)

    async def _register(self, response: asyncio.Future[aiocoap.Message]) -> None:
        try:
            first = await await_response(response, self._settings.timing.deadline_s)
        except (coap_error.NetworkError, coap_error.LibraryShutdown, TimeoutError) as err:
            raise MomitConnectionError(
                f"no answer to the registration ({describe_error(err)})"
            ) from err
        except coap_error.Error as err:
            raise MomitProtocolError(f"registration failed ({describe_error(err)})") from err
        if not first.code.is_successful():
            raise MomitProtocolError(f"registration answered {first.code}")
        await self._deliver(first)
        if first.opt.observe is None:
            raise _ObservationLostError("the node declined the observation; polling meanwhile")
        self.registrations += 1
        self._set_active(True)

    async def _follow(self, observation: Any) -> None:
        quiet_s, refresh = self._quiet_limit()
        notifications = aiter(observation)
        while True:
            try:
                note = await asyncio.wait_for(anext(notifications), quiet_s)
            except StopAsyncIteration:
                raise _ObservationLostError("the node ended the observation") from None
            except TimeoutError:
                if refresh:
                    _LOGGER.debug("%s quiet for %s s: registering again", self.path, quiet_s)
                    return
                raise _ObservationLostError(f"no notification for {quiet_s} s") from None
            except coap_error.Error as err:
                raise _ObservationLostError(f"observation failed ({describe_error(err)})") from err
            if not note.code.is_successful():
                raise _ObservationLostError(f"observation ended with {note.code}")
            await self._deliver(note)

    def _quiet_limit(self) -> tuple[float, bool]:
        """How long a resource may stay quiet, and whether that calls for a refresh."""
        refresh_s = self._settings.refresh_interval_s
        if refresh_s is not None and refresh_s < self._settings.silence_timeout_s:
            return refresh_s, True
        return self._settings.silence_timeout_s, False

    async def _deliver(self, message: aiocoap.Message) -> None:
        """Hand one answer or notification to the owner; a bad one is skipped, not fatal."""
        try:
            payload = await self._payload_of(message)
        except MomitProtocolError as err:
            _LOGGER.warning("ignoring a notification of %s: %s", self.path, err)
            return
        try:
            self._callbacks.on_payload(payload)
        except Exception:
            # The owner's parsers raise only typed errors and handle them; anything else is a
            # bug, which must not end the observation (and with it push) for good.
            _LOGGER.exception("handling a notification of %s failed", self.path)

    async def _payload_of(self, message: aiocoap.Message) -> bytes:
        block = message.opt.block2
        if block is None or not block.more:
            if block is not None and block.block_number != 0:
                raise MomitProtocolError(f"notification is a lone block {block}")
            return bytes(message.payload)
        # Too large for one block: read the whole current representation, capped (RFC 7959
        # §2.6 lets a client fetch the rest of a notification with plain GETs).
        response = await self._link.get(self.path, self._settings.timing)
        if not response.code.is_successful():
            raise MomitProtocolError(f"reading the rest of a notification: {response.code}")
        return bytes(response.payload)
