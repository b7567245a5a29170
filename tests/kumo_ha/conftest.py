"""Fixtures of the Kumo glue tests: the unit and cloud simulators, account entries, flows.

Simulated units are the demo account unless a test names JSON device fixtures of its own
(`fixtures/*.json`, through `unit_definitions` parametrized indirectly).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import json
from pathlib import Path
from typing import Any

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.kumo_momit.const import CONF_FAMILY, DOMAIN, FAMILY_KUMO
from custom_components.kumo_momit.kumo import (
    FieldSource,
    FieldSources,
    KumoUnitKind,
    KumoUnitRecord,
)
from custom_components.kumo_momit.kumo_ha.const import (
    CONF_CLOUD_SERVERS,
    CONF_SOCKET_BASE_URL,
    CONF_UNITS,
    CONF_V2_BASE_URL,
    CONF_V2_CA_BASE_URL,
    CONF_V3_BASE_URL,
)
from simulators.kumo_cloud import DEMO_PASSWORD, DEMO_USERNAME, KumoCloudSimulator
from simulators.kumo_unit import KumoUnitSimulator
from simulators.kumo_units import (
    KumoUnitDefinition,
    demo_units,
    make_crypto_serial_hex,
    make_password_b64,
)

FIXTURES = Path(__file__).parent / "fixtures"

LIVING_ROOM = "0Y34P008Q100142F"
BEDROOM = "0Y34P008Q100277B"
STATION = "2A31K009S100318C"


@pytest.fixture(autouse=True)
def _integration_env(enable_custom_integrations: None, socket_enabled: None) -> None:
    """Load custom integrations; allow loopback sockets to the simulators."""


def load_unit_definition(name: str) -> KumoUnitDefinition:
    """A simulated unit from `fixtures/<name>.json`; its secrets are derived from a seed."""
    raw: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    raw.pop("description")
    seed = raw.pop("secrets_seed")
    return KumoUnitDefinition(
        password_b64=make_password_b64(seed), crypto_serial_hex=make_crypto_serial_hex(seed), **raw
    )


@pytest.fixture
def unit_definitions(request: pytest.FixtureRequest) -> list[KumoUnitDefinition]:
    """The simulated units: the demo account, or the JSON fixtures named by the test."""
    names: list[str] | None = getattr(request, "param", None)
    return demo_units() if names is None else [load_unit_definition(name) for name in names]


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
        firmware=definition.firmware_version,
        site_name=definition.site_name,
        sources=FieldSources(
            name=FieldSource.CLOUD_V3,
            kind=FieldSource.CLOUD_V3,
            mac=FieldSource.CLOUD_V3,
            firmware=FieldSource.CLOUD_V3,
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


def add_kumo_entry(
    hass: HomeAssistant,
    units: list[KumoUnitRecord],
    *,
    options: dict[str, Any] | None = None,
    unique_id: str = DEMO_USERNAME.lower(),
    **extra: Any,
) -> MockConfigEntry:
    """A Kumo account entry with these units (and `extra` entry data), added to `hass`."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=DEMO_USERNAME,
        unique_id=unique_id,
        data=kumo_entry_data(units, **extra),
        options=options or {},
    )
    entry.add_to_hass(hass)
    return entry


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


# --- flows ---------------------------------------------------------------------------------


def servers(cloud: KumoCloudSimulator) -> dict[str, str]:
    """The collapsed "Cloud servers" section pointing every cloud service at the simulator (it
    is also how an entry stores servers the user changed)."""
    return {
        CONF_V3_BASE_URL: cloud.base_url,
        CONF_V2_BASE_URL: cloud.base_url,
        CONF_V2_CA_BASE_URL: cloud.base_url,
        CONF_SOCKET_BASE_URL: cloud.base_url,
    }


async def start_kumo_flow(hass: HomeAssistant) -> str:
    """Open the flow as any user does and pick the Kumo branch."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["kumo", "momit"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "kumo"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "kumo"
    return str(result["flow_id"])


async def sign_in(
    hass: HomeAssistant, flow_id: str, cloud: KumoCloudSimulator, password: str = DEMO_PASSWORD
) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {
            CONF_USERNAME: DEMO_USERNAME,
            CONF_PASSWORD: password,
            CONF_CLOUD_SERVERS: servers(cloud),
        },
    )
    return dict(result)


def dhcp(mac: str, ip: str) -> DhcpServiceInfo:
    """What Home Assistant's DHCP watcher reports for a lease."""
    return DhcpServiceInfo(ip=ip, hostname="kumo", macaddress=mac.replace(":", ""))
