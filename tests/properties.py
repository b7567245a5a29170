"""Hypothesis settings shared by the property tests of both protocol libraries.

In the suite each family has a fixed set of examples per parser (derandomized, no example
database), so every run checks the same inputs. Outside CI, `HYPOTHESIS_PROFILE=<family>-fuzz`
draws 1,000 fresh examples per parser (counts recorded in bench/README.md).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_QUIET = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]


def property_settings(family: str, *, ci_examples: int) -> settings:
    """The settings of `family`'s property tests: `<family>-ci` unless the environment picks
    `<family>-fuzz` (used as a decorator)."""
    settings.register_profile(
        f"{family}-ci",
        max_examples=ci_examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=_QUIET,
    )
    settings.register_profile(
        f"{family}-fuzz",
        max_examples=1000,
        database=None,
        deadline=None,
        suppress_health_check=_QUIET,
    )
    chosen = os.environ.get("HYPOTHESIS_PROFILE", "")
    return settings.get_profile(chosen if chosen.startswith(f"{family}-") else f"{family}-ci")
