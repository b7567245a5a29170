"""Protocol tests for the momit module (no Home Assistant involved)."""
