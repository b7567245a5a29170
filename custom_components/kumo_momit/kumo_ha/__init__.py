"""Home Assistant glue for Mitsubishi Kumo accounts: set-up, coordinators, entities, flows.

The protocol lives in `..kumo` (imported at package level only); what Home Assistant needs by
module name (`climate.py`, `config_flow.py`, ...) sits one level up and dispatches here.
"""
