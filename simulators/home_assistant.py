"""Real Home Assistant in a subprocess, driven over its HTTP API as the web UI drives it.

Used by `scripts/demo` (`simulators.demo`) and the end-to-end tests (`tests/e2e`):

* `write_configuration` writes a small `configuration.yaml` that needs nothing from the network
  (no `default_config`: it would bring bluetooth, zeroconf, cloud, …), listening on 127.0.0.1
  only, and links this repository's integration into `custom_components`;
* `HomeAssistantProcess` runs `hass -c <config> --skip-pip` in its own process group, so
  stopping it stops everything it started;
* `HomeAssistantApi` onboards (create the owner, exchange the auth code for tokens, finish the
  core config, analytics and integration steps), runs config and options flows through
  `/api/config/config_entries/…`, reads states and calls services, and talks to the websocket
  API for what REST does not offer (the entity registry).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import contextlib
from dataclasses import dataclass
import json
import os
from pathlib import Path
import signal
import subprocess
import sys
import time
from typing import Any, Final

import aiohttp

from simulators.process import die_with_parent

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
INTEGRATION_DIR: Final = REPO_ROOT / "custom_components" / "kumo_momit"
DOMAIN: Final = "kumo_momit"
_ONBOARDING: Final = "/api/onboarding"

_CONFIGURATION: Final = """\
# Written by {writer}; the whole folder is recreated on every run.
# No default_config: it would load integrations that use the network (cloud, zeroconf, ssdp,
# bluetooth, …). Home Assistant is started with --skip-pip, so it installs nothing either.
http:
  server_host: 127.0.0.1
  server_port: {port}
api:
config:
# Repair notices (a unit without keys, a room sensor that stopped reporting) show up here.
repairs:
{extra}
logger:
  default: warning
  logs:
    custom_components.kumo_momit: {integration_log_level}
"""

# The real `frontend` integration needs the home-assistant-frontend package (the web UI); without
# it Home Assistant starts in recovery mode and loads no custom integration. The end-to-end tests
# do not use the web UI: this stand-in keeps Home Assistant headless and out of recovery mode. It
# loads Repairs, as the real one does, for the repair notices' fix flows.
_HEADLESS_FRONTEND_MANIFEST: Final = """\
{
  "domain": "frontend",
  "name": "Headless frontend (end-to-end tests)",
  "version": "0.0.0",
  "dependencies": ["api", "auth", "config", "http", "onboarding", "repairs", "websocket_api"],
  "integration_type": "system"
}
"""
_HEADLESS_FRONTEND_INIT: Final = '''\
"""No web UI: the end-to-end tests only use the HTTP and websocket APIs."""


async def async_setup(hass, config):
    return True
'''


def write_configuration(
    config_dir: Path,
    *,
    port: int,
    headless: bool = False,
    writer: str = "scripts/demo",
    integration_log_level: str = "info",
) -> None:
    """A fresh configuration folder for Home Assistant on 127.0.0.1:`port`.

    `headless` replaces the web UI by a stand-in (see `_HEADLESS_FRONTEND_MANIFEST`) and
    leaves out the recorder-backed history and logbook.
    """
    config_dir.mkdir(parents=True, exist_ok=True)
    extra = "" if headless else "frontend:\nhistory:\nlogbook:\n"
    (config_dir / "configuration.yaml").write_text(
        _CONFIGURATION.format(
            writer=writer, port=port, extra=extra, integration_log_level=integration_log_level
        )
    )
    # Network adapters: loopback only. Home Assistant's HTTP client session builds a zeroconf
    # (mDNS) resolver; with only `lo` enabled it joins no multicast group on a real interface,
    # so nothing of the demo or the tests leaves the machine.
    storage = config_dir / ".storage"
    storage.mkdir(exist_ok=True)
    (storage / "core.network").write_text(
        json.dumps(
            {
                "version": 1,
                "minor_version": 1,
                "key": "core.network",
                "data": {"configured_adapters": ["lo"]},
            }
        )
    )
    custom = config_dir / "custom_components"
    custom.mkdir(exist_ok=True)
    link = custom / DOMAIN
    if not link.is_symlink():
        link.symlink_to(INTEGRATION_DIR, target_is_directory=True)
    if headless:
        frontend = custom / "frontend"
        frontend.mkdir(exist_ok=True)
        (frontend / "manifest.json").write_text(_HEADLESS_FRONTEND_MANIFEST)
        (frontend / "__init__.py").write_text(_HEADLESS_FRONTEND_INIT)


def hass_command(config_dir: Path) -> list[str]:
    """`hass -c <config> --skip-pip`: `$KUMO_MOMIT_HASS`, else the running interpreter's own.

    The current test leg runs its in-process suite on the Home Assistant that the test plugin
    pins and points `KUMO_MOMIT_HASS` at the newest Home Assistant's `hass` (another virtual
    environment), so every real `hass` of the tests is the one users run today. `--skip-pip`:
    nothing is installed at start (Home Assistant 2026.11 would otherwise try to install its
    sign-in packages, and without a network start in recovery mode).
    """
    override = os.environ.get("KUMO_MOMIT_HASS")
    if override:
        if not Path(override).exists():
            raise FileNotFoundError(f"KUMO_MOMIT_HASS={override} does not exist")
        runner = [override]
    else:
        script = Path(sys.executable).with_name("hass")
        runner = [str(script)] if script.exists() else [sys.executable, "-m", "homeassistant"]
    return [*runner, "--config", str(config_dir), "--skip-pip"]


# Home Assistant's exit code for "restart me" (homeassistant.const.RESTART_EXIT_CODE).
RESTART_EXIT_CODE: Final = 100


class HomeAssistantProcess:
    """`hass` as a subprocess in a process group of its own."""

    def __init__(self, config_dir: Path, *, port: int) -> None:
        """Home Assistant for `config_dir`, which `write_configuration` set up for `port`."""
        self.config_dir = config_dir
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        """Home Assistant's own log file."""
        return self.config_dir / "home-assistant.log"

    @property
    def pid(self) -> int | None:
        """Process id (also the id of its process group)."""
        return None if self._process is None else self._process.pid

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def asked_to_restart(self) -> bool:
        """Whether `hass` exited asking to be started again (Settings → System → Restart).

        Home Assistant leaves with exit code 100 then and expects its supervisor (a container,
        systemd, `hass`'s own runner when started as a module with `--runner`) to restart it.
        """
        return self._process is not None and self._process.poll() == RESTART_EXIT_CODE

    def start(self) -> None:
        """Start `hass`; its console output is dropped (everything is in `log_path`)."""
        if self.running:
            raise RuntimeError("Home Assistant is already running")
        if self._process is not None:
            # The earlier process has exited (e.g. to restart): whatever it started goes too.
            _signal_group(self._process.pid, signal.SIGKILL)
        self._process = subprocess.Popen(  # noqa: S603 - fixed command from this environment
            hass_command(self.config_dir),
            cwd=self.config_dir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
            env=_child_environment(),
        )

    def stop(self, timeout_s: float = 60.0) -> None:
        """SIGTERM to the whole group (Home Assistant shuts down cleanly), SIGKILL if stuck."""
        process, self._process = self._process, None
        if process is None:
            return
        _signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            _signal_group(process.pid, signal.SIGKILL)
            process.wait(10)
        # Anything Home Assistant itself started (its group) goes with it.
        _signal_group(process.pid, signal.SIGKILL)

    async def async_wait_until_serving(self, timeout_s: float = 120.0) -> None:
        """Wait until Home Assistant serves its login (and, before onboarding, onboarding) API.

        Only views that need no authentication are asked: an unauthenticated request to an
        authenticated one counts as a failed login, and Home Assistant would greet the user
        with a "Login attempt failed" notification caused by this probe.
        """
        deadline = time.monotonic() + timeout_s
        async with aiohttp.ClientSession() as session:
            while True:
                if not self.running:
                    raise RuntimeError(f"Home Assistant exited; see {self.log_path}")
                providers = await self._status_of(session, "/auth/providers")
                # 400 "onboarding_required": onboarding's own views must be up as well.
                if providers == 200 or (
                    providers == 400 and await self._status_of(session, _ONBOARDING) == 200
                ):
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError(f"Home Assistant did not answer; see {self.log_path}")
                await asyncio.sleep(0.2)

    async def _status_of(self, session: aiohttp.ClientSession, path: str) -> int | None:
        """The HTTP status of an unauthenticated GET, or None while nothing answers."""
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with session.get(
                f"{self.base_url}{path}", timeout=aiohttp.ClientTimeout(total=5)
            ) as response:
                return response.status
        return None

    def log_tail(self, lines: int = 60) -> str:
        """The end of Home Assistant's log (for failure messages)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def _child_environment() -> dict[str, str]:
    """This process's environment, with pytest-cov's coverage settings pinned to a file.

    Under `pytest --cov`, subprocesses measure coverage as told by `COV_CORE_*` variables. When
    no settings file was named, they search their own working folder; `hass` runs in its
    configuration folder, finds nothing, and records plain line data that cannot be combined
    with the tests' branch data.
    """
    environment = dict(os.environ)
    if environment.get("COV_CORE_CONFIG") == os.pathsep:
        # "Coverage's default search": the files it would find from here, not from `hass`'s cwd.
        found = [name for name in _COVERAGE_CONFIG_FILES if Path(name).is_file()]
        if found:
            environment["COV_CORE_CONFIG"] = str(Path(found[0]).resolve())
    return environment


_COVERAGE_CONFIG_FILES: Final = (".coveragerc", "setup.cfg", "tox.ini", "pyproject.toml")


def _signal_group(pid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


@dataclass(frozen=True)
class Login:
    """The owner account created during onboarding."""

    name: str
    username: str
    password: str


class HomeAssistantApiError(Exception):
    """Home Assistant answered a request with an error status."""

    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        """Keep the status and body for assertions."""
        super().__init__(f"{method} {path}: HTTP {status}: {body[:500]}")
        self.status = status
        self.body = body


class HomeAssistantApi:
    """Home Assistant's HTTP (and websocket) API, as the web UI uses it."""

    def __init__(
        self, session: aiohttp.ClientSession, base_url: str, access_token: str | None = None
    ) -> None:
        """Requests go to `base_url` with `access_token` (set by `onboard`)."""
        self.session = session
        self.base_url = base_url
        self.access_token = access_token
        self._ws_id = 0

    @property
    def client_id(self) -> str:
        """The web UI's client id: its own URL."""
        return f"{self.base_url}/"

    async def request(self, method: str, path: str, json: Any = None, *, auth: bool = True) -> Any:
        """One JSON request; raises `HomeAssistantApiError` for an error status."""
        headers = {}
        if auth and self.access_token:
            headers["Authorization"] = f"Bearer {self.access_token}"
        async with self.session.request(
            method,
            f"{self.base_url}{path}",
            json=json,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=60),
        ) as response:
            text = await response.text()
            if response.status >= 400:
                raise HomeAssistantApiError(method, path, response.status, text)
            if response.content_type == "application/json":
                return await response.json()
            return text

    # --- onboarding ------------------------------------------------------------------------

    async def onboarding_steps(self) -> dict[str, bool]:
        """Onboarding step → done; {} when Home Assistant started already onboarded (404)."""
        try:
            steps = await self.request("GET", _ONBOARDING, auth=False)
        except HomeAssistantApiError as err:
            if err.status == 404:
                return {}
            raise
        return {step["step"]: step["done"] for step in steps}

    async def onboard(self, login: Login, *, language: str = "en", country: str = "CA") -> None:
        """Every onboarding step, in the web UI's order; keeps the owner's access token.

        Like the web UI's location step, the country is saved before that step is marked done:
        without one, Home Assistant raises a "country not configured" repair.
        """
        created = await self.request(
            "POST",
            _ONBOARDING + "/users",
            {
                "client_id": self.client_id,
                "name": login.name,
                "username": login.username,
                "password": login.password,
                "language": language,
            },
            auth=False,
        )
        await self._exchange_auth_code(created["auth_code"])
        await self.websocket_command({"type": "config/core/update", "country": country})
        await self.request("POST", _ONBOARDING + "/core_config")
        await self.request("POST", _ONBOARDING + "/analytics")
        await self.request(
            "POST",
            _ONBOARDING + "/integration",
            {"client_id": self.client_id, "redirect_uri": f"{self.base_url}/?auth_callback=1"},
        )

    async def log_in(self, login: Login) -> None:
        """Sign in with a username and password as the login page does; keeps the token."""
        flow = await self.request(
            "POST",
            "/auth/login_flow",
            {
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": f"{self.base_url}/?auth_callback=1",
            },
            auth=False,
        )
        result = await self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            {"client_id": self.client_id, "username": login.username, "password": login.password},
            auth=False,
        )
        if result.get("type") != "create_entry":
            raise HomeAssistantApiError("POST", "/auth/login_flow", 403, str(result.get("errors")))
        await self._exchange_auth_code(result["result"])

    async def _exchange_auth_code(self, code: str) -> None:
        async with self.session.post(
            f"{self.base_url}/auth/token",
            data={"grant_type": "authorization_code", "code": code, "client_id": self.client_id},
        ) as response:
            if response.status != 200:
                raise HomeAssistantApiError(
                    "POST", "/auth/token", response.status, await response.text()
                )
            tokens = await response.json()
        self.access_token = tokens["access_token"]

    async def version(self) -> str:
        """The running Home Assistant's version (`/api/config`)."""
        config = await self.request("GET", "/api/config")
        return str(config["version"])

    async def async_wait_until_running(self, timeout_s: float = 120.0) -> None:
        """Wait until Home Assistant has started (config entries set up)."""
        deadline = time.monotonic() + timeout_s
        while True:
            with contextlib.suppress(aiohttp.ClientError, HomeAssistantApiError, TimeoutError):
                config = await self.request("GET", "/api/config")
                if config.get("state") == "RUNNING":
                    return
            if time.monotonic() > deadline:
                raise TimeoutError("Home Assistant did not reach RUNNING")
            await asyncio.sleep(0.2)

    # --- config entries and flows ----------------------------------------------------------

    async def start_flow(self, handler: str, *, show_advanced_options: bool = False) -> Any:
        """Start a config flow as "Add integration" does for a user (advanced mode off)."""
        return await self.request(
            "POST",
            "/api/config/config_entries/flow",
            {"handler": handler, "show_advanced_options": show_advanced_options},
        )

    async def flow_step(self, flow_id: str, data: Mapping[str, Any]) -> Any:
        """Submit a form (or pick a menu option: `{"next_step_id": …}`)."""
        return await self.request("POST", f"/api/config/config_entries/flow/{flow_id}", data)

    async def start_options_flow(self, entry_id: str) -> Any:
        """Open an entry's options ("Configure")."""
        return await self.request(
            "POST", "/api/config/config_entries/options/flow", {"handler": entry_id}
        )

    async def options_flow_step(self, flow_id: str, data: Mapping[str, Any]) -> Any:
        """Submit the options form."""
        return await self.request(
            "POST", f"/api/config/config_entries/options/flow/{flow_id}", data
        )

    async def config_entries(self, domain: str = DOMAIN) -> list[dict[str, Any]]:
        """The domain's config entries with their state."""
        entries: list[dict[str, Any]] = await self.request(
            "GET", f"/api/config/config_entries/entry?domain={domain}"
        )
        return entries

    # --- states and services ---------------------------------------------------------------

    async def states(self) -> dict[str, dict[str, Any]]:
        """entity_id → state object."""
        states = await self.request("GET", "/api/states")
        return {state["entity_id"]: state for state in states}

    async def state(self, entity_id: str) -> dict[str, Any] | None:
        """One state object, or None."""
        try:
            state: dict[str, Any] = await self.request("GET", f"/api/states/{entity_id}")
        except HomeAssistantApiError as err:
            if err.status == 404:
                return None
            raise
        return state

    async def call_service(self, domain: str, service: str, data: Mapping[str, Any]) -> Any:
        """Call a service and wait for it, as `/api/services` does."""
        return await self.request("POST", f"/api/services/{domain}/{service}", data)

    # --- websocket -------------------------------------------------------------------------

    async def websocket_command(self, command: Mapping[str, Any]) -> Any:
        """One websocket command on a fresh connection; returns its `result`."""
        async with self.session.ws_connect(f"{self.base_url}/api/websocket") as ws:
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": self.access_token})
            auth = await ws.receive_json()
            if auth.get("type") != "auth_ok":
                raise HomeAssistantApiError("WS", "auth", 401, str(auth))
            self._ws_id += 1
            await ws.send_json({"id": self._ws_id, **command})
            reply = await ws.receive_json()
        if not reply.get("success"):
            raise HomeAssistantApiError("WS", str(command.get("type")), 400, str(reply))
        return reply["result"]

    async def entity_registry(self) -> list[dict[str, Any]]:
        """Every entity registry entry."""
        entries: list[dict[str, Any]] = await self.websocket_command(
            {"type": "config/entity_registry/list"}
        )
        return entries
