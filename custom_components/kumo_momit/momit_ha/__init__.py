"""Home Assistant glue for Momit Cool gateways: set-up, coordinator, entities, flows.

The protocol lives in `..momit` (imported at package level only); what Home Assistant needs by
module name (`climate.py`, `config_flow.py`, ...) sits one level up and dispatches here.
"""
