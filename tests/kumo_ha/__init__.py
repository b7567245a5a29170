"""Tests of the Kumo glue (custom_components/kumo_momit/kumo_ha/), in Home Assistant."""
