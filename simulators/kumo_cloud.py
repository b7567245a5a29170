"""Kumo Cloud simulator: the v3 Comfort-app REST API and the v2 legacy login, on loopback.

It publishes the same `KumoUnitDefinition`s the unit simulator serves, so serials, names, MACs
and secrets agree between the two. Spec references are to `kumo.md` (§12 v2, §13 v3).

What a test can switch at runtime (attributes and methods of `KumoCloudSimulator`):

* `account` — which kind of account the credentials belong to (`CloudAccountKind`):
  a legacy account (v2 login returns secrets and addresses), a Comfort-native account (v2
  answers 500 for the right password, §12.4), a legacy-only account (v3 refuses it), a Canadian
  account (v3 login answers 500, `/login/v2` on the Canadian host works, §12.1).
* `status_has_crypto_serial` — `/v3/devices/{serial}/status` in its 2025 form (with
  `cryptoSerial`) instead of the 2026 form (with `mac`), §13.4.
* `zone_adapter_has_mac` — zone adapters carry `macAddress` (pykumo reads it, §13.3).
* `profile_as_list` — `/profile` answers a one-element list instead of an object (§13.4).
* `throttle_logins` — `/v3/login` answers `{"error":"usernameOrPasswordIncorrect"}` (its answer
  to a wrong password) even for valid credentials, as the real cloud reportedly does for
  15-30 min after a burst of logins (§13.2).
* `server_error` — every endpoint answers 503.
* `rate_limit` — requests per 60 s window before 429 (the real limit is about 50, §13.5).
* `access_token_max_uses` — an access token expires (401) after this many authorized requests.
* `expire_access_tokens()` / `expire_refresh_tokens()` — server-side expiry of issued tokens.
* `device_errors` — serial → HTTP status its `/v3/devices/{serial}[/…]` endpoints answer.

`counts` counts requests per endpoint, keyed `"<METHOD> <route>"`, e.g.
`"GET /v3/devices/{serial}/status"`; `count(...)` reads it.

Run `python -m simulators.kumo_cloud` to serve the demo account on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping
import contextlib
from enum import StrEnum
import hashlib
import hmac
import json
import time
from typing import Any, Final
import uuid

from aiohttp import web

from simulators.kumo_units import KumoUnitDefinition, demo_units

DEMO_USERNAME: Final = "demo@example.com"
DEMO_PASSWORD: Final = "demo-cloud-password"

# A simulator signs its JWTs with a fixed dummy key: clients must not verify them anyway.
_JWT_KEY: Final = b"kumo-cloud-simulator-not-a-secret"
_ACCESS_LIFETIME_S: Final = 20 * 60  # §13.2: access about 20 min
_REFRESH_LIFETIME_S: Final = 30 * 24 * 3600  # §13.2: refresh about 30 days
_RATE_WINDOW_S: Final = 60.0
_NAMESPACE: Final = uuid.UUID("6f1c1a52-4a0e-4c57-9d6c-2b1f0e6a9a11")
_TIMESTAMP: Final = "2026-09-01T12:00:00.000Z"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class CloudAccountKind(StrEnum):
    """Which cloud history the simulated account has (kumo.md §12.4, §13.6)."""

    # Created in the old Kumo app: v3 works, and v2 login still returns password + cryptoSerial.
    LEGACY = "legacy"
    # Created in the Comfort app: v3 layout only; v2 answers 500 for the right password.
    COMFORT_NATIVE = "comfort_native"
    # Only the v2 legacy cloud knows it: v3 refuses the credentials.
    LEGACY_ONLY = "legacy_only"
    # Canadian account: v3 login answers 500, the Canadian host's `/login/v2` works.
    CANADIAN = "canadian"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_jwt(claims: Mapping[str, Any]) -> str:
    """An HS256 JWT with a dummy key: real-shaped, with a real `exp` claim."""
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64url(json.dumps(dict(claims), separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode("ascii")
    signature = _b64url(hmac.new(_JWT_KEY, signing_input, hashlib.sha256).digest())
    return f"{header}.{payload}.{signature}"


def _stable_id(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def _indoor_serial(unit: KumoUnitDefinition) -> str:
    """The indoor unit's own serial number (not the adapter serial), §1.1."""
    return hashlib.sha256(unit.serial.encode()).hexdigest()[:8].upper() + "IU"


class KumoCloudSimulator:
    """A loopback aiohttp server speaking the Kumo Cloud v3 API and the v2 legacy login."""

    def __init__(
        self,
        units: Iterable[KumoUnitDefinition] | None = None,
        *,
        addresses: Mapping[str, str] | None = None,
        username: str = DEMO_USERNAME,
        password: str = DEMO_PASSWORD,
        account: CloudAccountKind = CloudAccountKind.LEGACY,
    ) -> None:
        """Serve `units` (default: the demo account).

        `addresses` maps serial → "host:port" of the unit simulator; the v2 login publishes it
        as the unit's `address`. Units without an entry get no `address` key, as real replies
        sometimes do (hass-kumo #109).
        """
        self.units: list[KumoUnitDefinition] = list(demo_units() if units is None else units)
        self.addresses: dict[str, str] = dict(addresses or {})
        self.username = username
        self.password = password
        self.account = account
        self.status_has_crypto_serial = False
        self.zone_adapter_has_mac = False
        self.profile_as_list = False
        self.throttle_logins = False
        self.server_error = False
        self.rate_limit = 50
        self.access_token_max_uses: int | None = None
        self.device_errors: dict[str, int] = {}
        self.counts: Counter[str] = Counter()
        self._account_id = _stable_id("account", username)
        self._access: dict[str, int] = {}  # live access token → authorized uses so far
        self._refresh: set[str] = set()
        self._token_serial = 0
        self._window_start = time.monotonic()
        self._window_requests = 0
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>` once started; serves v3, v2 and the Canadian path."""
        if self._base_url is None:
            raise RuntimeError("simulator not started")
        return self._base_url

    async def start(self, port: int = 0) -> str:
        """Listen on 127.0.0.1 (an ephemeral port by default) and return the base URL."""
        app = web.Application(middlewares=[self._middleware])
        app.router.add_post("/v3/login", self._v3_login)
        app.router.add_post("/v3/refresh", self._v3_refresh)
        app.router.add_get("/v3/sites", self._v3_sites)
        app.router.add_get("/v3/sites/", self._v3_sites)
        app.router.add_get("/v3/sites/{site_id}/zones", self._v3_zones)
        app.router.add_get("/v3/devices/{serial}", self._v3_device)
        app.router.add_get("/v3/devices/{serial}/status", self._v3_status)
        app.router.add_get("/v3/devices/{serial}/profile", self._v3_profile)
        app.router.add_post("/login", self._v2_login_legacy)
        app.router.add_post("/login/v2", self._v2_login_canada)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        host, bound_port = self._runner.addresses[0][:2]
        self._base_url = f"http://{host}:{bound_port}"
        return self._base_url

    async def close(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> KumoCloudSimulator:
        """Start on an ephemeral port."""
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop serving."""
        await self.close()

    # ------------------------------------------------------------------ test controls

    def count(self, method: str, route: str) -> int:
        """Requests served for one endpoint, e.g. `count("POST", "/v3/login")`."""
        return self.counts[f"{method} {route}"]

    @property
    def total_requests(self) -> int:
        """Every request received, whatever the answer."""
        return sum(self.counts.values())

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is answered 401 from now on."""
        self._access.clear()

    def expire_refresh_tokens(self) -> None:
        """Every refresh token issued so far is refused from now on."""
        self._refresh.clear()

    def reset_counts(self) -> None:
        """Forget request counts and the rate-limit window."""
        self.counts.clear()
        self._window_requests = 0
        self._window_start = time.monotonic()

    # ------------------------------------------------------------------ plumbing

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        route = request.match_info.route.resource
        key = route.canonical if route is not None else request.path
        self.counts[f"{request.method} {key}"] += 1
        now = time.monotonic()
        if now - self._window_start >= _RATE_WINDOW_S:
            self._window_start = now
            self._window_requests = 0
        self._window_requests += 1
        remaining = max(0, self.rate_limit - self._window_requests)
        headers = {
            "x-ratelimit-limit": str(self.rate_limit),
            "x-ratelimit-remaining": str(remaining),
            "x-ratelimit-reset": str(int(_RATE_WINDOW_S - (now - self._window_start))),
        }
        if self._window_requests > self.rate_limit:
            return web.json_response({"error": "tooManyRequests"}, status=429, headers=headers)
        if self.server_error:
            return web.Response(status=503, text="Service Unavailable", headers=headers)
        response = await handler(request)
        response.headers.update(headers)
        return response

    def _issue_tokens(self) -> dict[str, str]:
        self._token_serial += 1
        now = int(time.time())
        common = {"id": self._account_id, "iat": now, "jti": str(self._token_serial)}
        access = make_jwt({**common, "type": "access", "exp": now + _ACCESS_LIFETIME_S})
        refresh = make_jwt({**common, "type": "refresh", "exp": now + _REFRESH_LIFETIME_S})
        self._access[access] = 0
        self._refresh.add(refresh)
        return {"access": access, "refresh": refresh}

    @staticmethod
    def _bearer(request: web.Request) -> str | None:
        value = request.headers.get("Authorization", "")
        return value[7:] if value.startswith("Bearer ") else None

    def _authorize(self, request: web.Request) -> web.Response | None:
        """None when the bearer access token is valid; else the 401 reply."""
        token = self._bearer(request)
        if token is None or token not in self._access:
            return web.json_response({"error": "unauthorized"}, status=401)
        self._access[token] += 1
        if self.access_token_max_uses is not None and (
            self._access[token] > self.access_token_max_uses
        ):
            del self._access[token]
            return web.json_response({"error": "unauthorized"}, status=401)
        return None

    def _credentials_match(self, body: object) -> bool:
        return (
            isinstance(body, dict)
            and body.get("username") == self.username
            and body.get("password") == self.password
        )

    @staticmethod
    async def _json_body(request: web.Request) -> object:
        try:
            return await request.json()
        except ValueError:
            return None

    def _unit(self, serial: str) -> KumoUnitDefinition | None:
        return next((unit for unit in self.units if unit.serial == serial), None)

    def _device_request(
        self, request: web.Request
    ) -> tuple[KumoUnitDefinition | None, web.Response | None]:
        """The unit a `/v3/devices/{serial}` request is about, or the error reply to send."""
        if (denied := self._authorize(request)) is not None:
            return None, denied
        serial = request.match_info["serial"]
        if (status := self.device_errors.get(serial)) is not None:
            return None, web.json_response({"error": "simulatedFailure"}, status=status)
        unit = self._unit(serial)
        if unit is None:
            return None, web.json_response({"error": "deviceNotFound"}, status=404)
        return unit, None

    def _sites(self) -> dict[str, list[KumoUnitDefinition]]:
        sites: dict[str, list[KumoUnitDefinition]] = {}
        for unit in self.units:
            sites.setdefault(unit.site_name, []).append(unit)
        return sites

    # ------------------------------------------------------------------ v3 (§13)

    async def _v3_login(self, request: web.Request) -> web.Response:
        body = await self._json_body(request)
        has_version = "x-app-version" in request.headers or (
            isinstance(body, dict) and "appVersion" in body
        )
        if not has_version:
            return web.json_response({"error": "appVersionRequired"}, status=400)
        if self.account is CloudAccountKind.CANADIAN:
            # §12.1/§13.2: Canadian accounts get HTTP 500 from the v3 login.
            return web.json_response({"error": "internalServerError"}, status=500)
        if self.account is CloudAccountKind.LEGACY_ONLY:
            # §13.2: v3 refuses an account it does not know with 403; the exact body is unknown.
            return web.json_response({"message": "Forbidden"}, status=403)
        if self.throttle_logins or not self._credentials_match(body):
            # §13.2: the answer to a wrong email or password, and reportedly to the right ones
            # during a throttling burst.
            return web.json_response({"error": "usernameOrPasswordIncorrect"}, status=403)
        return web.json_response(
            {
                "id": self._account_id,
                "username": self.username,
                "email": self.username,
                "firstName": "Demo",
                "lastName": "User",
                "phone": None,
                "isPersonalAccount": True,
                "isEmailVerified": True,
                "isPoliciesAccepted": True,
                "preferences": {"language": "en", "temperatureUnit": "C"},
                "company": None,
                "isSalesforceIntegrated": False,
                "token": self._issue_tokens(),
            }
        )

    async def _v3_refresh(self, request: web.Request) -> web.Response:
        body = await self._json_body(request)
        token = self._bearer(request)
        if isinstance(body, dict) and isinstance(body.get("refresh"), str):
            token = body["refresh"]
        if token is None or token not in self._refresh:
            return web.json_response({"error": "unauthorized"}, status=401)
        # §13.2: the old refresh token stops working once used.
        self._refresh.discard(token)
        return web.json_response(self._issue_tokens())

    async def _v3_sites(self, request: web.Request) -> web.Response:
        if (denied := self._authorize(request)) is not None:
            return denied
        return web.json_response(
            [
                {
                    "id": _stable_id("site", name),
                    "name": name,
                    "isActive": True,
                    "createdAt": _TIMESTAMP,
                    "updatedAt": _TIMESTAMP,
                    "schedulesEnabled": False,
                    "notificationsEnabled": True,
                    "favorite": False,
                    "mak": None,
                    "baseMAK": None,
                }
                for name in self._sites()
            ]
        )

    async def _v3_zones(self, request: web.Request) -> web.Response:
        if (denied := self._authorize(request)) is not None:
            return denied
        site_id = request.match_info["site_id"]
        for name, units in self._sites().items():
            if _stable_id("site", name) == site_id:
                return web.json_response([self._zone(unit) for unit in units])
        return web.json_response({"error": "siteNotFound"}, status=404)

    def _zone(self, unit: KumoUnitDefinition) -> dict[str, Any]:
        adapter: dict[str, Any] = {
            "id": _stable_id("adapter", unit.serial),
            "deviceSerial": unit.serial,
            "isSimulator": False,
            "roomTemp": 21.5,
            "spCool": 24.0,
            "spHeat": 20.0,
            "spAuto": None,
            "humidity": None,
            "scheduleOwner": "adapter",
            "scheduleHoldEndTime": 0,
            "power": 1,
            "operationMode": "heat",
            "previousOperationMode": "heat",
            "connected": True,
            "hasSensor": unit.wireless_sensor,
            "hasMhk2": unit.mhk2,
            "timeZone": "America/New_York",
            "isHeadless": unit.kind == "station",
            "lastStatusChangeAt": _TIMESTAMP,
            "createdAt": _TIMESTAMP,
            "updatedAt": _TIMESTAMP,
        }
        if self.zone_adapter_has_mac:
            adapter["macAddress"] = unit.mac
        zone: dict[str, Any] = {
            "id": _stable_id("zone", unit.serial),
            "name": unit.label,
            "isActive": True,
            "adapter": adapter,
            "createdAt": _TIMESTAMP,
            "updatedAt": _TIMESTAMP,
        }
        if unit.group_name is not None:
            zone["group"] = {
                "id": _stable_id("group", unit.site_name, unit.group_name),
                "name": unit.group_name,
                "systemChangeoverEnabled": False,
                "minRuntime": 10,
                "maxStandby": 30,
            }
        return zone

    async def _v3_device(self, request: web.Request) -> web.Response:
        unit, error = self._device_request(request)
        if unit is None:
            assert error is not None
            return error
        return web.json_response(
            {
                "id": _stable_id("adapter", unit.serial),
                "deviceSerial": unit.serial,
                "rssi": unit.wifi_rssi_dbm,
                "power": 1,
                "operationMode": "heat",
                "humidity": None,
                "scheduleOwner": "adapter",
                "fanSpeed": "auto",
                "airDirection": "auto",
                "roomTemp": 21.5,
                "unusualFigures": 32768,
                "twoFiguresCode": "A0",
                "statusDisplay": 0,
                "spCool": 24.0,
                "spHeat": 20.0,
                "spAuto": None,
                "runTest": 0,
                "activeThermistor": "unset",
                "tempSource": "unset",
                "serialNumber": _indoor_serial(unit),
                "modelNumber": unit.model_number,
                "ledDisabled": False,
                "connected": True,
                "isHeadless": unit.kind == "station",
                "model": {
                    "brand": "Mitsubishi",
                    "material": unit.model_number,
                    "family": None,
                    "isDuctless": unit.kind == "indoor",
                    "frontendAnimation": None,
                },
                "displayConfig": {
                    "filter": False,
                    "defrost": False,
                    "hotAdjust": False,
                    "standby": False,
                },
                "timeZone": "America/New_York",
            }
        )

    async def _v3_status(self, request: web.Request) -> web.Response:
        unit, error = self._device_request(request)
        if unit is None:
            assert error is not None
            return error
        status: dict[str, Any] = {
            "firmwareVersion": unit.firmware_version,
            "roomTempDisplayOffset": 0,
            "routerSsid": "HomeWiFi",
            "routerRssi": unit.wifi_rssi_dbm,
            "minSetPoint": unit.minimum_setpoints.get("cool"),
            "maxSetPoint": unit.maximum_setpoints.get("heat"),
            "lastUpdated": _TIMESTAMP,
        }
        if self.status_has_crypto_serial:
            # §13.4, 2025 form: cryptoSerial/cryptoKeySet present, no mac.
            status |= {
                "autoModeDisable": unit.auto_mode_prevention,
                "optimalStart": False,
                "modeHeat": unit.user_has_mode_heat,
                "modeDry": unit.user_has_mode_dry,
                "receiverRelay": "MHK2" if unit.mhk2 else None,
                "cryptoSerial": unit.crypto_serial_hex,
                "cryptoKeySet": "F",
            }
        else:
            status["mac"] = unit.mac  # §13.4, 2026 form
        return web.json_response(status)

    async def _v3_profile(self, request: web.Request) -> web.Response:
        unit, error = self._device_request(request)
        if unit is None:
            assert error is not None
            return error
        profile = {
            "numberOfFanSpeeds": unit.number_of_fan_speeds,
            "hasFanSpeedAuto": unit.has_fan_speed_auto,
            "hasVaneDir": unit.has_vane_dir,
            "hasVaneSwing": unit.has_vane_swing,
            "hasModeDry": unit.has_mode_dry,
            "hasModeHeat": unit.has_mode_heat,
            "hasModeVent": unit.has_mode_vent,
            "hasModeAuto": unit.has_mode_auto,
            "hasInitialSettings": True,
            "hasModeTest": True,
            "extendedTemps": unit.extended_temps,
            "usesSetPointInDryMode": unit.uses_setpoint_in_dry_mode,
            "hasHotAdjust": True,
            "hasDefrost": True,
            "hasStandby": True,
            "maximumSetPoints": dict(unit.maximum_setpoints),
            "minimumSetPoints": dict(unit.minimum_setpoints),
        }
        return web.json_response([profile] if self.profile_as_list else profile)

    # ------------------------------------------------------------------ v2 (§12)

    async def _v2_login_legacy(self, request: web.Request) -> web.Response:
        return await self._v2_login(
            request, serves={CloudAccountKind.LEGACY, CloudAccountKind.LEGACY_ONLY}
        )

    async def _v2_login_canada(self, request: web.Request) -> web.Response:
        return await self._v2_login(request, serves={CloudAccountKind.CANADIAN})

    async def _v2_login(
        self, request: web.Request, *, serves: set[CloudAccountKind]
    ) -> web.Response:
        body = await self._json_body(request)
        if not self._credentials_match(body):
            # §12.4: a wrong password is answered `200 null`.
            return web.json_response(None)
        if self.account is CloudAccountKind.COMFORT_NATIVE and CloudAccountKind.LEGACY in serves:
            # §12.4: Comfort-native accounts get HTTP 500 for the correct password.
            return web.Response(status=500, text="Internal Server Error")
        if self.account not in serves:
            return web.json_response(None)  # this host does not know the account
        return web.json_response(self._v2_reply())

    def _v2_unit(self, unit: KumoUnitDefinition) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "serial": unit.serial,
            "mac": unit.mac,
            "label": unit.label,
            "port": "80",
            "unitType": "headless" if unit.kind == "station" else "ductless",
            "password": unit.password_b64,
            "cryptoSerial": unit.crypto_serial_hex,
            "cryptoKeySet": "F",
            "firmwareVersion": unit.firmware_version,
            "roomTempOffset": 0,
            "autoModeEnabled": not unit.auto_mode_prevention,
            "ledDisabled": False,
            "rssi": {"rssi": unit.wifi_rssi_dbm, "string": "good", "image": "wifi-3"},
            "reportedCondition": {"power": 1, "operation_mode": 1, "room_temp": 21.5},
            "token": "",
        }
        if unit.serial in self.addresses:
            entry["address"] = self.addresses[unit.serial]
        return entry

    def _v2_reply(self) -> list[Any]:
        """§12.2: `[account, preferences, zone tree, "no device token"]`."""
        children = []
        for site_name, units in self._sites().items():
            groups: dict[str, list[KumoUnitDefinition]] = {}
            for unit in units:
                if unit.group_name is not None:
                    groups.setdefault(unit.group_name, []).append(unit)
            children.append(
                {
                    "id": _stable_id("v2site", site_name),
                    "label": site_name,
                    "level": 2,
                    "network": {"name": "HomeWiFi", "password": ""},
                    "zoneTable": {
                        unit.serial: self._v2_unit(unit)
                        for unit in units
                        if unit.group_name is None
                    },
                    "children": [
                        {
                            "id": _stable_id("v2group", site_name, group),
                            "label": group,
                            "level": 3,
                            "zoneTable": {unit.serial: self._v2_unit(unit) for unit in members},
                            "children": [],
                        }
                        for group, members in groups.items()
                    ],
                    "program": {"events": []},
                    "lastScheduleChange": 0,
                }
            )
        return [
            {"token": "v2-session-" + _b64url(hashlib.sha256(self.username.encode()).digest())},
            {"lastUpdate": 1548787837243, "sendAnalytics": 1},
            {
                "id": self._account_id,
                "label": "Home",
                "level": 1,
                "version": 698,
                "lastUpdate": 1548787837243,
                "zoneTable": None,
                "children": children,
            },
            "no device token",
        ]


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Kumo Cloud simulator (demo account).")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--username", default=DEMO_USERNAME)
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument(
        "--account", choices=[kind.value for kind in CloudAccountKind], default="legacy"
    )
    parser.add_argument(
        "--status-crypto-serial",
        action="store_true",
        help="serve /v3/devices/{serial}/status in its 2025 form (with cryptoSerial)",
    )
    parser.add_argument(
        "--address",
        action="append",
        default=[],
        metavar="SERIAL=HOST:PORT",
        help="address published by the v2 login for a unit (repeatable)",
    )
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    addresses = dict(item.split("=", 1) for item in args.address)
    simulator = KumoCloudSimulator(
        addresses=addresses,
        username=args.username,
        password=args.password,
        account=CloudAccountKind(args.account),
    )
    simulator.status_has_crypto_serial = args.status_crypto_serial
    url = await simulator.start(args.port)
    print(f"Kumo Cloud simulator on {url} (user {args.username})", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await simulator.close()


def main(argv: list[str] | None = None) -> None:
    """Entry point of `python -m simulators.kumo_cloud`."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(_parse_args(argv)))


if __name__ == "__main__":
    main()
