"""What a real Home Assistant's log says about the integration.

On the current leg this is the newest Home Assistant: it logs a warning for every deprecated
API an integration uses (e.g. `show_advanced_options` in a flow, the old climate temperature
names) before removing it in a later release.
"""

from __future__ import annotations

from typing import Any

from simulators.home_assistant import HomeAssistantApi

from .conftest import E2EHomeAssistant, async_wait_for

LIVING = "climate.living_room"


def lines_about_deprecations(instance: E2EHomeAssistant) -> list[str]:
    """Log lines (this run and the one before a restart) naming the integration and a
    deprecation."""
    found = []
    for log in sorted(instance.config_dir.glob("home-assistant.log*")):
        for line in log.read_text(errors="replace").splitlines():
            if "kumo_momit" in line and "deprecat" in line.lower():
                found.append(line)
    return found


async def _entry_loaded(api: HomeAssistantApi, entry_id: str) -> bool:
    entries = await api.config_entries()
    return any(e["entry_id"] == entry_id and e["state"] == "loaded" for e in entries)


async def test_no_deprecation_warning_through_setup_flows_commands_and_restart(
    home_assistant: E2EHomeAssistant,
    api: HomeAssistantApi,
    legacy_account: list[dict[str, Any]],
    comfort_account: list[dict[str, Any]],
    momit_account: list[dict[str, Any]],
) -> None:
    """Both families set up through their flows, options, commands, a restart: no warning."""
    # Options: the settings form as shown, submitted with a refresh from the cloud (entry reloads).
    entry_id = legacy_account[-1]["result"]["entry_id"]
    menu = await api.start_options_flow(entry_id)
    assert menu["type"] == "menu"
    form = await api.options_flow_step(menu["flow_id"], {"next_step_id": "settings"})
    shown = {field["name"]: field.get("default") for field in form["data_schema"]}
    done = await api.options_flow_step(form["flow_id"], {**shown, "refresh_from_cloud": True})
    assert done["type"] == "create_entry"
    await async_wait_for(lambda: _entry_loaded(api, entry_id), bool, "the entry to reload")

    # A command to each family, each put back as it was.
    living = await api.state(LIVING)
    assert living is not None
    await api.call_service("climate", "set_hvac_mode", {"entity_id": LIVING, "hvac_mode": "dry"})
    await api.call_service(
        "climate", "set_hvac_mode", {"entity_id": LIVING, "hvac_mode": living["state"]}
    )
    momit_entry = momit_account[-1]["result"]["entry_id"]
    momit_climate = next(
        e["entity_id"]
        for e in await api.entity_registry()
        if e["config_entry_id"] == momit_entry and e["entity_id"].startswith("climate.")
    )
    await api.call_service(
        "climate", "set_temperature", {"entity_id": momit_climate, "temperature": 22.5}
    )

    await home_assistant.async_restart()
    states = await api.states()
    assert states[LIVING]["state"] != "unavailable"
    assert states[momit_climate]["state"] != "unavailable"
    assert lines_about_deprecations(home_assistant) == []
