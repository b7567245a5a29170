"""Constants of Kumo account entries: entry data, form fields, options, timings."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

# --- entry data and form fields ------------------------------------------------------------
CONF_UNITS: Final = "units"
CONF_ADDRESS: Final = "address"
CONF_UNIT_PASSWORD: Final = "unit_password"  # noqa: S105 - a form field name, not a secret
CONF_CRYPTO_SERIAL: Final = "crypto_serial"
CONF_V3_BASE_URL: Final = "v3_base_url"
CONF_V2_BASE_URL: Final = "v2_base_url"
CONF_V2_CA_BASE_URL: Final = "v2_ca_base_url"
CONF_SOCKET_BASE_URL: Final = "socket_base_url"
# The collapsed form section holding the server URLs (a test server or a proxy).
CONF_CLOUD_SERVERS: Final = "cloud_servers"
# "Finish this unit later" (through its repair issue).
CONF_SKIP: Final = "skip"
# Units whose device the user deleted: kept with their keys, MAC and address, out of sight.
CONF_DELETED_UNITS: Final = "deleted_units"

# --- options -------------------------------------------------------------------------------
CONF_SCAN_INTERVAL: Final = "scan_interval"
CONF_REFRESH_FROM_CLOUD: Final = "refresh_from_cloud"
# Units with keys but no address yet are controlled through the cloud until DHCP finds them.
CONF_CLOUD_FOR_UNADDRESSED: Final = "cloud_for_unaddressed"
DEFAULT_SCAN_INTERVAL: Final = timedelta(seconds=60)
MIN_SCAN_INTERVAL_S: Final = 15
MAX_SCAN_INTERVAL_S: Final = 300
# Serial -> entity id of the Home Assistant temperature sensor the unit regulates on.
CONF_ROOM_SENSORS: Final = "room_sensors"
# Option form fields: which unit, which sensor, which deleted units to forget.
CONF_UNIT: Final = "unit"
CONF_ROOM_SENSOR: Final = "room_sensor"
CONF_FORGET: Final = "forget"

# --- polling and commands ------------------------------------------------------------------
# A unit rides through this many failed polls in a row before its entities go unavailable.
KUMO_TRANSIENT_FAILURES: Final = 1
# A burst of commands ends in one confirming status read this long after the last one.
REFRESH_COOLDOWN_S: Final = 1.5

# --- regulating on a Home Assistant temperature sensor (kumo.md §6.1) ---------------------------
# The adapter wants an injected room temperature again about every 20 s, else it falls back.
ROOM_SENSOR_KEEP_ALIVE: Final = timedelta(seconds=20)
# A sensor that has not reported for this long no longer regulates a room.
ROOM_SENSOR_STALE_AFTER: Final = timedelta(hours=1)
# Changes closer together than this wait: a chatty sensor must not flood the adapter.
ROOM_SENSOR_MIN_GAP: Final = timedelta(seconds=5)
# --- cloud control (units without local keys) -------------------------------------------
# How a unit is reached: the values of the diagnostic "connection" sensor.
CONNECTION_LOCAL: Final = "local"
CONNECTION_CLOUD: Final = "cloud"
# While push is down, units are read through REST one at a time, round robin: at most this
# many reads a minute per account (the cloud allows about 50 requests a minute, kumo.md
# §13.5; commands and sign-ins need room too) and each unit at most once a minute.
CLOUD_READS_PER_MINUTE: Final = 20
CLOUD_UNIT_READ_INTERVAL: Final = timedelta(seconds=60)
# After set-up, push gets this long to bring every unit before REST reads start.
CLOUD_PUSH_GRACE: Final = timedelta(seconds=15)

# hass-kumo's cache of units, in the Home Assistant config folder.
KUMO_CACHE_FILENAME: Final = "kumo_cache.json"
