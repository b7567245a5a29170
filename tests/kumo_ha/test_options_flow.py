"""Kumo options: the menu, the poll interval, and refreshing the units from the cloud."""

from __future__ import annotations

from homeassistant.const import CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.kumo_momit.const import DOMAIN
from custom_components.kumo_momit.kumo_ha.const import (
    CONF_CLOUD_FOR_UNADDRESSED,
    CONF_REFRESH_FROM_CLOUD,
    CONF_SCAN_INTERVAL,
)
from custom_components.kumo_momit.kumo_ha.data import stored_units
from simulators.kumo_cloud import DEMO_USERNAME, CloudAccountKind, KumoCloudSimulator
from simulators.kumo_unit import KumoUnitSimulator
from simulators.kumo_units import KumoUnitDefinition

from .conftest import LIVING_ROOM, kumo_entry_data, record_for, servers


async def test_options_poll_interval_reloads(
    hass: HomeAssistant, setup_kumo: MockConfigEntry
) -> None:
    """A new poll interval is applied by reloading the entry."""
    result = await hass.config_entries.options.async_init(setup_kumo.entry_id)
    assert result["step_id"] == "init"
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    assert result["step_id"] == "settings"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 30}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert setup_kumo.options == {CONF_SCAN_INTERVAL: 30, CONF_CLOUD_FOR_UNADDRESSED: False}
    coordinator = setup_kumo.runtime_data.indoor_units[LIVING_ROOM]
    assert coordinator.update_interval is not None
    assert coordinator.update_interval.total_seconds() == 30


async def test_options_refresh_from_cloud_keeps_local_facts(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, kumo_cloud: KumoCloudSimulator
) -> None:
    """Refreshing renames units and never erases stored keys, even from a keyless cloud."""
    units = [record_for(d, kumo_units.address(d.serial)) for d in kumo_cloud.units]
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=DEMO_USERNAME,
        data=kumo_entry_data(units, **servers(kumo_cloud)),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    kumo_cloud.account = CloudAccountKind.COMFORT_NATIVE
    kumo_cloud.units[0] = KumoUnitDefinition(**{**vars(kumo_cloud.units[0]), "label": "Lounge"})
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 60, CONF_REFRESH_FROM_CLOUD: True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    refreshed = {u.serial: u for u in stored_units(entry.data)}
    assert refreshed[LIVING_ROOM].name == "Lounge"
    assert all(unit.is_complete for unit in refreshed.values())


async def test_options_refresh_with_a_rejected_password_starts_reauth(
    hass: HomeAssistant, kumo_units: KumoUnitSimulator, kumo_cloud: KumoCloudSimulator
) -> None:
    """The stored password no longer works: a form error, and a reauth flow is started."""
    units = [record_for(d, kumo_units.address(d.serial)) for d in kumo_cloud.units]
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=DEMO_USERNAME,
        data=kumo_entry_data(units, **{CONF_PASSWORD: "changed", **servers(kumo_cloud)}),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 60, CONF_REFRESH_FROM_CLOUD: True}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
