"""Fixtures of the Momit glue tests: the gateway simulator, gateway entries, settings.

The gateway runs in its own process: aiocoap server contexts leave long timers behind that
Home Assistant's test harness would reject (momit.md §10.5). Its serials are fixed, so that
snapshots do not depend on the test process.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import pytest_socket

from custom_components.kumo_momit.const import CONF_FAMILY, DOMAIN, FAMILY_MOMIT
from custom_components.kumo_momit.momit_ha.const import CONF_NODES
from custom_components.kumo_momit.momit_ha.data import StoredMomitNode
from custom_components.kumo_momit.momit_ha.settings import (
    MOMIT_SETTINGS,
    MomitSettings,
    momit_settings,
)
from simulators.momit_gateway import GatewaySimulator
from tests.momit.conftest import LOOPBACK_HOSTS, client_options, scan_options, wait_until


@pytest.fixture(autouse=True)
def _integration_env(enable_custom_integrations: None, socket_enabled: None) -> None:
    """Load custom integrations; allow loopback sockets to the simulator."""


@pytest.fixture(scope="session")
def momit_gateway_process() -> Iterator[GatewaySimulator]:
    """One AC node and one other node, with fixed serials (the default has the PID in it)."""
    simulator = GatewaySimulator(ac_nodes=1, other_nodes=1, serial_prefix="SNAP")
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def momit_gateway(hass: HomeAssistant, momit_gateway_process: GatewaySimulator) -> GatewaySimulator:
    """A fresh gateway world; clients use short timings and scan only its port window."""
    momit_gateway_process.reset_sync()
    pytest_socket.socket_allow_hosts(LOOPBACK_HOSTS, allow_unix_socket=True)
    hass.data[MOMIT_SETTINGS] = MomitSettings(
        client=client_options(momit_gateway_process), scan=scan_options(momit_gateway_process)
    )
    return momit_gateway_process


def use_momit_settings(hass: HomeAssistant, **changes: Any) -> None:
    """Change what the next Momit set-up or flow runs with (e.g. a shorter silence timeout)."""
    hass.data[MOMIT_SETTINGS] = replace(momit_settings(hass), **changes)


@pytest.fixture
def momit_entry(hass: HomeAssistant, momit_gateway: GatewaySimulator) -> MockConfigEntry:
    """A gateway entry with its AC node, as after the config flow."""
    serial = momit_gateway.ac_serials[0]
    node = StoredMomitNode(serial=serial, port=momit_gateway.ac_port(serial), model="Momit Cool")
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Momit Gateway 127.0.0.1",
        unique_id="momit-127.0.0.1",
        data={
            CONF_FAMILY: FAMILY_MOMIT,
            CONF_HOST: "127.0.0.1",
            CONF_NODES: [node.to_storage()],
        },
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def setup_momit(hass: HomeAssistant, momit_entry: MockConfigEntry) -> MockConfigEntry:
    """The Momit entry, set up, with push registered."""
    assert await hass.config_entries.async_setup(momit_entry.entry_id)
    await hass.async_block_till_done()
    await push_registered(momit_entry)
    return momit_entry


async def push_registered(entry: MockConfigEntry) -> None:
    """Wait until the entry's node observes its resources (push is up)."""
    coordinator = next(iter(entry.runtime_data.nodes.values()))
    await wait_until(lambda: coordinator.client.push_active)


def entity(hass: HomeAssistant, domain: str, suffix: str = "") -> str:
    """The entity id of the node's `domain` entity (names carry the serial's tail)."""
    ids = [s.entity_id for s in hass.states.async_all(domain) if s.entity_id.endswith(suffix)]
    assert len(ids) == 1, ids
    return ids[0]


async def puts(gateway: GatewaySimulator) -> list[str]:
    """The command payloads the AC node received, in order."""
    return [put["payload"] for put in await gateway.puts_received()]
