"""Mitsubishi Kumo & Momit Cool (local) integration."""
