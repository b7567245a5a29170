"""A Momit gateway entry: its AC nodes as stored in entry data, and their coordinators."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from homeassistant.const import CONF_MODEL, CONF_PORT

from ..const import CONF_SERIAL
from ..data import DataChange
from .const import CONF_FIRMWARE, CONF_MANUFACTURER, CONF_NODES

if TYPE_CHECKING:
    from .coordinator import MomitNodeCoordinator


@dataclass
class MomitRuntimeData:
    """What a loaded Momit gateway entry holds: one coordinator per AC node."""

    nodes: dict[str, MomitNodeCoordinator] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class StoredMomitNode:
    """One Momit Cool AC node of a gateway entry, found by the config flow."""

    serial: str
    port: int
    model: str | None = None
    manufacturer: str | None = None
    firmware: str | None = None

    @property
    def display_name(self) -> str:
        """The node's name: the device's, and what the set-up dialog lists (its serial is its
        only stable identity; the port changes)."""
        return f"Momit Cool {self.serial}"

    @property
    def device_id(self) -> str:
        """The node's device identifier and unique-id base (its gateway port changes)."""
        return f"momit-{self.serial}"

    @classmethod
    def from_storage(cls, raw: Mapping[str, Any]) -> StoredMomitNode:
        """Read one node back from entry data."""
        return cls(
            serial=str(raw[CONF_SERIAL]),
            port=int(raw[CONF_PORT]),
            model=raw.get(CONF_MODEL),
            manufacturer=raw.get(CONF_MANUFACTURER),
            firmware=raw.get(CONF_FIRMWARE),
        )

    def to_storage(self) -> dict[str, Any]:
        """The JSON form kept in entry data."""
        return {
            CONF_SERIAL: self.serial,
            CONF_PORT: self.port,
            CONF_MODEL: self.model,
            CONF_MANUFACTURER: self.manufacturer,
            CONF_FIRMWARE: self.firmware,
        }


def stored_nodes(data: Mapping[str, Any]) -> list[StoredMomitNode]:
    """The Momit AC nodes kept in a gateway entry's data."""
    return [StoredMomitNode.from_storage(raw) for raw in data.get(CONF_NODES, [])]


def nodes_for_storage(nodes: Iterable[StoredMomitNode]) -> list[dict[str, Any]]:
    """The JSON form of nodes for entry data."""
    return [node.to_storage() for node in nodes]


def nodes_change(
    edit: Callable[[list[StoredMomitNode]], Iterable[StoredMomitNode]], **data: Any
) -> DataChange:
    """The entry change that applies `edit` to the nodes stored *now* (and sets `data`)."""

    def change(current: Mapping[str, Any]) -> dict[str, Any]:
        return {**current, **data, CONF_NODES: nodes_for_storage(edit(stored_nodes(current)))}

    return change


def with_found_nodes(
    nodes: Iterable[StoredMomitNode], found: Iterable[StoredMomitNode]
) -> list[StoredMomitNode]:
    """Stored nodes with those found again replaced (new port, device info); new ones added.

    A node not found (another port was asked, or it did not answer) keeps its record: it is
    still the gateway's, and its client finds it by serial.
    """
    by_serial: dict[str, StoredMomitNode] = {}
    for node in found:
        # A gateway that answers from other ports can show one node twice (momit.md §1.2).
        by_serial.setdefault(node.serial, node)
    kept = [by_serial.pop(node.serial, node) for node in nodes]
    return [*kept, *by_serial.values()]
