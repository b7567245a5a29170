"""Fahrenheit setpoints the way the Kumo / Comfort app maps them (spec §8.3).

The app converts with a lookup table, and a °C setpoint that is not in its table shows as `--`
in the app (pykumo #15). Converting °F setpoints through the same table keeps the app and
Home Assistant showing the same numbers. Display conversion is the inverse of that table, so
a setpoint entered in °F reads back as the same °F.
"""

from __future__ import annotations

import math
from typing import Final

# 61-80 °F -> °C, as the app (and hass-kumo) map them (§8.3, [C]).
_F_TO_C: Final[dict[int, float]] = {
    61: 16.0, 62: 16.5, 63: 17.0, 64: 17.5, 65: 18.0, 66: 18.5, 67: 19.5, 68: 20.0,
    69: 21.0, 70: 21.5, 71: 22.0, 72: 22.5, 73: 23.0, 74: 23.5, 75: 24.0, 76: 24.5,
    77: 25.0, 78: 25.5, 79: 26.0, 80: 26.5,
}  # fmt: skip
# The inverse, plus the two °C values the table skips (19.0 -> 67, 20.5 -> 69 in hass-kumo).
_C_TO_F: Final[dict[float, int]] = {c: f for f, c in _F_TO_C.items()} | {19.0: 67, 20.5: 69}


def _round_half(value: float) -> float:
    return math.floor(value * 2 + 0.5) / 2


def fahrenheit_setpoint_to_celsius(fahrenheit: float) -> float:
    """°F setpoint -> the °C value the app would send (0.5 °C steps)."""
    whole = round(fahrenheit)
    if whole == fahrenheit and whole in _F_TO_C:
        return _F_TO_C[whole]
    return _round_half((fahrenheit - 32) * 5 / 9)


def celsius_setpoint_to_fahrenheit(celsius: float) -> int:
    """°C setpoint -> the whole °F the app shows for it."""
    key = _round_half(celsius)
    if key == celsius and key in _C_TO_F:
        return _C_TO_F[key]
    return round(celsius * 9 / 5 + 32)
