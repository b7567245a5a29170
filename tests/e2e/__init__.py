"""End-to-end tests: real Home Assistant in a subprocess, the simulators, and HTTP only."""
