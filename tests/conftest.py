"""Shared pytest configuration.

Importing the integration package first matters: Home Assistant's loader otherwise binds the
name `custom_components` to the test plugin's bundled testing config, and ours is "not found".
"""

from __future__ import annotations

import custom_components.kumo_momit  # noqa: F401
