"""Unit definitions shared by the Kumo unit simulator and the Kumo Cloud simulator.

One `KumoUnitDefinition` describes a simulated adapter: its identity (serial, label, MAC),
its local secrets, and the capabilities its profile reports. The unit simulator serves the
local API from it; the cloud simulator publishes the same serials, names, MACs and secrets,
so every test and the demo see one consistent world.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
import hashlib
from typing import Literal

UnitKind = Literal["indoor", "station"]


def _secret_bytes(seed: str, label: str, size: int) -> bytes:
    """Deterministic pseudo-secret bytes, so runs are reproducible."""
    out = b""
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}/{label}/{counter}".encode()).digest()
        counter += 1
    return out[:size]


def make_password_b64(seed: str) -> str:
    """A 30-byte password, base64 (40 chars): the reported shape of real unit passwords."""
    return base64.b64encode(_secret_bytes(seed, "password", 30)).decode("ascii")


def make_crypto_serial_hex(seed: str) -> str:
    """A 9-byte crypto serial in hex (18 chars): the reported shape of real ones."""
    return _secret_bytes(seed, "crypto", 9).hex()


@dataclass(frozen=True, kw_only=True)
class KumoUnitDefinition:
    """What one simulated Kumo adapter is and can do."""

    serial: str
    label: str
    mac: str
    password_b64: str
    crypto_serial_hex: str
    kind: UnitKind = "indoor"
    # Capability profile (indoorUnit.profile), see kumo.md §6.2.
    number_of_fan_speeds: int = 5
    has_fan_speed_auto: bool = True
    has_vane_dir: bool = True
    has_vane_swing: bool = True
    has_mode_dry: bool = True
    has_mode_heat: bool = True
    has_mode_vent: bool = True
    has_mode_auto: bool = True
    extended_temps: bool = False
    uses_setpoint_in_dry_mode: bool = True
    minimum_setpoints: dict[str, float] = field(
        default_factory=lambda: {"cool": 16.0, "heat": 10.0, "auto": 16.0}
    )
    maximum_setpoints: dict[str, float] = field(
        default_factory=lambda: {"cool": 31.0, "heat": 31.0, "auto": 31.0}
    )
    # adapter.status flags, see kumo.md §6.3.
    auto_mode_prevention: bool = False
    user_has_mode_dry: bool = True
    user_has_mode_heat: bool = True
    wifi_rssi_dbm: int = -52
    # Optional hardware.
    wireless_sensor: bool = False
    mhk2: bool = False
    # Kumo Station outdoor air temperature (eqc.oat), °C.
    outdoor_temperature_c: float = 7.5
    # Cloud-side metadata.
    model_number: str | None = None
    firmware_version: str = "02.06.12"
    site_name: str = "Home"
    group_name: str | None = None


def demo_units() -> list[KumoUnitDefinition]:
    """The demo account: two indoor units with different profiles and a Kumo Station."""
    return [
        KumoUnitDefinition(
            serial="0Y34P008Q100142F",
            label="Living Room",
            mac="50:26:ef:12:34:01",
            password_b64=make_password_b64("living-room"),
            crypto_serial_hex=make_crypto_serial_hex("living-room"),
            number_of_fan_speeds=5,
            has_vane_dir=True,
            has_vane_swing=True,
            wireless_sensor=True,
            model_number="MSZ-FS12NA",
        ),
        KumoUnitDefinition(
            serial="0Y34P008Q100277B",
            label="Bedroom",
            mac="50:26:ef:12:34:02",
            password_b64=make_password_b64("bedroom"),
            crypto_serial_hex=make_crypto_serial_hex("bedroom"),
            number_of_fan_speeds=3,
            has_vane_dir=False,
            has_vane_swing=False,
            has_mode_auto=False,
            auto_mode_prevention=True,
            minimum_setpoints={"cool": 19.0, "heat": 10.0},
            maximum_setpoints={"cool": 30.0, "heat": 28.0},
            model_number="SEZ-KD09NA",
        ),
        KumoUnitDefinition(
            serial="2A31K009S100318C",
            label="Kumo Station",
            mac="04:c4:61:12:34:03",
            password_b64=make_password_b64("station"),
            crypto_serial_hex=make_crypto_serial_hex("station"),
            kind="station",
            has_vane_dir=False,
            has_vane_swing=False,
            model_number="PAC-WHS01HC-E",
        ),
    ]
