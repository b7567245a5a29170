"""Tests for the kumo_momit integration, its protocol modules and simulators."""
