"""The Kumo options flow: settings, a room sensor per unit, and the units' keys.

A menu: poll interval, cloud control of units with keys but no address yet, and a cloud refresh
of the unit list; the Home Assistant sensor a unit regulates on; export every unit's keys to a
`kumo_cache.json`; import one; purge the kept keys of deleted units.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.helpers.selector import (
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
)

from ..compat import vol
from ..const import FAMILY_KUMO
from ..data import DataChange, async_family_entries, async_update_entry
from ..kumo import KumoUnitKind, KumoUnitRecord
from .const import (
    CONF_CLOUD_FOR_UNADDRESSED,
    CONF_FORGET,
    CONF_REFRESH_FROM_CLOUD,
    CONF_ROOM_SENSOR,
    CONF_ROOM_SENSORS,
    CONF_SCAN_INTERVAL,
    CONF_UNIT,
    DEFAULT_SCAN_INTERVAL,
    MAX_SCAN_INTERVAL_S,
    MIN_SCAN_INTERVAL_S,
)
from .data import cloud_units_change, deleted_units, stored_units, units_change
from .flow_helpers import (
    async_discover,
    async_sign_in_minutes,
    endpoints_from,
    kumo_cache_path,
    read_kumo_cache,
)
from .keys import (
    CacheImport,
    async_forget_units,
    plan_cache_import,
    write_kumo_cache,
)
from .room_sensor import room_sensor_error, room_sensor_of


class KumoOptionsFlow(OptionsFlow):
    """Settings, room sensors, and keys (export, import, purge)."""

    def __init__(self) -> None:
        """Nothing chosen yet."""
        self._serial = ""
        self._cached: tuple[KumoUnitRecord, ...] | None = None

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """What to change."""
        return self.async_show_menu(
            step_id="init",
            menu_options=["settings", "room_sensor", "export_keys", "import_keys", "forget_units"],
        )

    # --- settings ----------------------------------------------------------------------------

    async def async_step_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Poll interval; refreshing runs the cloud discovery with the stored account."""
        entry = self.config_entry
        errors: dict[str, str] = {}
        if user_input is not None:
            options = {
                CONF_SCAN_INTERVAL: int(user_input[CONF_SCAN_INTERVAL]),
                CONF_CLOUD_FOR_UNADDRESSED: bool(user_input.get(CONF_CLOUD_FOR_UNADDRESSED)),
            }
            cloud_change: DataChange | None = None
            if user_input.get(CONF_REFRESH_FROM_CLOUD):
                known = stored_units(entry.data)
                units, error = await async_discover(
                    self.hass,
                    entry.data[CONF_USERNAME],
                    entry.data[CONF_PASSWORD],
                    endpoints_from(entry.data),
                    known,
                )
                if error == "invalid_auth":
                    entry.async_start_reauth(self.hass)
                if error is not None:
                    errors["base"] = error
                # A unit whose device was deleted earlier comes back with its kept keys.
                cloud_change = cloud_units_change(units, {unit.serial for unit in known})
            if not errors:
                # Saved through the one write path; the flow's result repeats what was saved.
                async_update_entry(self.hass, entry, data=cloud_change, options=options)
                return self.async_create_entry(data=dict(entry.options))
        current = entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL.total_seconds())
        return self.async_show_form(
            step_id="settings",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_SCAN_INTERVAL, default=current): NumberSelector(
                        NumberSelectorConfig(
                            min=MIN_SCAN_INTERVAL_S,
                            max=MAX_SCAN_INTERVAL_S,
                            step=1,
                            unit_of_measurement="s",
                            mode=NumberSelectorMode.BOX,
                        )
                    ),
                    vol.Optional(
                        CONF_CLOUD_FOR_UNADDRESSED,
                        default=entry.options.get(CONF_CLOUD_FOR_UNADDRESSED, False),
                    ): bool,
                    vol.Optional(CONF_REFRESH_FROM_CLOUD, default=False): bool,
                }
            ),
            errors=errors,
            description_placeholders={
                "minutes": async_sign_in_minutes(self.hass, entry.data[CONF_USERNAME])
            },
        )

    # --- room sensors ------------------------------------------------------------------------

    def _local_indoor_units(self) -> list[KumoUnitRecord]:
        """Units controlled over the LAN: injection is a local API (kumo.md §6.1)."""
        return [
            unit
            for unit in stored_units(self.config_entry.data)
            if unit.kind is KumoUnitKind.INDOOR_UNIT and unit.is_complete
        ]

    async def async_step_room_sensor(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Which unit's sensor to choose."""
        units = self._local_indoor_units()
        if not units:
            return self.async_abort(reason="no_local_units")
        if user_input is not None:
            self._serial = user_input[CONF_UNIT]
            return await self.async_step_room_sensor_unit()
        choices = [SelectOptionDict(value=unit.serial, label=unit.display_name) for unit in units]
        return self.async_show_form(
            step_id="room_sensor",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_UNIT, default=units[0].serial): SelectSelector(
                        SelectSelectorConfig(options=choices)
                    )
                }
            ),
        )

    async def async_step_room_sensor_unit(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The sensor one unit regulates on; empty: the unit's own sensor."""
        entry = self.config_entry
        unit = next(u for u in self._local_indoor_units() if u.serial == self._serial)
        errors: dict[str, str] = {}
        if user_input is not None:
            sensor = user_input.get(CONF_ROOM_SENSOR) or None
            error = None if sensor is None else room_sensor_error(self.hass, sensor, unit.serial)
            if error is None:
                sensors = dict(entry.options.get(CONF_ROOM_SENSORS, {}))
                sensors.pop(unit.serial, None)
                sensors |= {unit.serial: sensor} if sensor else {}
                async_update_entry(self.hass, entry, options={CONF_ROOM_SENSORS: sensors})
                return self.async_create_entry(data=dict(entry.options))
            errors["base"] = error
        current = room_sensor_of(entry, unit.serial)
        return self.async_show_form(
            step_id="room_sensor_unit",
            data_schema=vol.Schema(
                {
                    vol.Optional(
                        CONF_ROOM_SENSOR, description={"suggested_value": current}
                    ): EntitySelector(
                        EntitySelectorConfig(domain="sensor", device_class="temperature")
                    )
                }
            ),
            errors=errors,
            description_placeholders={"name": unit.display_name},
        )

    # --- keys --------------------------------------------------------------------------------

    async def async_step_export_keys(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Write every unit's keys, deleted units' too, to `<config>/kumo_cache.json`."""
        path = str(kumo_cache_path(self.hass))
        if user_input is None:
            return self.async_show_form(
                step_id="export_keys", description_placeholders={"path": path}
            )
        data = self.config_entry.data
        units = [*stored_units(data), *deleted_units(data)]
        error = write_kumo_cache(self.hass, units)
        if error is not None:
            return self.async_abort(reason=error, description_placeholders={"path": path})
        return self.async_abort(
            reason="keys_exported",
            description_placeholders={
                "path": path,
                "count": str(sum(unit.has_secrets for unit in units)),
            },
        )

    async def async_step_import_keys(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Read `<config>/kumo_cache.json` back: show what it changes, then do it."""
        if user_input is not None and self._cached is not None:
            # Planned again over the entry as it is now (DHCP may have moved a unit meanwhile).
            plan = self._plan_import(self._cached)
            async_update_entry(
                self.hass, self.config_entry, data=units_change(plan.units, deleted=plan.deleted)
            )
            return self.async_abort(reason="keys_imported")
        cached = read_kumo_cache(self.hass)
        if isinstance(cached, str):
            return self.async_abort(reason=cached)
        plan = self._plan_import(cached)
        if not plan.changes:
            return self.async_abort(reason="nothing_to_import")
        self._cached = cached
        return self.async_show_form(
            step_id="import_keys",
            description_placeholders={
                "restored": ", ".join(plan.restored) or "-",
                "completed": ", ".join(plan.completed) or "-",
                "added": ", ".join(plan.added) or "-",
            },
        )

    def _plan_import(self, cached: Iterable[KumoUnitRecord]) -> CacheImport:
        """What importing `cached` into this entry does; another Kumo entry's units are left."""
        entry = self.config_entry
        others = [e for e in async_family_entries(self.hass, FAMILY_KUMO) if e is not entry]
        elsewhere = {
            unit.serial
            for other in others
            for unit in (*stored_units(other.data), *deleted_units(other.data))
        }
        return plan_cache_import(
            stored_units(entry.data), deleted_units(entry.data), cached, elsewhere=elsewhere
        )

    async def async_step_forget_units(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Purge the kept keys of deleted units, for good."""
        entry = self.config_entry
        deleted = deleted_units(entry.data)
        if not deleted:
            return self.async_abort(reason="no_deleted_units")
        errors: dict[str, str] = {}
        if user_input is not None:
            chosen = set(user_input.get(CONF_FORGET, []))
            if chosen:
                async_forget_units(self.hass, entry, chosen)
                return self.async_abort(reason="units_forgotten")
            errors["base"] = "nothing_chosen"
        choices = [SelectOptionDict(value=unit.serial, label=unit.display_name) for unit in deleted]
        return self.async_show_form(
            step_id="forget_units",
            data_schema=vol.Schema(
                {
                    vol.Optional(CONF_FORGET, default=[]): SelectSelector(
                        SelectSelectorConfig(options=choices, multiple=True)
                    )
                }
            ),
            errors=errors,
        )
