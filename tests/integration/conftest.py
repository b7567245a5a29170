"""Fixtures: Home Assistant with the integration, the Kumo simulators, config entries."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import pytest_socket

from custom_components.kumo_momit.const import CONF_FAMILY, DOMAIN, FAMILY_KUMO, FAMILY_MOMIT
from custom_components.kumo_momit.kumo import (
    FieldSource,
    FieldSources,
    KumoUnitKind,
    KumoUnitRecord,
)
from custom_components.kumo_momit.kumo_ha.const import CONF_UNITS
from custom_components.kumo_momit.momit_ha.const import CONF_NODES
from custom_components.kumo_momit.momit_ha.data import StoredMomitNode
from custom_components.kumo_momit.momit_ha.settings import (
    MOMIT_SETTINGS,
    MomitSettings,
    momit_settings,
)
from simulators.kumo_cloud import DEMO_PASSWORD, DEMO_USERNAME, KumoCloudSimulator
from simulators.kumo_unit import KumoUnitSimulator
from simulators.kumo_units import KumoUnitDefinition, demo_units
from simulators.momit_gateway import GatewaySimulator
from tests.momit.conftest import LOOPBACK_HOSTS, client_options, scan_options, wait_until

LIVING_ROOM = "0Y34P008Q100142F"
BEDROOM = "0Y34P008Q100277B"
STATION = "2A31K009S100318C"


@pytest.fixture(autouse=True)
def _integration_env(enable_custom_integrations: None, socket_enabled: None) -> None:
    """Load custom integrations; allow loopback sockets to the simulators."""


@pytest.fixture
def unit_definitions() -> list[KumoUnitDefinition]:
    """The simulated units (the demo account by default)."""
    return demo_units()


@pytest.fixture
async def kumo_units(
    unit_definitions: list[KumoUnitDefinition],
) -> AsyncIterator[KumoUnitSimulator]:
    """The Kumo adapters, each on its own loopback port; the room does not drift."""
    simulator = KumoUnitSimulator(unit_definitions, room_drift=False)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def kumo_cloud(
    unit_definitions: list[KumoUnitDefinition], kumo_units: KumoUnitSimulator
) -> AsyncIterator[KumoCloudSimulator]:
    """The Kumo Cloud (legacy account: v2 hands out secrets and addresses)."""
    addresses = {serial: kumo_units.address(serial) for serial in kumo_units.units}
    simulator = KumoCloudSimulator(unit_definitions, addresses=addresses)
    await simulator.start()
    yield simulator
    await simulator.close()


def record_for(
    definition: KumoUnitDefinition, address: str | None, *, secrets: bool = True
) -> KumoUnitRecord:
    """How the config flow stores a fully known unit."""
    station = definition.kind == "station"
    return KumoUnitRecord(
        serial=definition.serial,
        name=definition.label,
        kind=KumoUnitKind.STATION if station else KumoUnitKind.INDOOR_UNIT,
        mac=definition.mac,
        address=address,
        password_b64=definition.password_b64 if secrets else None,
        crypto_serial_hex=definition.crypto_serial_hex if secrets else None,
        model=definition.model_number,
        site_name=definition.site_name,
        sources=FieldSources(
            name=FieldSource.CLOUD_V3,
            kind=FieldSource.CLOUD_V3,
            mac=FieldSource.CLOUD_V3,
            address=FieldSource.CLOUD_V2 if address else None,
            password=FieldSource.CLOUD_V2 if secrets else None,
            crypto_serial=FieldSource.CLOUD_V2 if secrets else None,
        ),
    )


def kumo_entry_data(units: list[KumoUnitRecord], **extra: Any) -> dict[str, Any]:
    """Entry data of a Kumo account with these units."""
    return {
        CONF_FAMILY: FAMILY_KUMO,
        CONF_USERNAME: DEMO_USERNAME,
        CONF_PASSWORD: DEMO_PASSWORD,
        CONF_UNITS: [unit.to_storage() for unit in units],
        **extra,
    }


@pytest.fixture
def kumo_entry(
    hass: HomeAssistant,
    unit_definitions: list[KumoUnitDefinition],
    kumo_units: KumoUnitSimulator,
) -> MockConfigEntry:
    """A Kumo account entry holding every unit, complete, as after the config flow."""
    units = [record_for(d, kumo_units.address(d.serial)) for d in unit_definitions]
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=DEMO_USERNAME,
        unique_id=DEMO_USERNAME.lower(),
        data=kumo_entry_data(units),
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def setup_kumo(hass: HomeAssistant, kumo_entry: MockConfigEntry) -> MockConfigEntry:
    """The Kumo entry, set up."""
    assert await hass.config_entries.async_setup(kumo_entry.entry_id)
    await hass.async_block_till_done()
    return kumo_entry


# --- Momit ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def momit_gateway_process() -> Iterator[GatewaySimulator]:
    """The CoAP gateway runs in its own process: aiocoap server contexts leave long timers
    behind that Home Assistant's test harness would reject (momit.md §10.5)."""
    simulator = GatewaySimulator(ac_nodes=1, other_nodes=1)
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
    coordinator = next(iter(momit_entry.runtime_data.nodes.values()))
    await wait_until(lambda: coordinator.client.push_active)
    return momit_entry
