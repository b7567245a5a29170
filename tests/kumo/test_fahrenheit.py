"""°F setpoints follow the Kumo app's own table (spec §8.3)."""

from __future__ import annotations

import pytest

from custom_components.kumo_momit.kumo import (
    celsius_setpoint_to_fahrenheit,
    fahrenheit_setpoint_to_celsius,
)


@pytest.mark.parametrize(
    ("fahrenheit", "celsius"),
    [(61, 16.0), (66, 18.5), (67, 19.5), (68, 20.0), (69, 21.0), (72, 22.5), (80, 26.5)],
)
def test_table_values(fahrenheit: int, celsius: float) -> None:
    assert fahrenheit_setpoint_to_celsius(fahrenheit) == celsius
    assert celsius_setpoint_to_fahrenheit(celsius) == fahrenheit


def test_every_whole_fahrenheit_reads_back_the_same() -> None:
    """A setpoint entered in °F is shown as the same °F: no drift through °C."""
    for fahrenheit in range(50, 91):
        assert (
            celsius_setpoint_to_fahrenheit(fahrenheit_setpoint_to_celsius(fahrenheit)) == fahrenheit
        )


def test_values_the_table_skips_and_outside_it() -> None:
    """19.0 and 20.5 °C show as the app shows them; outside the table, plain rounding."""
    assert celsius_setpoint_to_fahrenheit(19.0) == 67
    assert celsius_setpoint_to_fahrenheit(20.5) == 69
    assert fahrenheit_setpoint_to_celsius(86) == 30.0
    assert fahrenheit_setpoint_to_celsius(72.4) == 22.5
    assert celsius_setpoint_to_fahrenheit(30.0) == 86
    assert celsius_setpoint_to_fahrenheit(22.3) == 72
