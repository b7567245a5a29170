"""Momit devices: one per Momit Cool node, as entity.py describes it to the device registry."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.kumo_momit.const import DOMAIN
from simulators.momit_gateway import GatewaySimulator
from tests.ha import device_view


async def test_devices(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    ha_snapshot: SnapshotAssertion,
    setup_momit: MockConfigEntry,
) -> None:
    """One device per Momit Cool node, keyed by its serial."""
    devices = dr.async_entries_for_config_entry(device_registry, setup_momit.entry_id)
    assert len(devices) == 1
    assert device_view(device_registry, devices[0]) == ha_snapshot(name="momit-device")


async def test_the_device_has_the_name_the_set_up_dialog_showed(
    hass: HomeAssistant, device_registry: dr.DeviceRegistry, momit_gateway: GatewaySimulator
) -> None:
    """The dialog lists each node by the name its device then gets: one stable scheme."""
    serial = momit_gateway.ac_serials[0]
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "momit"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: momit_gateway.ac_port()}
    )
    listed = result["description_placeholders"]["nodes"]
    assert listed == f"Momit Cool {serial} (port {momit_gateway.ac_port()})"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()
    [device] = dr.async_entries_for_config_entry(device_registry, result["result"].entry_id)
    assert device.name == f"Momit Cool {serial}"
    assert listed.startswith(device.name)
    assert (device.sw_version or "").startswith("SIM-1.")  # the node's /3/0/3
    assert await hass.config_entries.async_unload(result["result"].entry_id)
