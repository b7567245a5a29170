"""What differs between the Home Assistant releases we support (2025.4.4 … 2026.11): one place.

Each difference is detected by feature, never by version number, so a release in between (or
a backport) gets what it actually has:

* `vol` — forms are built with probatio since 2026.9 (HA's flow signatures name
  `probatio.Schema`); it has voluptuous's API, and older releases have only voluptuous.
* `RepairsFlowResult` — what a repair flow step returns (2026.x); before, `FlowResult`.
* `with_pre_native_temperature_names` — a climate entity gives its temperatures under the
  `native_*` names HA 2026.11 reads (the old names are `Final` there and deprecated:
  developers.home-assistant.io blog, 2026-10-08, "Climate entities now expose their temperature
  unit"); HA before 2026.11 reads only the old names, so they are added to the class there.
"""

from __future__ import annotations

import operator
from typing import Final

from homeassistant.components.climate import ClimateEntity

try:
    import probatio as vol
except ImportError:  # Home Assistant before 2026.9
    import voluptuous as vol  # type: ignore[no-redef, unused-ignore]

try:
    from homeassistant.components.repairs import (  # type: ignore[attr-defined, unused-ignore]
        RepairsFlowResult,
    )
except ImportError:  # Home Assistant before 2026.x: repair steps return a plain FlowResult
    from homeassistant.data_entry_flow import (  # type: ignore[assignment, unused-ignore]
        FlowResult as RepairsFlowResult,
    )

__all__ = ["RepairsFlowResult", "vol", "with_pre_native_temperature_names"]

# Old name (read by HA before 2026.11) → the native name an entity defines.
_PRE_NATIVE_TEMPERATURE_NAMES: Final = {
    "temperature_unit": "native_temperature_unit",
    "current_temperature": "native_current_temperature",
    "target_temperature": "native_target_temperature",
    "target_temperature_low": "native_target_temperature_low",
    "target_temperature_high": "native_target_temperature_high",
}
CLIMATE_READS_NATIVE_TEMPERATURES: Final = hasattr(ClimateEntity, "native_temperature_unit")


def with_pre_native_temperature_names[C: type[ClimateEntity]](entity_class: C) -> C:
    """Class decorator: on HA before 2026.11, serve each `native_*` temperature the class
    defines under its old name too (on 2026.11 the class is left as it is)."""
    if CLIMATE_READS_NATIVE_TEMPERATURES:
        return entity_class
    for old_name, native_name in _PRE_NATIVE_TEMPERATURE_NAMES.items():
        if hasattr(entity_class, native_name):
            setattr(entity_class, old_name, property(operator.attrgetter(native_name)))
    return entity_class
