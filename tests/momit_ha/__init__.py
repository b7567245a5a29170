"""Tests of the Momit glue (custom_components/kumo_momit/momit_ha/), in Home Assistant."""
