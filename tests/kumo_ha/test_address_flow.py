"""Moving a Kumo unit to a new address: by hand (reconfigure) and found by DHCP."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from homeassistant.config_entries import SOURCE_DHCP
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.kumo_momit.const import CONF_SERIAL, DOMAIN
from custom_components.kumo_momit.kumo_ha.const import CONF_ADDRESS, CONF_UNITS
from custom_components.kumo_momit.kumo_ha.data import stored_units
from simulators.kumo_cloud import DEMO_USERNAME, KumoCloudSimulator
from simulators.kumo_unit import KumoUnitSimulator
from simulators.kumo_units import KumoUnitDefinition
from tests.ha import delete_device, device_by_identifier

from .conftest import (
    BEDROOM,
    LIVING_ROOM,
    dhcp,
    kumo_entry_data,
    record_for,
    sign_in,
    start_kumo_flow,
)


async def test_reconfigure_changes_one_address_after_a_probe(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, kumo_entry: MockConfigEntry
) -> None:
    """The new address must answer with that unit's own keys."""
    result = await kumo_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_SERIAL: LIVING_ROOM, CONF_ADDRESS: kumo_units.address(BEDROOM)},
    )
    assert result["errors"] == {"base": "wrong_unit_secrets"}
    # The form keeps the unit and the address typed, to be corrected.
    suggested = {
        str(key): key.description["suggested_value"] for key in result["data_schema"].schema
    }
    assert suggested == {CONF_SERIAL: LIVING_ROOM, CONF_ADDRESS: kumo_units.address(BEDROOM)}
    new_address = kumo_units.address(LIVING_ROOM)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SERIAL: LIVING_ROOM, CONF_ADDRESS: f" {new_address} "}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"


async def test_reconfigure_of_a_unit_deleted_meanwhile_aborts(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    kumo_units: KumoUnitSimulator,
    setup_kumo: MockConfigEntry,
) -> None:
    """The form offered the Bedroom; its device was deleted before the form was sent."""
    result = await setup_kumo.start_reconfigure_flow(hass)
    assert {option["value"] for option in _unit_options(result)} >= {BEDROOM}
    assert await async_setup_component(hass, "config", {})
    device = device_by_identifier(dr.async_get(hass), setup_kumo, (DOMAIN, BEDROOM))
    assert device is not None
    client = await hass_ws_client(hass)
    assert (await delete_device(client, device, setup_kumo))["success"]
    await hass.async_block_till_done()

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SERIAL: BEDROOM, CONF_ADDRESS: kumo_units.address(BEDROOM)}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "unit_gone"
    assert BEDROOM not in {u.serial for u in stored_units(setup_kumo.data)}


def _unit_options(result: Any) -> list[dict[str, str]]:
    """The units the reconfigure form offers."""
    selector = result["data_schema"].schema[CONF_SERIAL]
    return list(selector.config["options"])


async def test_reconfigure_needs_a_unit_with_keys(
    hass: HomeAssistant, unit_definitions: list[KumoUnitDefinition]
) -> None:
    """Without keys nothing can be probed, so there is nothing to reconfigure."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=DEMO_USERNAME,
        data=kumo_entry_data([record_for(d, None, secrets=False) for d in unit_definitions]),
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["reason"] == "no_units_with_secrets"


async def test_dhcp_moves_a_known_unit_to_its_new_address(
    hass: HomeAssistant,
    unit_definitions: list[KumoUnitDefinition],
    kumo_units: KumoUnitSimulator,
    setup_kumo: MockConfigEntry,
) -> None:
    """A known MAC at a new IP: probed with its keys, stored, entry reloaded; no user action."""
    living = unit_definitions[0]
    units = stored_units(setup_kumo.data)
    moved = [
        u.with_address("127.0.0.1:9", u.sources.address) if u.serial == LIVING_ROOM else u
        for u in units
    ]
    hass.config_entries.async_update_entry(
        setup_kumo, data={**setup_kumo.data, CONF_UNITS: [u.to_storage() for u in moved]}
    )
    await hass.async_block_till_done()
    host, port = kumo_units.address(LIVING_ROOM).split(":")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=dhcp(living.mac, f"{host}:{port}")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    await hass.async_block_till_done()
    unit = next(u for u in stored_units(setup_kumo.data) if u.serial == LIVING_ROOM)
    assert unit.address == kumo_units.address(LIVING_ROOM)
    assert unit.sources.address == "dhcp"
    assert hass.states.get("climate.living_room").state == "off"


async def test_dhcp_edge_cases(
    hass: HomeAssistant,
    unit_definitions: list[KumoUnitDefinition],
    kumo_units: KumoUnitSimulator,
    kumo_entry: MockConfigEntry,
) -> None:
    """Garbage MAC, the same address again, and an address that is another unit's."""
    living = unit_definitions[0]
    for info, reason in (
        (DhcpServiceInfo(ip="127.0.0.1", hostname="x", macaddress="zz"), "not_kumo_unit"),
        (dhcp(living.mac, kumo_units.address(LIVING_ROOM)), "already_configured"),
        (dhcp(living.mac, kumo_units.address(BEDROOM)), "already_configured"),
    ):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_DHCP}, data=info
        )
        assert result["reason"] == reason
    # The other unit's address was probed with this unit's keys and not taken.
    unit = next(u for u in stored_units(kumo_entry.data) if u.serial == LIVING_ROOM)
    assert unit.address == kumo_units.address(LIVING_ROOM)


async def test_dhcp_for_a_foreign_adapter_is_ignored(
    hass: HomeAssistant, kumo_entry: MockConfigEntry
) -> None:
    """An adapter of no configured account is not offered."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=dhcp("50:26:ef:aa:bb:cc", "127.0.0.1")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_kumo_unit"


async def test_dhcp_confirms_a_unit_whose_mac_the_cloud_did_not_give(
    hass: HomeAssistant,
    unit_definitions: list[KumoUnitDefinition],
    kumo_units: KumoUnitSimulator,
) -> None:
    """A unit with keys but no MAC/address: the adapter answering with its keys is offered."""
    living = unit_definitions[0]
    record = record_for(living, None)
    record = type(record)(**{**vars(record), "mac": None})
    entry = MockConfigEntry(domain=DOMAIN, unique_id=DEMO_USERNAME, data=kumo_entry_data([record]))
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_DHCP},
        data=dhcp(living.mac, kumo_units.address(LIVING_ROOM)),
    )
    assert result["step_id"] == "dhcp_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["reason"] == "address_updated"
    unit = stored_units(entry.data)[0]
    assert unit.address == kumo_units.address(LIVING_ROOM)
    assert unit.mac == living.mac


async def test_dhcp_sightings_give_addresses_the_cloud_lacks(
    hass: HomeAssistant,
    unit_definitions: list[KumoUnitDefinition],
    kumo_units: KumoUnitSimulator,
    kumo_cloud: KumoCloudSimulator,
) -> None:
    """An adapter DHCP saw earlier is matched by MAC and confirmed with its keys."""
    living = unit_definitions[0]
    del kumo_cloud.addresses[LIVING_ROOM]
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_DHCP},
        data=dhcp(living.mac, kumo_units.address(LIVING_ROOM)),
    )
    assert result["reason"] == "not_kumo_unit"
    flow_id = await start_kumo_flow(hass)
    result = await sign_in(hass, flow_id, kumo_cloud)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    unit = next(u for u in stored_units(result["result"].data) if u.serial == LIVING_ROOM)
    assert unit.address == kumo_units.address(LIVING_ROOM)
    assert unit.sources.address == "dhcp"


async def test_dhcp_moves_the_unit_of_two_sharing_a_mac_that_answers_there(
    hass: HomeAssistant, unit_definitions: list[KumoUnitDefinition], kumo_units: KumoUnitSimulator
) -> None:
    """Two stored units carry one MAC (e.g. a replaced adapter): each is probed with its keys.

    The lease is the Bedroom's adapter; the Living Room record, first in the list, does not
    answer there with its keys and keeps its address.
    """
    living, bedroom, _ = unit_definitions
    first = record_for(living, "127.0.0.1:9")
    second = replace(record_for(bedroom, "127.0.0.1:10"), mac=living.mac)
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=DEMO_USERNAME, data=kumo_entry_data([first, second])
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=dhcp(living.mac, kumo_units.address(BEDROOM))
    )
    assert result["reason"] == "already_configured"
    addresses = {u.serial: u.address for u in stored_units(entry.data)}
    assert addresses == {LIVING_ROOM: "127.0.0.1:9", BEDROOM: kumo_units.address(BEDROOM)}


async def test_dhcp_moves_one_adapter_in_every_entry_that_holds_it(
    hass: HomeAssistant, unit_definitions: list[KumoUnitDefinition], kumo_units: KumoUnitSimulator
) -> None:
    """Two accounts share the Living Room's adapter: both entries follow it."""
    living = unit_definitions[0]
    entries = []
    for account in ("one@example.com", "two@example.com"):
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id=account,
            data=kumo_entry_data([record_for(living, "127.0.0.1:9")]),
        )
        entry.add_to_hass(hass)
        entries.append(entry)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_DHCP},
        data=dhcp(living.mac, kumo_units.address(LIVING_ROOM)),
    )
    assert result["reason"] == "already_configured"
    assert [stored_units(entry.data)[0].address for entry in entries] == [
        kumo_units.address(LIVING_ROOM)
    ] * 2
