"""What the diagnostics show of a Momit gateway's nodes (redacted by the caller)."""

from __future__ import annotations

from typing import Any

from .data import MomitRuntimeData


def momit_device_diagnostics(runtime: MomitRuntimeData) -> dict[str, dict[str, Any]]:
    """Each node's push status, relay ports, timer and last state, by device identifier.

    No name: a node's name is its serial, which diagnostics redact.
    """
    devices: dict[str, dict[str, Any]] = {}
    for coordinator in runtime.nodes.values():
        client, node = coordinator.client, coordinator.node
        devices[node.device_id] = {
            "serial": node.serial,
            "port": client.port,
            "push_active": client.push_active,
            "relay_reply_ports": sorted(client.reply_ports),
            "last_update_success": coordinator.last_update_success,
            "timer_minutes": coordinator.timer_minutes,
            "state": coordinator.data,
        }
    return devices
