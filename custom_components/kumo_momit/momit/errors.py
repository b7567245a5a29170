"""Exceptions raised by the Momit Cool CoAP client.

The tree is small on purpose so the Home Assistant layer can map it in one place:
connection problems become "unavailable / retry later", protocol problems are bugs or firmware
surprises worth reporting, validation problems are the user's input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import AcState


class MomitError(Exception):
    """Base class for every error raised by this package."""


class MomitConnectionError(MomitError):
    """The node did not answer: timeout, refused port, unreachable gateway, closed client."""


class MomitCommandTimeoutError(MomitConnectionError):
    """A command got no answer, and re-reading the state did not show it was applied.

    A PUT the client gave up on may still reach the node later (§9.2 rule 3), so the
    client re-reads `/10242/0/0` before raising. `state` is that fresh state, or None when the
    re-read failed too.
    """

    def __init__(self, message: str, state: AcState | None = None) -> None:
        super().__init__(message)
        self.state = state


class MomitProtocolError(MomitError):
    """The node answered, but not in a way this client understands (payload or response code)."""


class MomitCommandRejectedError(MomitProtocolError):
    """The node answered a command with a non-success response code (4.xx/5.xx)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class MomitValidationError(MomitError, ValueError):
    """A value given by the caller is out of range or of the wrong kind; nothing was sent."""


class MomitNodeNotFoundError(MomitError):
    """Discovery found no AC controller node (or not the one with the requested serial)."""
