"""Kumo entries never lose data: every write merges into what the entry holds at that moment.

A cloud refresh or a reauth awaits the cloud for seconds; whatever another flow saved
meanwhile (keys typed into a repair, an address DHCP confirmed, a deleted unit) must survive
the write that follows. A gate holds the cloud's answer while the other flow runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from homeassistant.config_entries import SOURCE_DHCP
from homeassistant.const import CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.kumo_momit.const import DOMAIN
from custom_components.kumo_momit.kumo import KumoUnitRecord
from custom_components.kumo_momit.kumo_ha import flow_helpers
from custom_components.kumo_momit.kumo_ha.const import (
    CONF_CRYPTO_SERIAL,
    CONF_REFRESH_FROM_CLOUD,
    CONF_SCAN_INTERVAL,
    CONF_UNIT_PASSWORD,
)
from custom_components.kumo_momit.kumo_ha.data import stored_units
from simulators.kumo_cloud import DEMO_PASSWORD, CloudAccountKind, KumoCloudSimulator
from simulators.kumo_unit import KumoUnitSimulator
from simulators.kumo_units import KumoUnitDefinition
from tests.ha import delete_device, device_by_identifier

from .conftest import BEDROOM, LIVING_ROOM, dhcp, kumo_entry_data, record_for, servers


class CloudGate:
    """Holds the cloud's answer until released, as a slow cloud would."""

    def __init__(self) -> None:
        self.asked = asyncio.Event()
        self.release = asyncio.Event()
        self._discover = flow_helpers.async_discover_units

    async def wait_until_asked(self) -> None:
        """The flow has asked the cloud (a flow that never does fails the test, not hangs)."""
        async with asyncio.timeout(30):
            await self.asked.wait()

    async def discover(self, *args: Any, **kwargs: Any) -> Any:
        result = await self._discover(*args, **kwargs)
        self.asked.set()
        await self.release.wait()
        return result


@pytest.fixture
def cloud_gate(monkeypatch: pytest.MonkeyPatch) -> CloudGate:
    """The cloud answers only when the test releases it."""
    gate = CloudGate()
    monkeypatch.setattr(flow_helpers, "async_discover_units", gate.discover)
    return gate


Start = Callable[[HomeAssistant, MockConfigEntry], Awaitable["asyncio.Future[Any]"]]


async def _start_refresh(hass: HomeAssistant, entry: MockConfigEntry) -> asyncio.Future[Any]:
    """Options → settings → "refresh units from the cloud", submitted; runs until the cloud
    answers."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    return asyncio.ensure_future(
        hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_SCAN_INTERVAL: 60, CONF_REFRESH_FROM_CLOUD: True}
        )
    )


async def _start_reauth(hass: HomeAssistant, entry: MockConfigEntry) -> asyncio.Future[Any]:
    """Reauth with the right password, submitted; runs until the cloud answers."""
    result = await entry.start_reauth_flow(hass)
    return asyncio.ensure_future(
        hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PASSWORD: DEMO_PASSWORD})
    )


CLOUD_WRITES = pytest.mark.parametrize(
    "start", [_start_refresh, _start_reauth], ids=["refresh", "reauth"]
)


def unit(entry: MockConfigEntry, serial: str) -> KumoUnitRecord | None:
    """The unit as the entry stores it now."""
    return next((u for u in stored_units(entry.data) if u.serial == serial), None)


async def set_up_account(
    hass: HomeAssistant, units: list[KumoUnitRecord], cloud: KumoCloudSimulator
) -> MockConfigEntry:
    """An account entry with these units, using the simulated cloud, set up."""
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id="demo@example.com", data=kumo_entry_data(units, **servers(cloud))
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


@pytest.fixture
async def keyless_cloud_entry(
    hass: HomeAssistant,
    unit_definitions: list[KumoUnitDefinition],
    kumo_units: KumoUnitSimulator,
    kumo_cloud: KumoCloudSimulator,
) -> MockConfigEntry:
    """A set-up account of a Comfort-app cloud (no keys to give back); the Bedroom has none."""
    living, bedroom, station = unit_definitions
    units = [
        record_for(living, kumo_units.address(LIVING_ROOM)),
        record_for(bedroom, kumo_units.address(BEDROOM), secrets=False),
        record_for(station, kumo_units.address(station.serial)),
    ]
    kumo_cloud.account = CloudAccountKind.COMFORT_NATIVE
    assert await async_setup_component(hass, "repairs", {})
    return await set_up_account(hass, units, kumo_cloud)


@CLOUD_WRITES
async def test_keys_typed_into_a_repair_while_the_cloud_answers_are_kept(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    unit_definitions: list[KumoUnitDefinition],
    keyless_cloud_entry: MockConfigEntry,
    cloud_gate: CloudGate,
    start: Start,
) -> None:
    """A keyless cloud cannot give keys back: the ones the user just entered must stay."""
    entry, bedroom = keyless_cloud_entry, unit_definitions[1]
    pending = await start(hass, entry)
    await cloud_gate.wait_until_asked()

    http = await hass_client()
    issue_id = f"{entry.entry_id}_{BEDROOM}_incomplete"
    response = await http.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    flow_id = (await response.json())["flow_id"]
    response = await http.post(
        f"/api/repairs/issues/fix/{flow_id}",
        json={
            CONF_UNIT_PASSWORD: bedroom.password_b64,
            CONF_CRYPTO_SERIAL: bedroom.crypto_serial_hex,
        },
    )
    assert (await response.json())["type"] == "create_entry"
    stored = unit(entry, BEDROOM)
    assert stored is not None
    assert stored.has_secrets

    cloud_gate.release.set()
    await pending
    await hass.async_block_till_done()
    stored = unit(entry, BEDROOM)
    assert stored is not None
    assert stored.has_secrets
    assert stored.sources.password == "user"
    assert hass.states.get("climate.bedroom").state == "off"


@CLOUD_WRITES
async def test_an_address_dhcp_confirmed_while_the_cloud_answers_is_kept(
    hass: HomeAssistant,
    unit_definitions: list[KumoUnitDefinition],
    kumo_units: KumoUnitSimulator,
    kumo_cloud: KumoCloudSimulator,
    cloud_gate: CloudGate,
    start: Start,
) -> None:
    """The stored address was stale; DHCP moves the unit meanwhile; the move must stay."""
    units = [record_for(d, kumo_units.address(d.serial)) for d in unit_definitions]
    units[0] = replace(units[0], address="127.0.0.1:9")
    entry = await set_up_account(hass, units, kumo_cloud)
    pending = await start(hass, entry)
    await cloud_gate.wait_until_asked()

    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_DHCP},
        data=dhcp(unit_definitions[0].mac, kumo_units.address(LIVING_ROOM)),
    )
    assert result["reason"] == "already_configured"
    moved = unit(entry, LIVING_ROOM)
    assert moved is not None
    assert moved.address == kumo_units.address(LIVING_ROOM)

    cloud_gate.release.set()
    await pending
    await hass.async_block_till_done()
    moved = unit(entry, LIVING_ROOM)
    assert moved is not None
    assert moved.address == kumo_units.address(LIVING_ROOM)
    assert moved.sources.address == "dhcp"


@CLOUD_WRITES
async def test_a_unit_deleted_while_the_cloud_answers_does_not_come_back(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    kumo_units: KumoUnitSimulator,
    kumo_cloud: KumoCloudSimulator,
    cloud_gate: CloudGate,
    start: Start,
) -> None:
    """The cloud still lists the unit the user just deleted; it must stay deleted."""
    units = [record_for(d, kumo_units.address(d.serial)) for d in kumo_cloud.units]
    assert await async_setup_component(hass, "config", {})
    entry = await set_up_account(hass, units, kumo_cloud)
    pending = await start(hass, entry)
    await cloud_gate.wait_until_asked()

    device = device_by_identifier(dr.async_get(hass), entry, (DOMAIN, BEDROOM))
    assert device is not None
    client = await hass_ws_client(hass)
    response = await delete_device(client, device, entry)
    assert response["success"]
    assert unit(entry, BEDROOM) is None

    cloud_gate.release.set()
    result = await pending
    assert result["type"] in (FlowResultType.CREATE_ENTRY, FlowResultType.ABORT)
    await hass.async_block_till_done()
    assert unit(entry, BEDROOM) is None
    assert unit(entry, LIVING_ROOM) is not None
