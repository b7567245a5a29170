"""Home Assistant tests of the integration, against the simulators over loopback."""
