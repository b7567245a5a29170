"""`scripts/demo`'s orchestrator, run as a user runs it: it starts, works, and Ctrl-C ends it all.

It runs headless here (`--headless`: the web UI package is only installed by scripts/demo), in a
temporary folder and on a free port, so it never touches `.demo` or port 8123.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
import signal
import sys

import aiohttp
import pytest

from simulators.demo import DEMO_LOGIN
from simulators.home_assistant import REPO_ROOT, HomeAssistantApi, HomeAssistantApiError

from .conftest import async_wait_for, free_port

BANNER_END = "Commands received by the simulated devices:"


class DemoRun:
    """One `python -m simulators.demo` process and what it printed."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        """Wrap the started process."""
        self.process = process
        self.lines: list[str] = []

    async def read_until(self, text: str) -> None:
        """Read the demo's output until a line contains `text` (fail if it exits first)."""
        assert self.process.stdout is not None
        while not any(text in line for line in self.lines):
            raw = await asyncio.wait_for(self.process.stdout.readline(), timeout=120)
            if not raw:
                pytest.fail(f"the demo ended before printing {text!r}:\n" + "\n".join(self.lines))
            self.lines.append(raw.decode().rstrip())

    async def interrupt(self) -> int:
        """Ctrl-C, then the rest of its output and its exit status."""
        self.process.send_signal(signal.SIGINT)
        assert self.process.stdout is not None
        rest = await asyncio.wait_for(self.process.stdout.read(), timeout=120)
        self.lines += rest.decode().splitlines()
        return await self.process.wait()


async def start_demo(demo_dir: Path, port: int) -> DemoRun:
    """Start the orchestrator and wait for its banner."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulators.demo",
        f"--port={port}",
        f"--dir={demo_dir}",
        "--headless",
        cwd=REPO_ROOT,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    run = DemoRun(process)
    try:
        await run.read_until(BANNER_END)
    except BaseException:
        if process.returncode is None:
            process.kill()
            await process.wait()
        raise
    return run


def _alive(pid: int) -> bool:
    """Whether a process runs (a zombie waiting to be reaped does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def _assert_a_newcomer_finds_a_clean_instance(api: HomeAssistantApi, run: DemoRun) -> None:
    """No integration onboarding left behind that needs the internet, no failed login of the
    demo's own making, no repair asking for a country; the Momit
    node is where a real gateway puts its nodes (a search looks there first), and the banner
    says that entering its port finds it at once."""
    assert await api.config_entries("google_translate") == []  # onboarding's leftovers
    await _assert_http_settings_kept(api, int(api.base_url.rsplit(":", 1)[1]))
    notifications = await api.websocket_command({"type": "persistent_notification/get"})
    assert [n["title"] for n in notifications] == []
    assert (await api.request("GET", "/api/config"))["country"]
    port_line = next(line for line in run.lines if "answers on UDP port" in line)
    assert 10000 <= int(port_line.rstrip(".").rsplit(" ", 1)[1]) <= 19999
    assert any("enter that port: the node is found at once" in line for line in run.lines)


async def _assert_http_settings_kept(api: HomeAssistantApi, port: int) -> None:
    """2026.x keeps changed HTTP settings pending and reverts them to port 8123 unless they are
    confirmed: the demo confirms its own, so nothing is scheduled to revert."""
    try:
        http = await api.websocket_command({"type": "http/config"})
    except HomeAssistantApiError:
        return  # before 2026: no such command, and no revert either
    assert (http["pending"], http["revert_at"]) == (None, None)
    assert http["stable"]["server_port"] == port


async def test_demo_starts_works_and_stops_everything(tmp_path: Path, socket_enabled: None) -> None:
    """Banner with URL and login; both integrations added; commands echoed; Ctrl-C: all gone."""
    port = free_port()
    run = await start_demo(tmp_path, port)
    try:
        output = "\n".join(run.lines)
        assert f"Home Assistant is running: http://127.0.0.1:{port}" in output
        assert f"Log in as: {DEMO_LOGIN.username} / {DEMO_LOGIN.password}" in output
        hass_pid = int((tmp_path / "hass.pid").read_text())
        async with aiohttp.ClientSession() as session:
            api = HomeAssistantApi(session, f"http://127.0.0.1:{port}")
            await api.log_in(DEMO_LOGIN)  # the printed login works on the login page's API
            entries = {entry["title"] for entry in await api.config_entries()}
            assert entries == {"demo@example.com", "Momit Gateway 127.0.0.1"}
            states = await api.states()
            assert {"climate.living_room", "climate.bedroom"} <= set(states)
            assert states["sensor.kumo_station_outdoor_temperature"]["state"] == "7.5"
            assert any(e.startswith("climate.momit_cool") for e in states)
            await _assert_a_newcomer_finds_a_clean_instance(api, run)
            await api.call_service(
                "climate",
                "set_hvac_mode",
                {"entity_id": "climate.living_room", "hvac_mode": "heat"},
            )

            # The fourth unit has no local keys: it runs through the simulated Kumo Cloud.
            async def guest_connection() -> str | None:
                state = await api.state("sensor.guest_room_connection")
                return None if state is None else str(state["state"])

            await async_wait_for(guest_connection, lambda s: s == "cloud", "the Guest Room")
            await async_wait_for(
                lambda: api.state("climate.guest_room"),
                lambda s: s is not None and s["state"] != "unavailable",
                "the Guest Room's pushed state",
            )
            await api.call_service(
                "climate",
                "set_hvac_mode",
                {"entity_id": "climate.guest_room", "hvac_mode": "cool"},
            )
        await run.read_until(f"Kumo Living Room  ← {json.dumps({'mode': 'heat'})}")
        cloud_command = {"power": 1, "operationMode": "cool"}
        await run.read_until(f"Kumo Guest Room   ← Kumo Cloud {json.dumps(cloud_command)}")

        # Settings → System → Restart: Home Assistant exits to be restarted; the demo does so.
        async with aiohttp.ClientSession() as session:
            api = HomeAssistantApi(session, f"http://127.0.0.1:{port}")
            await api.log_in(DEMO_LOGIN)
            with contextlib.suppress(aiohttp.ClientError, HomeAssistantApiError):
                await api.call_service("homeassistant", "restart", {})
        await run.read_until(f"Home Assistant is back on http://127.0.0.1:{port}.")
        assert int((tmp_path / "hass.pid").read_text()) != hass_pid
        hass_pid = int((tmp_path / "hass.pid").read_text())
        async with aiohttp.ClientSession() as session:
            api = HomeAssistantApi(session, f"http://127.0.0.1:{port}")
            await api.log_in(DEMO_LOGIN)
            await async_wait_for(
                lambda: api.state("climate.living_room"),
                lambda s: s is not None and s["state"] == "heat",
                "the Living Room after the restart",
            )
    finally:
        status = await run.interrupt()
    assert status == 0
    assert run.lines[-1] == "Stopped; nothing is left running."
    assert not (tmp_path / "hass.pid").exists()

    async def hass_alive() -> bool:
        return _alive(hass_pid)

    await async_wait_for(hass_alive, lambda alive: not alive, "Home Assistant to exit")

    # Again, in the same folder: a fresh configuration, onboarded and configured again.
    run = await start_demo(tmp_path, port)
    assert await run.interrupt() == 0
    assert "Adding the Kumo account through the config flow…" in run.lines
