"""End to end: real Home Assistant (`hass` in a subprocess) with the simulators, over HTTP.

One stack serves the whole `tests/e2e` package (package-scoped fixtures, torn down when its
last test is done), because starting Home Assistant is the slow part:

* `kumo_home` — the Kumo adapters and clouds in a subprocess (`simulators.kumo_home`): the demo's
  legacy account, a Comfort-native account holding the Office (its keys are in a hass-kumo
  cache), and a keyless account holding the Guest Room (controlled through the cloud);
* `home_assistant` — `hass -c <tmp> --skip-pip` on a free 127.0.0.1 port, headless, onboarded
  through the onboarding API; it can be restarted (`async_restart()`);
* `momit_gateway` — the Momit gateway simulator (one AC node, one other node) in a subprocess;
* `legacy_account` / `comfort_account` / `cloud_account` / `momit_account` — each added once
  through the config flow HTTP API, exactly as the web UI does it; the step replies are kept
  for the flow tests.

Tests are independent of each other's order: each asks for the accounts it needs and leaves the
units as it found them (online, cloud up). The test process opens no server socket: Home Assistant
and the simulators run in their own processes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Generator, Iterator
import contextlib
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import socket
import time
from typing import Any

import aiohttp
import pytest
import pytest_socket

from simulators.home_assistant import (
    HomeAssistantApi,
    HomeAssistantProcess,
    Login,
    write_configuration,
)
from simulators.kumo_home import (
    CLOUD_ACCOUNT,
    COMFORT_ACCOUNT,
    GUEST_UNIT,
    LEGACY_ACCOUNT,
    OFFICE_UNIT,
    KumoHomeProcess,
)
from simulators.momit_gateway import GatewaySimulator

HANDLER = "kumo_momit"
# Set by each test leg (scripts/test, scripts/current-leg) to the Home Assistant version its real
# `hass` must be: a leg that silently started another one would test nothing new.
EXPECTED_VERSION_VARIABLE = "KUMO_MOMIT_EXPECT_HASS_VERSION"
E2E_LOGIN = Login(name="End to end", username="e2e", password="e2e-password")

LIVING_ROOM = "0Y34P008Q100142F"
BEDROOM = "0Y34P008Q100277B"
OFFICE = OFFICE_UNIT.serial
GUEST = GUEST_UNIT.serial


@contextlib.contextmanager
def loopback_sockets() -> Iterator[None]:
    """Let the stack fixtures talk to 127.0.0.1 (the test plugin blocks sockets outside tests).

    Connections stay limited to 127.0.0.1 by the plugin's allow-list.
    """
    blocked = socket.socket
    pytest_socket.enable_socket()
    try:
        yield
    finally:
        socket.socket = blocked  # type: ignore[misc]


def run[T](coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on a private loop (stack fixtures; each test has its own loop)."""
    return asyncio.run(coroutine, loop_factory=asyncio.new_event_loop)


def free_port() -> int:
    """A port nothing listens on right now, on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class E2EHomeAssistant:
    """The stack's Home Assistant: where it listens and the owner's access token."""

    process: HomeAssistantProcess
    access_token: str = ""
    flows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:<port>."""
        return self.process.base_url

    @property
    def config_dir(self) -> Path:
        """Home Assistant's configuration folder."""
        return self.process.config_dir

    def api_on(self, session: aiohttp.ClientSession) -> HomeAssistantApi:
        """An API client with the owner's token on `session`."""
        return HomeAssistantApi(session, self.base_url, self.access_token)

    async def async_restart(self) -> None:
        """Stop Home Assistant (cleanly) and start it again on the same configuration."""
        self.process.stop()
        self.process.start()
        await self.process.async_wait_until_serving()
        async with aiohttp.ClientSession() as session:
            await self.api_on(session).async_wait_until_running()


async def _async_start_and_onboard(process: HomeAssistantProcess) -> str:
    process.start()
    await process.async_wait_until_serving()
    async with aiohttp.ClientSession() as session:
        api = HomeAssistantApi(session, process.base_url)
        assert await api.onboarding_steps() == {
            "user": False,
            "core_config": False,
            "analytics": False,
            "integration": False,
        }
        await api.onboard(E2E_LOGIN)
        await api.async_wait_until_running()
        assert api.access_token is not None
        expected = os.environ.get(EXPECTED_VERSION_VARIABLE)
        if expected:
            # The leg (scripts/test) says which Home Assistant it means to test end to end.
            assert await api.version() == expected
        return api.access_token


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed end-to-end test shows the end of Home Assistant's log."""
    report = yield
    instance = getattr(item, "funcargs", {}).get("home_assistant")
    if report.failed and isinstance(instance, E2EHomeAssistant):
        report.sections.append(("home-assistant.log (end)", instance.process.log_tail()))
    return report


@pytest.fixture(scope="package")
def e2e_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the simulators' output goes (Home Assistant logs into its config folder)."""
    return tmp_path_factory.mktemp("e2e-logs")


@pytest.fixture(scope="package")
def kumo_home(e2e_logs: Path) -> Iterator[KumoHomeProcess]:
    """Both Kumo accounts' adapters and clouds, rooms kept still."""
    with KumoHomeProcess(log_path=e2e_logs / "kumo_home.log") as home:
        yield home


@pytest.fixture(scope="package")
def home_assistant(
    tmp_path_factory: pytest.TempPathFactory, kumo_home: KumoHomeProcess
) -> Iterator[E2EHomeAssistant]:
    """Real Home Assistant, onboarded, with no integration entry yet."""
    config_dir = tmp_path_factory.mktemp("hass-config")
    with loopback_sockets():
        port = free_port()
    write_configuration(
        config_dir, port=port, headless=True, writer="tests/e2e", integration_log_level="debug"
    )
    process = HomeAssistantProcess(config_dir, port=port)
    instance = E2EHomeAssistant(process)
    try:
        with loopback_sockets():
            instance.access_token = run(_async_start_and_onboard(process))
        yield instance
    except BaseException:
        print(process.log_tail())  # pytest shows it with the failed set-up
        raise
    finally:
        process.stop()


@pytest.fixture
async def api(
    home_assistant: E2EHomeAssistant, socket_enabled: None
) -> AsyncIterator[HomeAssistantApi]:
    """The HTTP API as the owner, for one test."""
    async with aiohttp.ClientSession() as session:
        yield home_assistant.api_on(session)


def cloud_servers(url: str) -> dict[str, str]:
    """The collapsed "cloud servers" section, pointing every server at one simulator."""
    return {"v3_base_url": url, "v2_base_url": url, "v2_ca_base_url": url, "socket_base_url": url}


async def _async_add_account(
    instance: E2EHomeAssistant,
    name: str,
    steps: Callable[[HomeAssistantApi, str], Awaitable[list[dict[str, Any]]]],
) -> list[dict[str, Any]]:
    """Run one account's flow (once per stack) and wait for its entry to be loaded."""
    if name in instance.flows:
        return instance.flows[name]
    async with aiohttp.ClientSession() as session:
        api = instance.api_on(session)
        first = await api.start_flow(HANDLER)
        replies = [first, *await steps(api, first["flow_id"])]
        instance.flows[name] = replies
        entry_id = replies[-1]["result"]["entry_id"]
        await async_wait_for(
            lambda: _entry_state(api, entry_id), lambda state: state == "loaded", "entry loaded"
        )
    return replies


async def _entry_state(api: HomeAssistantApi, entry_id: str) -> str | None:
    entries = await api.config_entries()
    return next((e["state"] for e in entries if e["entry_id"] == entry_id), None)


@pytest.fixture(scope="package")
def legacy_account(
    home_assistant: E2EHomeAssistant, kumo_home: KumoHomeProcess
) -> list[dict[str, Any]]:
    """The demo's legacy account, added through the flow: menu → "kumo" → one form."""
    account = kumo_home.info["accounts"][LEGACY_ACCOUNT]

    async def steps(api: HomeAssistantApi, flow_id: str) -> list[dict[str, Any]]:
        form = await api.flow_step(flow_id, {"next_step_id": "kumo"})
        done = await api.flow_step(
            flow_id,
            {
                "username": account["username"],
                "password": account["password"],
                "cloud_servers": cloud_servers(kumo_home.cloud_url(LEGACY_ACCOUNT)),
            },
        )
        return [form, done]

    with loopback_sockets():
        return run(_async_add_account(home_assistant, LEGACY_ACCOUNT, steps))


def hass_kumo_cache(kumo_home: KumoHomeProcess) -> list[Any]:
    """A pykumo ≥ 0.5 `kumo_cache.json` with the Office's keys and address, as hass-kumo left it."""
    office = {
        "serial": OFFICE,
        "label": OFFICE_UNIT.label,
        "unitType": "ductless",
        "mac": OFFICE_UNIT.mac,
        "password": OFFICE_UNIT.password_b64,
        "cryptoSerial": OFFICE_UNIT.crypto_serial_hex,
        "address": kumo_home.address(OFFICE),
    }
    return [{}, {}, {"children": [{"zoneTable": {OFFICE: office}}]}]


@pytest.fixture(scope="package")
def comfort_account(
    home_assistant: E2EHomeAssistant, kumo_home: KumoHomeProcess
) -> list[dict[str, Any]]:
    """The Comfort-native account (no keys in the cloud), completed from a kumo_cache.json."""
    account = kumo_home.info["accounts"][COMFORT_ACCOUNT]
    cache = home_assistant.config_dir / "kumo_cache.json"

    async def steps(api: HomeAssistantApi, flow_id: str) -> list[dict[str, Any]]:
        form = await api.flow_step(flow_id, {"next_step_id": "kumo"})
        cache.write_text(json.dumps(hass_kumo_cache(kumo_home)))
        try:
            menu = await api.flow_step(
                flow_id,
                {
                    "username": account["username"],
                    "password": account["password"],
                    "cloud_servers": cloud_servers(kumo_home.cloud_url(COMFORT_ACCOUNT)),
                },
            )
            done = await api.flow_step(flow_id, {"next_step_id": "import_cache_file"})
        finally:
            cache.unlink()
        return [form, menu, done]

    with loopback_sockets():
        return run(_async_add_account(home_assistant, COMFORT_ACCOUNT, steps))


@pytest.fixture(scope="package")
def cloud_account(
    home_assistant: E2EHomeAssistant, kumo_home: KumoHomeProcess
) -> list[dict[str, Any]]:
    """A keyless Comfort-app account (the Guest Room), added with its unit left to the cloud:
    sign in, then "control this unit through the Kumo Cloud for now" on its key form."""
    account = kumo_home.info["accounts"][CLOUD_ACCOUNT]

    async def steps(api: HomeAssistantApi, flow_id: str) -> list[dict[str, Any]]:
        form = await api.flow_step(flow_id, {"next_step_id": "kumo"})
        keys = await api.flow_step(
            flow_id,
            {
                "username": account["username"],
                "password": account["password"],
                "cloud_servers": cloud_servers(kumo_home.cloud_url(CLOUD_ACCOUNT)),
            },
        )
        done = await api.flow_step(flow_id, {"skip": True})
        return [form, keys, done]

    with loopback_sockets():
        return run(_async_add_account(home_assistant, CLOUD_ACCOUNT, steps))


@pytest.fixture(scope="package")
def momit_gateway(e2e_logs: Path) -> Iterator[GatewaySimulator]:
    """A Momit gateway with one Momit Cool (AC) node and one other node."""
    with GatewaySimulator(ac_nodes=1, other_nodes=1, log_path=e2e_logs / "momit.log") as gateway:
        yield gateway


@pytest.fixture(scope="package")
def momit_account(
    home_assistant: E2EHomeAssistant, momit_gateway: GatewaySimulator
) -> list[dict[str, Any]]:
    """The gateway, added through the flow with the AC node's port: menu → form → confirm."""

    async def steps(api: HomeAssistantApi, flow_id: str) -> list[dict[str, Any]]:
        form = await api.flow_step(flow_id, {"next_step_id": "momit"})
        confirm = await api.flow_step(
            flow_id, {"host": "127.0.0.1", "port": momit_gateway.ac_port()}
        )
        done = await api.flow_step(flow_id, {})
        return [form, confirm, done]

    with loopback_sockets():
        return run(_async_add_account(home_assistant, "momit", steps))


async def async_wait_for[T](
    read: Callable[[], Awaitable[T]],
    condition: Callable[[T], bool],
    what: str,
    *,
    timeout_s: float = 30.0,
    between: Callable[[], Awaitable[None]] | None = None,
) -> T:
    """Read until `condition` holds (Home Assistant works asynchronously); fail after a while.

    `between` runs before each new read (e.g. to ask for a poll). The timeout is a safety net,
    not an assertion: nothing here measures how long anything took.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        value = await read()
        if condition(value):
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}; last value: {value!r}")
        await asyncio.sleep(0.2)
        if between is not None:
            await between()
