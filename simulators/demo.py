"""`scripts/demo`: the simulators and a real Home Assistant with both integrations, on loopback.

What it does, in order:

1. recreates `.demo/config` (a small configuration, nothing from the network, web UI included);
2. starts the simulators on 127.0.0.1: the Kumo adapters of the demo account (Living Room, a
   5-speed unit with a wireless sensor and a vane; Bedroom, a unit whose profile reports 3 fan
   speeds, without vane or auto mode; a Kumo Station; Guest Room, added in the Comfort app, so
   the cloud has no keys for it), its Kumo Cloud (a legacy account: the cloud hands out the
   other units' keys and addresses; it controls and pushes the Guest Room), and a Momit gateway
   with one Momit Cool (AC) node on a port where a real gateway puts its nodes (10000-19999,
   the range a search tries first);
3. starts Home Assistant (`hass -c .demo/config --skip-pip`) on http://127.0.0.1:8123: the one
   installed beside this Python (scripts/demo picks the newest the machine's Python can run);
4. completes onboarding through the onboarding API (owner `demo` / `demo-password`), and says
   which Home Assistant version runs;
5. adds the Kumo account and the Momit gateway through the config flow HTTP API, step by step,
   as the "Add integration" dialog does;
6. prints the URL, the login and what to try, then echoes every command the simulated devices
   receive, until Ctrl-C stops everything.

Run it with `scripts/demo` (which sets up `.venv` first) or `python -m simulators.demo`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import logging
import os
from pathlib import Path
import platform
import shutil
import signal
import socket
import sys
import time
from typing import Any, Final

import aiohttp

from simulators.home_assistant import (
    REPO_ROOT,
    HomeAssistantApi,
    HomeAssistantApiError,
    HomeAssistantProcess,
    Login,
    write_configuration,
)
from simulators.kumo_home import ACCOUNTS, GUEST_UNIT, LEGACY_ACCOUNT, KumoHome
from simulators.momit_gateway import GatewaySimulator

DEMO_LOGIN: Final = Login(name="Demo", username="demo", password="demo-password")
DEFAULT_PORT: Final = 8123
DEMO_DIR: Final = REPO_ROOT / ".demo"
HANDLER: Final = "kumo_momit"
# Core_config onboarding starts flows for integrations that need the internet (weather, radio,
# text-to-speech). Their packages are not installed (--skip-pip); what they leave is removed.
ONLINE_ONBOARDING_DOMAINS: Final = ("google_translate", "met", "radio_browser")
# A real gateway maps its nodes to random ports in 10000-19999 (momit.md §1.2); so does the demo's.
MOMIT_PORT_RANGE: Final = (10000, 19999)

_LOGGER = logging.getLogger("demo")


class DemoError(Exception):
    """The demo cannot start; the message says why and what to do."""


def say(text: str = "") -> None:
    """One line for the person running the demo."""
    print(text, flush=True)


def _port_is_free(port: int) -> bool:
    """Whether nothing listens on `port`. Connections of an earlier Home Assistant that linger
    in TIME_WAIT do not count: Home Assistant binds with SO_REUSEADDR, and so does the probe."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _stop_leftover_hass(pid_file: Path, config_dir: Path) -> None:
    """A previous demo that was killed (not Ctrl-C'd) can leave its Home Assistant running.

    Only a process whose command line names this demo's config folder is stopped.
    """
    try:
        pid = int(pid_file.read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return
    if str(config_dir).encode() not in cmdline:
        return
    say(f"Stopping the Home Assistant a previous demo left running (pid {pid})…")
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def prepare(demo_dir: Path, port: int, *, headless: bool) -> Path:
    """Check the machine, then write a fresh configuration folder; returns it."""
    if not headless and importlib.util.find_spec("hass_frontend") is None:
        raise DemoError(
            "The Home Assistant web UI package is missing: run scripts/demo, which installs it "
            "(requirements_demo.txt)."
        )
    config_dir = demo_dir / "config"
    _stop_leftover_hass(demo_dir / "hass.pid", config_dir)
    if not _port_is_free(port):
        raise DemoError(
            f"Port {port} on 127.0.0.1 is in use (another Home Assistant?). "
            f"Stop it, or choose another port: scripts/demo --port {port + 1}"
        )
    if config_dir.exists():
        shutil.rmtree(config_dir)
    write_configuration(config_dir, port=port, headless=headless)
    return config_dir


def _shown(path: Path) -> str:
    """A path as short as it can be said: relative to the repository when inside it."""
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


# --- adding the integrations through the config flow HTTP API -------------------------------


def _expect(reply: dict[str, Any], kind: str, step_id: str | None = None) -> None:
    if reply.get("type") != kind or (step_id is not None and reply.get("step_id") != step_id):
        raise DemoError(f"unexpected config flow reply: {json.dumps(reply)[:500]}")


async def add_kumo_account(api: HomeAssistantApi, home: KumoHome) -> dict[str, Any]:
    """Add integration → Kumo → the account, with the cloud servers pointed at the simulator."""
    account = ACCOUNTS[LEGACY_ACCOUNT]
    menu = await api.start_flow(HANDLER)
    _expect(menu, "menu", "user")
    form = await api.flow_step(menu["flow_id"], {"next_step_id": "kumo"})
    _expect(form, "form", "kumo")
    url = home.cloud_url(LEGACY_ACCOUNT)
    keys: dict[str, Any] = await api.flow_step(
        form["flow_id"],
        {
            "username": account.username,
            "password": account.password,
            "cloud_servers": {
                "v3_base_url": url,
                "v2_base_url": url,
                "v2_ca_base_url": url,
                "socket_base_url": url,
            },
        },
    )
    # The Guest Room was added in the Comfort app: the cloud has no keys for it. The demo
    # leaves it to the cloud, as a user who has no keys at hand does.
    _expect(keys, "form", "unit_secrets")
    done: dict[str, Any] = await api.flow_step(form["flow_id"], {"skip": True})
    _expect(done, "create_entry")
    return done


async def add_momit_gateway(
    api: HomeAssistantApi, gateway: GatewaySimulator
) -> dict[str, Any] | None:
    """Add integration → Momit → host and the node's port → confirm; None if not offered."""
    menu = await api.start_flow(HANDLER)
    _expect(menu, "menu", "user")
    if "momit" not in menu["menu_options"]:
        await api.request("DELETE", f"/api/config/config_entries/flow/{menu['flow_id']}")
        return None
    form = await api.flow_step(menu["flow_id"], {"next_step_id": "momit"})
    _expect(form, "form", "momit")
    confirm = await api.flow_step(form["flow_id"], {"host": "127.0.0.1", "port": gateway.ac_port()})
    _expect(confirm, "form", "momit_confirm")
    done: dict[str, Any] = await api.flow_step(form["flow_id"], {})
    _expect(done, "create_entry")
    return done


async def remove_online_onboarding_entries(api: HomeAssistantApi) -> None:
    """Remove what onboarding's internet integrations left (they cannot work offline)."""
    deadline = time.monotonic() + 5
    while True:
        entries = [
            entry
            for domain in ONLINE_ONBOARDING_DOMAINS
            for entry in await api.config_entries(domain)
        ]
        if entries or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    for entry in entries:
        with contextlib.suppress(HomeAssistantApiError):
            await api.request("DELETE", f"/api/config/config_entries/entry/{entry['entry_id']}")


# --- what the devices receive ----------------------------------------------------------------


async def echo_device_commands(home: KumoHome, gateway: GatewaySimulator | None) -> None:
    """Print every command the simulated devices receive, as it arrives."""
    seen_kumo = dict.fromkeys(home.units.units, 0)
    seen_cloud = 0
    seen_momit = 0
    while True:
        cloud = home.clouds[LEGACY_ACCOUNT]
        for serial, commands in cloud.commands[seen_cloud:]:
            label = home.units.unit(serial).definition.label
            say(f"  Kumo {label:<12} ← Kumo Cloud {json.dumps(commands)}")
        seen_cloud = len(cloud.commands)
        for serial, unit in home.units.units.items():
            requests = unit.requests
            for request in requests[seen_kumo[serial] :]:
                if "write" in request.kinds:
                    tree = request.tree
                    written = tree.get("indoorUnit", {}).get("status") or tree
                    say(f"  Kumo {unit.definition.label:<12} ← {json.dumps(written)}")
            seen_kumo[serial] = len(requests)
        if gateway is not None:
            with contextlib.suppress(OSError, RuntimeError):
                puts = await gateway.puts_received()
                for put in puts[seen_momit:]:
                    say(f"  Momit Cool        ← {put['payload']}")
                seen_momit = len(puts)
        await asyncio.sleep(0.5)


def banner(
    hass: HomeAssistantProcess, home: KumoHome, gateway: GatewaySimulator | None, momit: bool
) -> None:
    """The URL, the login and what to try."""
    account = ACCOUNTS[LEGACY_ACCOUNT]
    say()
    say("=" * 78)
    say(f"  Home Assistant is running: {hass.base_url}")
    say(f"  Log in as: {DEMO_LOGIN.username} / {DEMO_LOGIN.password}")
    say("=" * 78)
    say("What to try:")
    say("  • Overview: Living Room (5 fan speeds, vane, wireless sensor), Bedroom (no vane, no")
    say("    auto mode; its profile reports 3 fan speeds, but such units accept all five, so five")
    say("    speeds and auto are offered), Kumo Station (outdoor temperature), Guest Room (no")
    say(
        "    local keys: controlled through the simulated Kumo Cloud, with push)"
        + (", and the" if momit else ".")
    )
    if momit:
        say("    Momit Cool thermostat with its room sensor and auto-off timer.")
    say("  • Change a mode, a setpoint, the fan or the vane: the command each device receives")
    say("    is printed below, and the simulated room warms or cools toward the setpoint.")
    say("  • Settings → Devices & services → Mitsubishi Kumo & Momit Cool (local): the entries")
    say("    added through the config flow; Configure sets the poll interval.")
    say("  • To add the account yourself: delete the Kumo entry, Add integration → Mitsubishi")
    say("    Kumo & Momit Cool (local) → Kumo, sign in with")
    say(f"    {account.username} / {account.password} and, in the collapsed Cloud servers")
    say("    section, set all four servers to")
    say(f"    {home.cloud_url(LEGACY_ACCOUNT)} (the simulated Kumo Cloud).")
    say('  • Settings → Repairs: "Add local keys to control Guest Room without the cloud".')
    say(f"    Its keys: {GUEST_UNIT.password_b64} / {GUEST_UNIT.crypto_serial_hex},")
    say(f"    address {home.units.address(GUEST_UNIT.serial)}; it then switches to local control.")
    if gateway is not None and momit:
        port = gateway.ac_port()
        say(f"  • The Momit gateway is 127.0.0.1; its Momit Cool node answers on UDP port {port}.")
        low, high = MOMIT_PORT_RANGE
        say("    To add it yourself, enter that port: the node is found at once. Left empty, the")
        say(f"    integration searches the gateway's ports {low}-{high} (about two minutes).")
    elif gateway is not None:
        say("  • The Momit gateway simulator runs, but this version of the integration offers no")
        say("    Momit Cool flow yet, so it was not added.")
    say(f"Logs: {_shown(hass.log_path)}. Ctrl-C stops everything.")
    say()
    say("Commands received by the simulated devices:")


# --- main ------------------------------------------------------------------------------------


async def keep_http_settings(api: HomeAssistantApi) -> None:
    """Confirm the demo's HTTP settings (its port, loopback only) as the user's own.

    Home Assistant 2026.x holds changed HTTP settings as "pending" and asks in its UI to confirm
    them, else it goes back to the earlier ones (port 8123): the demo would then vanish from the
    URL it printed. Older releases have no such step (the command is unknown there).
    """
    with contextlib.suppress(HomeAssistantApiError):
        await api.websocket_command({"type": "http/config/promote"})


async def onboard_and_add_integrations(
    hass: HomeAssistantProcess, home: KumoHome, gateway: GatewaySimulator | None
) -> bool:
    """Onboard, say which Home Assistant runs, add both integrations; whether Momit was added."""
    async with aiohttp.ClientSession() as session:
        api = HomeAssistantApi(session, hass.base_url)
        say("Onboarding (creating the owner account)…")
        await api.onboard(DEMO_LOGIN)
        await api.async_wait_until_running(timeout_s=300)
        version = await api.version()
        say(f"Home Assistant {version} is running (Python {platform.python_version()}).")
        await keep_http_settings(api)
        say("Adding the Kumo account through the config flow…")
        await add_kumo_account(api, home)
        momit = False
        if gateway is not None:
            say("Adding the Momit gateway through the config flow…")
            momit = await add_momit_gateway(api, gateway) is not None
        await remove_online_onboarding_entries(api)
    return momit


async def serve_until_stopped(hass: HomeAssistantProcess, pid_file: Path) -> None:
    """Keep Home Assistant running: a restart asked for in the UI starts it again; any other
    exit ends the demo (an error)."""
    while True:
        # `hass` is a child process, not an awaitable: its liveness is polled.
        while hass.running:  # noqa: ASYNC110
            await asyncio.sleep(1)
        if not hass.asked_to_restart:
            raise DemoError(f"Home Assistant stopped on its own; see {hass.log_path}")
        say("Home Assistant restarts (asked for in its UI)…")
        hass.start()
        pid_file.write_text(str(hass.pid))  # noqa: ASYNC240 - a few bytes, once a restart
        await hass.async_wait_until_serving(timeout_s=300)
        say(f"Home Assistant is back on {hass.base_url}.")


async def run_demo(args: argparse.Namespace) -> None:
    """Start everything, add the integrations, then serve until cancelled; always clean up."""
    demo_dir: Path = args.dir.resolve()
    config_dir = prepare(demo_dir, args.port, headless=args.headless)
    home = KumoHome(room_drift=True, guest_in_legacy=True)
    gateway: GatewaySimulator | None = None
    hass = HomeAssistantProcess(config_dir, port=args.port)
    pid_file = demo_dir / "hass.pid"
    try:
        say("Starting the simulators on 127.0.0.1…")
        await home.start()
        if not args.no_momit:
            gateway = GatewaySimulator(
                ac_nodes=1,
                other_nodes=0,
                decoys=False,
                port_range=MOMIT_PORT_RANGE,
                log_path=demo_dir / "momit_gateway.log",
            )
            gateway.start()
        say(f"Starting Home Assistant on {hass.base_url} (configuration: {_shown(config_dir)})…")
        hass.start()
        pid_file.write_text(str(hass.pid))
        await hass.async_wait_until_serving(timeout_s=300)
        momit = await onboard_and_add_integrations(hass, home, gateway)
        banner(hass, home, gateway, momit)
        echo = asyncio.create_task(echo_device_commands(home, gateway))
        try:
            await serve_until_stopped(hass, pid_file)
        finally:
            echo.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await echo
    finally:
        say("Stopping Home Assistant and the simulators…")
        hass.stop()
        pid_file.unlink(missing_ok=True)
        if gateway is not None:
            gateway.stop()
        await home.stop()
        say("Stopped; nothing is left running.")


async def _main(args: argparse.Namespace) -> int:
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    stopping = False

    def stop() -> None:
        nonlocal stopping
        if stopping:
            say("Still stopping…")
            return
        stopping = True
        task.cancel()

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(signum, stop)
    try:
        await run_demo(args)
    except asyncio.CancelledError:
        return 0
    except DemoError as err:
        say(f"error: {err}")
        return 1
    except (HomeAssistantApiError, aiohttp.ClientError, TimeoutError) as err:
        say(f"error: {err}")
        say(f"Home Assistant's log: {args.dir / 'config' / 'home-assistant.log'}")
        return 1
    return 0


def main(argv: list[str] | None = None) -> None:
    """`python -m simulators.demo [--port 8123] [--dir .demo] [--no-momit] [--headless]`."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="Home Assistant's port")
    parser.add_argument(
        "--dir",
        type=Path,
        default=DEMO_DIR,
        help="working folder: config/ (recreated on every run), logs, pid file",
    )
    parser.add_argument("--no-momit", action="store_true", help="leave the Momit gateway out")
    parser.add_argument(
        "--headless", action="store_true", help="no web UI, only the HTTP API (used by tests)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sys.exit(asyncio.run(_main(args)))


if __name__ == "__main__":
    main()
