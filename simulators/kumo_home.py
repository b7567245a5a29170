"""A simulated Kumo home: the unit simulator and the Kumo Cloud, together, on loopback.

`KumoHome` runs in the current event loop (the demo uses it that way). It holds

* the adapters of the demo account (`demo_units()`: Living Room, Bedroom, Kumo Station) and,
  optionally, one more adapter, the Office, that belongs to a second account;
* a Kumo Cloud for the demo account, a *legacy* account (the v2 login still hands out every
  unit's keys and address);
* optionally a Kumo Cloud for the second account, a *Comfort-native* account (the cloud has no
  keys at all: the Office can only be added from a hass-kumo `kumo_cache.json`);
* optionally a fourth adapter, the Guest Room, that the cloud has no keys for: on an account
  of its own (`cloud_account`, end-to-end tests) or on the demo account, which the v2 login
  then does not list (`guest_in_legacy`, the demo). It is controlled through the cloud
  (send-command and Socket.IO push) until its keys are entered.

Every cloud shares the unit simulator's state of its units, so a command sent through the cloud
is what the adapter answers locally, and a local change is what the cloud pushes.

End-to-end tests run it in a subprocess (`KumoHomeProcess`) so that the test process opens no
server sockets (the Home Assistant test plugin blocks socket creation between tests) and drive it
over stdin/stdout, one JSON object per line: `python -m simulators.kumo_home --control`.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass
import inspect
import json
from pathlib import Path
import subprocess
import sys
from typing import Any, Final

from simulators.kumo_cloud import DEMO_PASSWORD, DEMO_USERNAME, CloudAccountKind, KumoCloudSimulator
from simulators.kumo_unit import KumoUnitSimulator, SimulatedUnit
from simulators.kumo_units import (
    KumoUnitDefinition,
    demo_units,
    make_crypto_serial_hex,
    make_password_b64,
)
from simulators.process import reap, spawn_simulator

LEGACY_ACCOUNT: Final = "legacy"
COMFORT_ACCOUNT: Final = "comfort"
COMFORT_USERNAME: Final = "comfort@example.com"
COMFORT_PASSWORD: Final = "comfort-cloud-password"
CLOUD_ACCOUNT: Final = "cloud"
CLOUD_USERNAME: Final = "cloud@example.com"
CLOUD_PASSWORD: Final = "cloud-only-password"
# Simulated adapters report to their cloud this often (a drifting room is pushed).
ADAPTER_REPORT_INTERVAL_S: Final = 30.0

OFFICE_UNIT: Final = KumoUnitDefinition(
    serial="0Y34P008Q100391D",
    label="Office",
    mac="50:26:ef:12:34:04",
    password_b64=make_password_b64("office"),
    crypto_serial_hex=make_crypto_serial_hex("office"),
    number_of_fan_speeds=4,
    has_vane_dir=True,
    has_vane_swing=False,
    model_number="MSZ-GL09NA",
)


GUEST_UNIT: Final = KumoUnitDefinition(
    serial="0Y34P008Q100455E",
    label="Guest Room",
    mac="50:26:ef:12:34:05",
    password_b64=make_password_b64("guest-room"),
    crypto_serial_hex=make_crypto_serial_hex("guest-room"),
    number_of_fan_speeds=5,
    has_vane_dir=True,
    has_vane_swing=True,
    mhk2=True,
    model_number="MSZ-GS09NA",
)
"""A unit the cloud has no keys for: on the legacy account in the demo (added in the Comfort
app after the migration, so v2 does not list it), or the only unit of a keyless account."""


@dataclass(frozen=True)
class CloudAccount:
    """Who signs in to one simulated cloud."""

    username: str
    password: str
    kind: CloudAccountKind


ACCOUNTS: Final = {
    LEGACY_ACCOUNT: CloudAccount(DEMO_USERNAME, DEMO_PASSWORD, CloudAccountKind.LEGACY),
    COMFORT_ACCOUNT: CloudAccount(
        COMFORT_USERNAME, COMFORT_PASSWORD, CloudAccountKind.COMFORT_NATIVE
    ),
    CLOUD_ACCOUNT: CloudAccount(CLOUD_USERNAME, CLOUD_PASSWORD, CloudAccountKind.COMFORT_NATIVE),
}


class KumoHome:
    """The adapters and the clouds of the demo, in this event loop."""

    def __init__(
        self,
        *,
        comfort_account: bool = False,
        cloud_account: bool = False,
        guest_in_legacy: bool = False,
        room_drift: bool = True,
    ) -> None:
        """`comfort_account` adds the Office and its keyless cloud account; the Guest Room
        joins either the legacy account without keys (`guest_in_legacy`, the demo) or an
        account of its own (`cloud_account`): in both it can only be controlled through the
        cloud until its keys are entered."""
        if cloud_account and guest_in_legacy:
            raise ValueError("the Guest Room belongs to one account")
        self.account_units: dict[str, list[KumoUnitDefinition]] = {LEGACY_ACCOUNT: demo_units()}
        if guest_in_legacy:
            self.account_units[LEGACY_ACCOUNT].append(GUEST_UNIT)
        if comfort_account:
            self.account_units[COMFORT_ACCOUNT] = [OFFICE_UNIT]
        if cloud_account:
            self.account_units[CLOUD_ACCOUNT] = [GUEST_UNIT]
        self._room_drift = room_drift
        self.units = KumoUnitSimulator(
            [unit for units in self.account_units.values() for unit in units],
            room_drift=room_drift,
        )
        self.clouds: dict[str, KumoCloudSimulator] = {}
        self._cloud_ports: dict[str, int] = {}

    async def start(self) -> None:
        """Adapters first: the legacy cloud publishes their addresses."""
        await self.units.start()
        for name, units in self.account_units.items():
            account = ACCOUNTS[name]
            cloud = KumoCloudSimulator(
                units,
                addresses={unit.serial: self.units.address(unit.serial) for unit in units},
                username=account.username,
                password=account.password,
                account=account.kind,
                unit_states={unit.serial: self.units.unit(unit.serial) for unit in units},
            )
            cloud.v2_hidden = {GUEST_UNIT.serial}
            if self._room_drift:
                cloud.report_interval_s = ADAPTER_REPORT_INTERVAL_S
            url = await cloud.start()
            self._cloud_ports[name] = int(url.rsplit(":", 1)[1])
            self.clouds[name] = cloud

    async def stop(self) -> None:
        """Stop the clouds and every adapter."""
        for cloud in self.clouds.values():
            await cloud.close()
        await self.units.stop()

    def cloud_url(self, account: str = LEGACY_ACCOUNT) -> str:
        """Base URL of one account's cloud (it serves v3, v2 and the Canadian v2 path)."""
        return f"http://127.0.0.1:{self._cloud_ports[account]}"

    async def stop_cloud(self, account: str) -> None:
        """The cloud goes away (its port stays reserved for `start_cloud`)."""
        await self.clouds[account].close()

    async def start_cloud(self, account: str) -> None:
        """The cloud comes back on the same URL."""
        await self.clouds[account].start(self._cloud_ports[account])

    def info(self) -> dict[str, Any]:
        """Addresses, clouds and accounts, as plain JSON."""
        return {
            "units": {serial: self.units.address(serial) for serial in self.units.units},
            "clouds": {name: self.cloud_url(name) for name in self.clouds},
            "accounts": {
                name: {
                    "username": ACCOUNTS[name].username,
                    "password": ACCOUNTS[name].password,
                    "serials": [unit.serial for unit in units],
                }
                for name, units in self.account_units.items()
            },
        }

    async def handle(self, command: dict[str, Any]) -> dict[str, Any]:
        """One control command (see `KumoHomeProcess` for the vocabulary)."""
        cmd = command["cmd"]
        if cmd == "info":
            return self.info()
        if "account" in command:
            return await self._handle_cloud(cmd, self.clouds[command["account"]], command)
        return await self._handle_unit(cmd, self.units.unit(command["serial"]), command)

    async def _handle_cloud(
        self, cmd: str, cloud: KumoCloudSimulator, command: dict[str, Any]
    ) -> dict[str, Any]:
        account = command["account"]
        actions: dict[str, Callable[[], Awaitable[object] | object]] = {
            "stop_cloud": lambda: self.stop_cloud(account),
            "start_cloud": lambda: self.start_cloud(account),
            "drop_sockets": cloud.drop_sockets,
            "expire_access_tokens": cloud.expire_access_tokens,
            "reset_cloud_counts": cloud.reset_counts,
            "disconnect_unit": lambda: cloud.disconnect_unit(command["serial"]),
            "reconnect_unit": lambda: cloud.reconnect_unit(command["serial"]),
            "change_from_app": lambda: cloud.change_from_app(
                command["serial"], command["commands"]
            ),
            "change_from_remote": lambda: cloud.change_from_remote(
                command["serial"], **command["status"]
            ),
            "fail_next": lambda: cloud.fail_next(
                command["status"],
                command.get("count", 1),
                route=command.get("route"),
                reset_s=command.get("reset_s"),
            ),
        }
        if cmd in actions:
            result = actions[cmd]()
            if inspect.isawaitable(result):
                await result
            return {}
        reports: dict[str, Callable[[], dict[str, Any]]] = {
            "cloud_requests": lambda: {"requests": cloud.total_requests},
            "cloud_commands": lambda: {"commands": [list(item) for item in cloud.commands]},
            "cloud_counts": lambda: {
                "requests": cloud.total_requests,
                "counts": dict(cloud.counts),
                "serial_requests": dict(cloud.serial_requests),
                "socket_clients": 0 if cloud.push is None else cloud.push.connected_clients,
                "subscribers": {
                    serial: 0 if cloud.push is None else cloud.push.subscribers(serial)
                    for serial in cloud.devices()
                },
            },
        }
        return reports[cmd]()

    async def _handle_unit(
        self, cmd: str, unit: SimulatedUnit, command: dict[str, Any]
    ) -> dict[str, Any]:
        reports: dict[str, Callable[[], dict[str, Any]]] = {
            "bodies": lambda: {
                "bodies": [body.decode() for body in unit.bodies(command.get("kind"))]
            },
            "status": lambda: {"status": unit.status},
        }
        if cmd in reports:
            return reports[cmd]()
        actions: dict[str, Callable[[], Awaitable[object] | object]] = {
            "reset_records": unit.reset_records,
            "go_offline": unit.go_offline,
            "go_online": unit.go_online,
            "set_room_temperature": lambda: unit.set_room_temperature(float(command["celsius"])),
            "set_injection_fallback": lambda: setattr(
                unit, "injection_fallback_s", float(command["seconds"])
            ),
        }
        result = actions[cmd]()
        if inspect.isawaitable(result):
            await result
        return {}


# --- control over stdin/stdout (end-to-end tests) -------------------------------------------


async def _serve_control(home: KumoHome) -> None:
    """Answer one JSON line on stdout for every JSON line on stdin; stop at end of input."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def reply(document: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(document) + "\n")
        sys.stdout.flush()

    reply({"ok": True, "event": "ready", **home.info()})
    while line := await reader.readline():
        try:
            document = {"ok": True, **await home.handle(json.loads(line))}
        except Exception as err:  # noqa: BLE001 - reported to the controlling process
            document = {"ok": False, "error": repr(err)}
        reply(document)


async def _run(args: argparse.Namespace) -> None:
    home = KumoHome(
        comfort_account=args.comfort_account,
        cloud_account=args.cloud_account,
        room_drift=not args.no_drift,
    )
    await home.start()
    try:
        await _serve_control(home)
    finally:
        await home.stop()


def main(argv: list[str] | None = None) -> None:
    """`python -m simulators.kumo_home --control`."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--control", action="store_true", help="JSON lines on stdin/stdout")
    parser.add_argument("--comfort-account", action="store_true", help="add the Office account")
    parser.add_argument(
        "--cloud-account", action="store_true", help="add the keyless Guest Room account"
    )
    parser.add_argument("--no-drift", action="store_true", help="keep room temperatures still")
    args = parser.parse_args(argv)
    if not args.control:
        parser.error("only --control is supported; `scripts/demo` runs the whole demo")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run(args))


class KumoHomeProcess:
    """`KumoHome` in a subprocess, driven synchronously over its stdin/stdout.

    Commands: `info`; `bodies(serial, kind)`, `reset_records(serial)`, `status(serial)`,
    `go_offline(serial)`, `go_online(serial)`, `set_room_temperature(serial, celsius)`,
    `set_injection_fallback(serial, seconds)`;
    per cloud (`account=…`): `stop_cloud`, `start_cloud`, `cloud_requests`, `cloud_counts`,
    `cloud_commands`, `reset_cloud_counts`, `drop_sockets`, `expire_access_tokens`,
    `fail_next(status, count, route)`, `disconnect_unit(serial)`, `reconnect_unit(serial)`,
    `change_from_app(serial, commands)`, `change_from_remote(serial, status)`.
    """

    def __init__(
        self,
        *,
        comfort_account: bool = True,
        cloud_account: bool = True,
        room_drift: bool = False,
        log_path: Path | None = None,
    ) -> None:
        """A home with every account and still rooms by default (tests compare values)."""
        self._args = ["--control"]
        if comfort_account:
            self._args.append("--comfort-account")
        if cloud_account:
            self._args.append("--cloud-account")
        if not room_drift:
            self._args.append("--no-drift")
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        self.info: dict[str, Any] = {}

    def start(self) -> None:
        """Start the subprocess and wait for its ready line."""
        self._process = spawn_simulator(
            "simulators.kumo_home", self._args, log_path=self._log_path, stdin=subprocess.PIPE
        )
        ready = self._read_reply("start")
        ready.pop("event")
        self.info = ready

    def stop(self) -> None:
        """End of input stops the home cleanly; a stuck process is killed."""
        process, self._process = self._process, None
        if process is None:
            return
        assert process.stdin is not None
        with contextlib.suppress(OSError):
            process.stdin.close()
        reap(process, grace_s=10)

    def __enter__(self) -> KumoHomeProcess:
        """Start."""
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Stop."""
        self.stop()

    def call(self, cmd: str, **args: Any) -> dict[str, Any]:
        """Send one command and return its reply (raises if the home reported an error)."""
        if self._process is None or self._process.stdin is None:
            raise RuntimeError("the Kumo home is not running")
        self._process.stdin.write(json.dumps({"cmd": cmd, **args}).encode() + b"\n")
        self._process.stdin.flush()
        return self._read_reply(cmd)

    def _read_reply(self, cmd: str) -> dict[str, Any]:
        assert self._process is not None
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the Kumo home exited (during {cmd!r})")
        reply: dict[str, Any] = json.loads(line)
        if not reply.pop("ok"):
            raise RuntimeError(f"Kumo home {cmd}: {reply['error']}")
        return reply

    # --- conveniences ---------------------------------------------------------------------

    def address(self, serial: str) -> str:
        """`127.0.0.1:<port>` of one adapter."""
        address: str = self.info["units"][serial]
        return address

    def cloud_url(self, account: str = LEGACY_ACCOUNT) -> str:
        """Base URL of one account's cloud."""
        url: str = self.info["clouds"][account]
        return url

    def bodies(self, serial: str, kind: str | None = None) -> list[bytes]:
        """Request bodies one adapter received (optionally of one kind: "write", "status"…)."""
        return [body.encode() for body in self.call("bodies", serial=serial, kind=kind)["bodies"]]

    def status(self, serial: str) -> dict[str, Any]:
        """The adapter's live `indoorUnit.status`."""
        status: dict[str, Any] = self.call("status", serial=serial)["status"]
        return status


if __name__ == "__main__":
    main()
