"""Kumo Cloud simulator: the v3 Comfort-app REST API and the v2 legacy login, on loopback.

It publishes the same `KumoUnitDefinition`s the unit simulator serves, so serials, names, MACs
and secrets agree between the two. Spec references are to `kumo.md` (§12 v2, §13 v3).

What a test can switch at runtime (attributes and methods of `KumoCloudSimulator`):

* `account` — which kind of account the credentials belong to (`CloudAccountKind`):
  a legacy account (v2 login returns secrets and addresses), a Comfort-native account (v2
  answers 500 for the right password, §12.4; v3 hands out no keys, so its units can only be
  controlled through the cloud), a legacy-only account (v3 refuses it), a Canadian account
  (v3 login answers 500, `/login/v2` on the Canadian host works, §12.1).
* `v2_hidden` — serials the v2 login leaves out (units added in the Comfort app later: even a
  legacy account then has no keys for them).
* `status_has_crypto_serial` — `/v3/devices/{serial}/status` in its 2025 form (with
  `cryptoSerial`) instead of the 2026 form (with `mac`), §13.4.
* `zone_adapter_has_mac` — zone adapters carry `macAddress` (pykumo reads it, §13.3).
* `profile_as_list` — `/profile` answers a one-element list instead of an object (§13.4).
* `throttle_logins` — `/v3/login` answers `{"error":"usernameOrPasswordIncorrect"}` (its answer
  to a wrong password) even for valid credentials, as the real cloud reportedly does for
  15-30 min after a burst of logins (§13.2).
* `server_error` — every REST endpoint answers 503.
* `fail_next(status, count, route=…)` — the next requests (optionally of one route) answer
  `status`: 429 (with the rate-limit headers) or 500, for example.
* `rate_limit` — REST requests per 60 s window before 429 (the real limit is about 50, §13.5).
  The simulator serves one account, so its window is the account's. Every answer carries
  `x-ratelimit-limit`, `x-ratelimit-remaining` and `x-ratelimit-reset` (seconds until the window
  resets: the unit of the real header is not reported [G]).
* `access_lifetime_s` — lifetime of access tokens issued from now on (real: about 20 min).
* `access_token_max_uses` — an access token expires (401) after this many authorized requests.
* `expire_access_tokens()` / `expire_refresh_tokens()` — server-side expiry of issued tokens.
* `device_errors` — serial → HTTP status its `/v3/devices/{serial}[/…]` endpoints answer.
* `report_stale_connected` — `/v3/devices/{serial}` keeps saying `connected: true` for a lost
  unit, as reported (§13.5); `device_status_v2` tells the truth.
* `push_delay_s` — seconds between a state change and its `device_update` push.
* `report_interval_s` — every so often the adapters report to the cloud (set before `start`):
  a room that drifted is pushed as well (None: only writes are pushed).
* Socket.IO (`simulators.kumo_cloud_push`, §13.6): `socket_down` (the push service answers
  503), `drop_sockets()` (every connection cut abruptly), `push` (the server: connections,
  subscriptions, events received).
* Units: `disconnect_unit(serial)` / `reconnect_unit(serial)` (the adapter leaves or rejoins the
  cloud: `device_status_v2` is pushed), `change_from_app(serial, commands)` (another client of
  the account — the Comfort app — sends a command), `change_from_remote(serial, **status)` (the
  unit's IR remote changes it); both are pushed as `device_update`.

Unit state lives in `simulators.kumo_unit.SimulatedUnit` objects (`CloudDevice` wraps them,
see `simulators.kumo_cloud_devices`); pass `unit_states` to share them with a running unit
simulator so cloud and local API see one unit.

`counts` counts REST requests per endpoint, keyed `"<METHOD> <route>"`, e.g.
`"GET /v3/devices/{serial}/status"`; `count(...)` reads it; `serial_requests` counts REST
requests per device serial (device endpoints and `send-command`); `commands` lists every
accepted `send-command` as `(serial, commands)`. Socket.IO requests are counted apart
(`socket_requests`): the real service is another host, outside the REST rate limit.

Run `python -m simulators.kumo_cloud` to serve the demo account on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping
import contextlib
from dataclasses import dataclass
from enum import StrEnum
import hashlib
import hmac
import json
import time
from typing import Any, Final

from aiohttp import web

from simulators.kumo_cloud_devices import (
    CloudDevice,
    CommandRejected,
    profile_document,
    stable_id,
)
from simulators.kumo_cloud_push import SOCKET_PATH, CloudPushServer, PushAccount
from simulators.kumo_unit import SimulatedUnit
from simulators.kumo_units import KumoUnitDefinition, demo_units

DEMO_USERNAME: Final = "demo@example.com"
DEMO_PASSWORD: Final = "demo-cloud-password"

# A simulator signs its JWTs with a fixed dummy key: clients must not verify them anyway.
_JWT_KEY: Final = b"kumo-cloud-simulator-not-a-secret"
_ACCESS_LIFETIME_S: Final = 20 * 60  # §13.2: access about 20 min
_REFRESH_LIFETIME_S: Final = 30 * 24 * 3600  # §13.2: refresh about 30 days
_RATE_WINDOW_S: Final = 60.0
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


@dataclass
class _AccessToken:
    expires_at: float
    uses: int = 0


@dataclass
class _InjectedFailure:
    status: int
    remaining: int
    route: str | None
    reset_s: int | None = None


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
        unit_states: Mapping[str, SimulatedUnit] | None = None,
    ) -> None:
        """Serve `units` (default: the demo account).

        `addresses` maps serial → "host:port" of the unit simulator; the v2 login publishes it
        as the unit's `address`. Units without an entry get no `address` key, as real replies
        sometimes do (hass-kumo #109). `unit_states` maps serial → the unit simulator's live
        unit, shared so the cloud reports and changes the same state; units without one get a
        state of their own (a still room).
        """
        self.units: list[KumoUnitDefinition] = list(demo_units() if units is None else units)
        self.addresses: dict[str, str] = dict(addresses or {})
        self.v2_hidden: set[str] = set()
        """Serials the v2 login does not list: units added in the Comfort app, after the
        account's migration (§12.4), so the cloud has no keys for them."""
        self.username = username
        self.password = password
        self.account = account
        self.status_has_crypto_serial = False
        self.zone_adapter_has_mac = False
        self.profile_as_list = False
        self.throttle_logins = False
        self.server_error = False
        self.socket_down = False
        self.report_stale_connected = True
        self.rate_limit = 50
        self.access_lifetime_s: float = _ACCESS_LIFETIME_S
        self.access_token_max_uses: int | None = None
        self.push_delay_s = 0.0
        self.report_interval_s: float | None = None
        self.ping_interval_s = 25.0
        self.ping_timeout_s = 20.0
        self.device_errors: dict[str, int] = {}
        self.counts: Counter[str] = Counter()
        self.serial_requests: Counter[str] = Counter()
        self.socket_requests = 0
        self.commands: list[tuple[str, dict[str, Any]]] = []
        self.push: CloudPushServer | None = None
        self._unit_states: dict[str, SimulatedUnit] = dict(unit_states or {})
        self._devices: dict[str, CloudDevice] = {}
        self._pushed: dict[str, dict[str, Any]] = {}
        self._push_tasks: dict[str, asyncio.Task[None]] = {}
        self._failures: list[_InjectedFailure] = []
        self._account_id = stable_id("account", username)
        self._access: dict[str, _AccessToken] = {}
        self._refresh: set[str] = set()
        self._token_serial = 0
        self._window_start = time.monotonic()
        self._window_requests = 0
        self._runner: web.AppRunner | None = None
        self._reporter: asyncio.Task[None] | None = None
        self._base_url: str | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>` once started; serves v3, v2, the Canadian path and the
        Socket.IO push service (`/socket.io/`)."""
        if self._base_url is None:
            raise RuntimeError("simulator not started")
        return self._base_url

    @property
    def account_id(self) -> str:
        """The account id (the `id` claim of its access tokens, §13.2)."""
        return self._account_id

    async def start(self, port: int = 0) -> str:
        """Listen on 127.0.0.1 (an ephemeral port by default) and return the base URL."""
        app = web.Application(middlewares=[self._middleware])
        app.router.add_post("/v3/login", self._v3_login)
        app.router.add_post("/v3/refresh", self._v3_refresh)
        app.router.add_get("/v3/sites", self._v3_sites)
        app.router.add_get("/v3/sites/", self._v3_sites)
        app.router.add_get("/v3/sites/{site_id}/zones", self._v3_zones)
        app.router.add_post("/v3/devices/send-command", self._v3_send_command)
        app.router.add_get("/v3/devices/{serial}", self._v3_device)
        app.router.add_get("/v3/devices/{serial}/status", self._v3_status)
        app.router.add_get("/v3/devices/{serial}/profile", self._v3_profile)
        app.router.add_post("/login", self._v2_login_legacy)
        app.router.add_post("/login/v2", self._v2_login_canada)
        self.push = CloudPushServer(
            PushAccount(
                account_id=self._account_id,
                authenticate=self._live_access_token,
                devices=self.devices,
                zone_name=self._zone_name,
            ),
            ping_interval=self.ping_interval_s,
            ping_timeout=self.ping_timeout_s,
        )
        self.push.attach(app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port, reuse_address=True)
        await site.start()
        host, bound_port = self._runner.addresses[0][:2]
        self._base_url = f"http://{host}:{bound_port}"
        for device in self.devices().values():
            self._pushed[device.serial] = device.device_document()
        if self.report_interval_s is not None:
            self._reporter = asyncio.create_task(self._report(self.report_interval_s))
        return self._base_url

    async def _report(self, interval_s: float) -> None:
        """Adapters report to the cloud now and then: a drifting room is pushed too."""
        while True:
            await asyncio.sleep(interval_s)
            for device in self.devices().values():
                if not device.headless:
                    device.unit.status  # noqa: B018 - reading settles the room, changes notify

    async def close(self) -> None:
        """Stop serving (Socket.IO connections are cut first)."""
        if self._reporter is not None:
            self._reporter.cancel()
            self._reporter = None
        for task in self._push_tasks.values():
            task.cancel()
        self._push_tasks.clear()
        if self.push is not None:
            await self.push.close()
            self.push = None
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
        """Every REST request received, whatever the answer (Socket.IO apart)."""
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
        self.serial_requests.clear()
        self.socket_requests = 0
        self._window_requests = 0
        self._window_start = time.monotonic()

    def fail_next(
        self,
        status: int,
        count: int = 1,
        *,
        route: str | None = None,
        reset_s: int | None = None,
    ) -> None:
        """Answer the next `count` REST requests (of `route`, e.g.
        `"POST /v3/devices/send-command"`, if given) with HTTP `status`; `reset_s` sets their
        `x-ratelimit-reset` (default: what is left of the window)."""
        self._failures.append(_InjectedFailure(status, count, route, reset_s))

    def devices(self) -> dict[str, CloudDevice]:
        """The account's devices by serial (created on first use, from `units`)."""
        current = {unit.serial: unit for unit in self.units}
        for serial, definition in current.items():
            if serial not in self._devices:
                state = self._unit_states.get(serial) or SimulatedUnit(
                    definition, clock=time.monotonic, room_drift=False
                )
                state.listeners.append(self._on_unit_change)
                self._devices[serial] = CloudDevice(state)
        return {serial: self._devices[serial] for serial in current}

    def device(self, serial: str) -> CloudDevice:
        """One device of the account."""
        return self.devices()[serial]

    async def drop_sockets(self) -> None:
        """Every Socket.IO connection is cut abruptly (clients must reconnect)."""
        if self.push is not None:
            await self.push.drop()

    async def disconnect_unit(self, serial: str, reason: str = "adapterOffline") -> None:
        """The unit's adapter drops off the cloud: `device_status_v2` says so ([G] reason)."""
        device = self.device(serial)
        device.disconnect(reason)
        if self.push is not None:
            await self.push.push_status(device)

    async def reconnect_unit(self, serial: str) -> None:
        """The adapter is back: `device_status_v2`, then its current state."""
        device = self.device(serial)
        device.reconnect()
        if self.push is not None:
            await self.push.push_status(device)
            await self.push.push_device_update(device, device.device_document())

    def change_from_app(self, serial: str, commands: Mapping[str, Any]) -> None:
        """Another client of the account sends `commands` (raises `CommandRejected` as the
        cloud would answer 400); the change is pushed like any other."""
        device = self.device(serial)
        if codes := device.validate(commands):
            raise CommandRejected(serial, codes)
        device.apply(commands)

    def change_from_remote(self, serial: str, **status: Any) -> dict[str, bool]:
        """The unit's own remote writes `indoorUnit.status` keys (e.g. `mode="cool"`)."""
        return self.device(serial).unit.write_status(**status)

    # ------------------------------------------------------------------ pushes

    def _on_unit_change(self, unit: SimulatedUnit) -> None:
        """A unit's state may have changed: push it (once per burst) if the cloud shows it."""
        device = self._devices.get(unit.serial)
        if device is None:
            return
        device.observe()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # changed outside the event loop (a test setting state up front)
        if unit.serial not in self._push_tasks and self.push is not None:
            self._push_tasks[unit.serial] = loop.create_task(self._push_change(device))

    async def _push_change(self, device: CloudDevice) -> None:
        try:
            if self.push_delay_s > 0:
                await asyncio.sleep(self.push_delay_s)
        finally:
            self._push_tasks.pop(device.serial, None)
        document = device.device_document()
        if self.push is None or document == self._pushed.get(device.serial):
            return
        self._pushed[device.serial] = document
        await self.push.push_device_update(device, document)

    # ------------------------------------------------------------------ plumbing

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(SOCKET_PATH):
            self.socket_requests += 1
            if self.socket_down or self.push is None:
                return web.Response(status=503, text="Service Unavailable")
            return await self.push.track(request, handler)
        route = request.match_info.route.resource
        key = f"{request.method} {route.canonical if route is not None else request.path}"
        self.counts[key] += 1
        if "serial" in request.match_info:
            self.serial_requests[request.match_info["serial"]] += 1
        headers = self._rate_headers()
        if self._window_requests > self.rate_limit:
            return web.json_response({"error": "tooManyRequests"}, status=429, headers=headers)
        if (injected := self._injected_failure(key)) is not None:
            if injected.reset_s is not None:
                headers["x-ratelimit-reset"] = str(injected.reset_s)
            if injected.status == 429:
                headers["x-ratelimit-remaining"] = "0"
            return web.json_response(
                {"error": "tooManyRequests" if injected.status == 429 else "internalServerError"},
                status=injected.status,
                headers=headers,
            )
        if self.server_error:
            return web.Response(status=503, text="Service Unavailable", headers=headers)
        response = await handler(request)
        response.headers.update(headers)
        return response

    def _rate_headers(self) -> dict[str, str]:
        """Count one request in the account's window; the headers every answer carries."""
        now = time.monotonic()
        if now - self._window_start >= _RATE_WINDOW_S:
            self._window_start = now
            self._window_requests = 0
        self._window_requests += 1
        remaining = max(0, self.rate_limit - self._window_requests)
        return {
            "x-ratelimit-limit": str(self.rate_limit),
            "x-ratelimit-remaining": str(remaining),
            "x-ratelimit-reset": str(int(_RATE_WINDOW_S - (now - self._window_start))),
        }

    def _injected_failure(self, key: str) -> _InjectedFailure | None:
        for failure in self._failures:
            if failure.route is None or failure.route == key:
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    def _issue_tokens(self) -> dict[str, str]:
        self._token_serial += 1
        now = time.time()
        common = {"id": self._account_id, "iat": int(now), "jti": str(self._token_serial)}
        expires_at = now + self.access_lifetime_s
        access = make_jwt({**common, "type": "access", "exp": int(expires_at)})
        refresh = make_jwt({**common, "type": "refresh", "exp": int(now + _REFRESH_LIFETIME_S)})
        self._access[access] = _AccessToken(expires_at)
        self._refresh.add(refresh)
        return {"access": access, "refresh": refresh}

    @staticmethod
    def _bearer(request: web.Request) -> str | None:
        value = request.headers.get("Authorization", "")
        return value[7:] if value.startswith("Bearer ") else None

    def _live_access_token(self, token: str | None) -> bool:
        """Whether `token` is an unexpired access token of this account."""
        if token is None or (issued := self._access.get(token)) is None:
            return False
        if time.time() >= issued.expires_at:
            del self._access[token]
            return False
        return True

    def _authorize(self, request: web.Request) -> web.Response | None:
        """None when the bearer access token is valid; else the 401 reply."""
        token = self._bearer(request)
        if token is None or not self._live_access_token(token):
            return web.json_response({"error": "unauthorized"}, status=401)
        issued = self._access[token]
        issued.uses += 1
        if self.access_token_max_uses is not None and issued.uses > self.access_token_max_uses:
            del self._access[token]
            return web.json_response({"error": "unauthorized"}, status=401)
        return None

    def _zone_name(self, serial: str) -> str:
        unit = self._unit(serial)
        return unit.label if unit is not None else serial

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
                    "id": stable_id("site", name),
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
            if stable_id("site", name) == site_id:
                return web.json_response([self._zone(unit) for unit in units])
        return web.json_response({"error": "siteNotFound"}, status=404)

    def _zone(self, unit: KumoUnitDefinition) -> dict[str, Any]:
        live = self.device(unit.serial).device_document()
        adapter: dict[str, Any] = {
            "id": stable_id("adapter", unit.serial),
            "deviceSerial": unit.serial,
            "isSimulator": False,
            **{
                key: live[key]
                for key in ("roomTemp", "spCool", "spHeat", "spAuto", "humidity", "power")
            },
            "scheduleOwner": "adapter",
            "scheduleHoldEndTime": 0,
            "operationMode": live["operationMode"],
            "previousOperationMode": live["operationMode"],
            "connected": True if self.report_stale_connected else live["connected"],
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
            "id": stable_id("zone", unit.serial),
            "name": unit.label,
            "isActive": True,
            "adapter": adapter,
            "createdAt": _TIMESTAMP,
            "updatedAt": _TIMESTAMP,
        }
        if unit.group_name is not None:
            zone["group"] = {
                "id": stable_id("group", unit.site_name, unit.group_name),
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
        stale = True if self.report_stale_connected else None
        return web.json_response(self.device(unit.serial).device_document(report_connected=stale))

    async def _v3_send_command(self, request: web.Request) -> web.Response:
        """`POST /v3/devices/send-command` (§13.5)."""
        if (denied := self._authorize(request)) is not None:
            return denied
        body = await self._json_body(request)
        serial = body.get("deviceSerial") if isinstance(body, dict) else None
        commands = body.get("commands") if isinstance(body, dict) else None
        if not isinstance(serial, str) or not isinstance(commands, dict) or not commands:
            return web.json_response({"error": "invalidBody"}, status=400)  # [G] wording
        self.serial_requests[serial] += 1
        if (status := self.device_errors.get(serial)) is not None:
            return web.json_response({"error": "simulatedFailure"}, status=status)
        if self._unit(serial) is None:
            return web.json_response({"error": "deviceNotFound"}, status=404)  # [G]
        device = self.device(serial)
        if codes := device.validate(commands):
            return web.json_response(
                {
                    "error": {serial: {"commands": codes}},
                    "description": "Failed to validate commands",
                },
                status=400,
            )
        self.commands.append((serial, dict(commands)))
        device.apply(commands)
        return web.json_response({"devices": [serial]})

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
        profile = profile_document(unit)
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
                if unit.group_name is not None and unit.serial not in self.v2_hidden:
                    groups.setdefault(unit.group_name, []).append(unit)
            children.append(
                {
                    "id": stable_id("v2site", site_name),
                    "label": site_name,
                    "level": 2,
                    "network": {"name": "HomeWiFi", "password": ""},
                    "zoneTable": {
                        unit.serial: self._v2_unit(unit)
                        for unit in units
                        if unit.group_name is None and unit.serial not in self.v2_hidden
                    },
                    "children": [
                        {
                            "id": stable_id("v2group", site_name, group),
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
