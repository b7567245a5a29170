"""The legacy ("v2") Kumo Cloud: its login, the only cloud source of LAN addresses (§12).

Best-effort: accounts that existed in the old Kumo app get every unit with password, crypto
serial and address; Comfort-native accounts get HTTP 500 (§12.4). The zone-tree parser also
reads hass-kumo's `kumo_cache.json`, which stores the same layout (§14).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Final

import aiohttp

from ._cloud_http import KumoCloudOptions, cloud_failure, cloud_request
from ._session import session_for_call
from ._values import (
    clean_crypto_serial,
    clean_label,
    clean_password,
    clean_text,
    normalize_address,
    normalize_mac,
)
from .errors import KumoCloudAuthError, KumoCloudError
from .records import FieldSource, FieldSources, KumoUnitKind, KumoUnitRecord, merge_unit_record

DEFAULT_V2_BASE_URL: Final = "https://geo-c.kumocloud.com"
DEFAULT_V2_CANADA_BASE_URL: Final = "https://mesca-prod.kumocloud.com"
V2_LOGIN_PATH: Final = "/login"
V2_CANADA_LOGIN_PATH: Final = "/login/v2"  # §12.1, pykumo #62
V2_APP_VERSION: Final = "2.2.0"  # §12.1


def _parse_v2_unit(
    key: object,
    entry: object,
    *,
    site_name: str | None,
    group_name: str | None,
    source: FieldSource,
) -> KumoUnitRecord | None:
    """One `zoneTable` entry (§12.2 / §14). Unusable values become None, never guesses."""
    if not isinstance(entry, Mapping):
        return None
    serial = clean_text(entry.get("serial")) or clean_text(key)
    if serial is None:
        return None
    unit_type = clean_text(entry.get("unitType"))
    record = KumoUnitRecord(
        serial=serial,
        name=clean_label(entry.get("label")),
        kind=KumoUnitKind.STATION if unit_type == "headless" else KumoUnitKind.INDOOR_UNIT,
        mac=normalize_mac(entry.get("mac")),
        # `address` is sometimes missing (hass-kumo #109); `port` (always "80" in examples) is
        # not combined with it, as pykumo does not either (§2.1).
        address=normalize_address(entry.get("address")),
        password_b64=clean_password(entry.get("password")),
        crypto_serial_hex=clean_crypto_serial(entry.get("cryptoSerial")),
        firmware=clean_label(entry.get("firmwareVersion")),
        site_name=site_name,
        group_name=group_name,
    )
    sources = FieldSources.every(source, record)
    if unit_type is None:
        sources = replace(sources, kind=None)
    return replace(record, sources=sources)


def parse_v2_zone_tree(root: object, *, source: FieldSource) -> tuple[KumoUnitRecord, ...]:
    """Every unit in a v2 zone tree (`data[2]` of a v2 login, or of a kumo_cache.json).

    Root = account (level 1), its children = sites (level 2), anything deeper = groups; each
    node may have its own `zoneTable`. pykumo reads only levels 2 and 3; kumojs recurses to any
    depth (§12.2), and so do we. Iterative, so a hostile file cannot exhaust the stack.
    """
    units: dict[str, KumoUnitRecord] = {}
    stack: list[tuple[object, int, str | None, str | None]] = [(root, 0, None, None)]
    while stack:
        node, depth, site_name, group_name = stack.pop()
        if not isinstance(node, Mapping):
            continue
        label = clean_label(node.get("label"))
        if depth == 1:
            site_name = label
        elif depth >= 2 and label is not None:
            group_name = label  # the nearest named group
        table = node.get("zoneTable")
        if isinstance(table, Mapping):
            for key, entry in table.items():
                record = _parse_v2_unit(
                    key, entry, site_name=site_name, group_name=group_name, source=source
                )
                if record is not None:
                    previous = units.get(record.serial)
                    units[record.serial] = (
                        record if previous is None else merge_unit_record(previous, record)
                    )
        children = node.get("children")
        if isinstance(children, list):
            # Reversed, so units come out in document order.
            stack.extend((child, depth + 1, site_name, group_name) for child in reversed(children))
    return tuple(units.values())


def parse_v2_login(data: object) -> tuple[KumoUnitRecord, ...]:
    """The units of a v2 login reply: `[account, preferences, zone tree, "no device token"]`."""
    if data is None:
        # §12.4: a wrong password is answered `200 null`.
        raise KumoCloudAuthError("The Kumo Cloud legacy login rejected the username or password")
    if not isinstance(data, list) or len(data) < 3 or not isinstance(data[2], Mapping):
        raise KumoCloudError("The Kumo Cloud legacy login reply has an unexpected shape")
    return parse_v2_zone_tree(data[2], source=FieldSource.CLOUD_V2)


async def async_v2_login(
    session: aiohttp.ClientSession | None,
    username: str,
    password: str,
    *,
    base_url: str = DEFAULT_V2_BASE_URL,
    path: str = V2_LOGIN_PATH,
    options: KumoCloudOptions | None = None,
) -> tuple[KumoUnitRecord, ...]:
    """`POST /login` on the legacy host (or `/login/v2` on the Canadian one), §12.1.

    Returns every unit of the zone tree with whatever secrets and addresses it carries.
    Comfort-native accounts get HTTP 500 (`KumoCloudConnectionError`), wrong passwords
    `200 null` (`KumoCloudAuthError`), §12.4. `session` None: a session for this call only.
    """
    async with session_for_call(session) as http:
        reply = await cloud_request(
            http,
            "POST",
            base_url.rstrip("/") + path,
            headers={
                "Accept": "application/json, text/plain, */*",
                "Accept-Language": "en-US,en",
                # Some accounts needed these (hass-kumo #14, §12.1).
                "Origin": "https://app.kumocloud.com",
                "Referer": "https://app.kumocloud.com/",
            },
            options=options or KumoCloudOptions(),
            json_body={"username": username, "password": password, "appVersion": V2_APP_VERSION},
        )
    if reply.status != 200:
        raise cloud_failure(reply, "Kumo Cloud legacy login")
    if not reply.is_json:
        raise KumoCloudError("The Kumo Cloud legacy login reply is not JSON")
    return parse_v2_login(reply.data)
