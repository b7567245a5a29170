"""Protocol tests for the kumo module (no Home Assistant involved)."""
