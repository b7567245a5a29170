"""Kumo polling cost: our async client vs pykumo 0.5.3, against the same simulated unit.

Run from the repository root, in the bench venv (see bench/README.md):

    bench/.venv/bin/python -m bench.kumo_poll --polls 60 --interval 60

For each client it polls one simulated indoor unit (the demo "Living Room": 5 fan speeds,
vane + swing, one wireless sensor) N times and prints requests per poll, requests per hour at
the given interval, and wall time per poll. The interval is simulated: our poller gets a fake
monotonic clock advanced by `--interval` per poll, pykumo's 20 s cache is expired the same way,
so an hour of polling runs in seconds and both see the same cadence.

Then it polls an unreachable unit with default timeouts (1.2 s connect, 8 s read): a closed
port (connection refused) and a "black hole" (a listener whose accept queue is full, so SYNs
are dropped and every connect times out, like a unit that is off the network).

pykumo is synchronous (requests); here it runs in a worker thread so the simulator keeps
serving on the event loop. Threads are for the benchmark only, never in custom_components.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Iterator
import contextlib
from dataclasses import dataclass
from pathlib import Path
import socket
import statistics
import sys
import time
import types
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _import_kumo_library() -> types.ModuleType:
    """Import `custom_components.kumo_momit.kumo` without the integration's `__init__`.

    The protocol library has no Home Assistant imports, but its parent package (the
    integration) does; the bench venv has no Home Assistant, so the parent is stubbed.
    """
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    if "custom_components.kumo_momit" not in sys.modules:
        parent = types.ModuleType("custom_components.kumo_momit")
        parent.__path__ = [str(ROOT / "custom_components" / "kumo_momit")]
        sys.modules["custom_components.kumo_momit"] = parent
    from custom_components.kumo_momit import kumo

    return kumo


kumo = _import_kumo_library()

import aiohttp  # noqa: E402
import pykumo  # noqa: E402
import requests  # noqa: E402

from simulators.kumo_unit import KumoUnitSimulator  # noqa: E402
from simulators.kumo_units import demo_units  # noqa: E402


class FakeClock:
    """Monotonic clock advanced by hand."""

    def __init__(self) -> None:
        self.now = time.monotonic()

    def __call__(self) -> float:
        return self.now


@dataclass
class Result:
    """Cost of N polls with one client."""

    client: str
    scenario: str
    polls: int
    requests: int
    seconds: list[float]
    ok: int

    def row(self, interval: float) -> str:
        per_poll = self.requests / self.polls
        per_hour = per_poll * 3600 / interval
        mean = statistics.mean(self.seconds)
        worst = max(self.seconds)
        return (
            f"| {self.scenario} | {self.client} | {self.polls} | {self.ok}/{self.polls} | "
            f"{per_poll:.2f} | {per_hour:.0f} | {_fmt(mean)} | {_fmt(worst)} |"
        )


def _fmt(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


@contextlib.contextmanager
def count_pykumo_attempts() -> Iterator[Callable[[], int]]:
    """Count HTTP attempts pykumo makes (its unit requests all go through Session.put)."""
    calls = 0
    original = requests.Session.put

    def counting_put(self: requests.Session, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return original(self, *args, **kwargs)

    requests.Session.put = counting_put  # type: ignore[method-assign]
    try:
        yield lambda: calls
    finally:
        requests.Session.put = original  # type: ignore[method-assign]


@contextlib.contextmanager
def black_hole() -> Iterator[str]:
    """An address whose SYNs are dropped: a listener never accepting, its queue full."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            yield f"127.0.0.1:{port}"


def closed_port() -> str:
    """An address with nothing listening: connection refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{probe.getsockname()[1]}"


@dataclass(frozen=True)
class Scenario:
    """What is measured: how many polls, at which simulated interval, under which name."""

    name: str
    polls: int
    interval: float


async def ours(
    session: aiohttp.ClientSession,
    address: str,
    secrets: tuple[str, str],
    scenario: Scenario,
    count: Callable[[], int] | None,
) -> Result:
    """Poll with KumoIndoorUnit; `count` None means: count the client's own attempts."""
    polls, interval = scenario.polls, scenario.interval
    clock = FakeClock()
    client = kumo.KumoUnitClient(session, address, kumo.KumoCredentials(*secrets), clock=clock)
    unit = kumo.KumoIndoorUnit("bench", "bench", client, clock=clock)
    seconds, ok = [], 0
    before = count() if count else 0
    for _ in range(polls):
        start = time.perf_counter()
        try:
            await unit.async_update()
            ok += 1
        except kumo.KumoError:
            pass
        seconds.append(time.perf_counter() - start)
        clock.now += interval
    sent = (count() - before) if count else client.http_attempts
    return Result("ours", scenario.name, polls, sent, seconds, ok)


async def theirs(
    address: str, secrets: tuple[str, str], scenario: Scenario, count: Callable[[], int]
) -> Result:
    """Poll with pykumo 0.5.3's PyKumo.update_status in a worker thread."""
    polls, interval = scenario.polls, scenario.interval
    password, crypto_serial = secrets
    unit = pykumo.PyKumo("bench", address, {"password": password, "crypto_serial": crypto_serial})
    seconds, ok = [], 0
    before = count()
    for _ in range(polls):
        # Same cadence as ours: the interval has passed, so its 20 s cache is stale.
        unit._last_status_update = time.monotonic() - interval
        start = time.perf_counter()
        if await asyncio.to_thread(unit.update_status):
            ok += 1
        seconds.append(time.perf_counter() - start)
    return Result("pykumo 0.5.3", scenario.name, polls, count() - before, seconds, ok)


async def run(args: argparse.Namespace) -> list[Result]:
    living_room = demo_units()[0]
    secrets = (living_room.password_b64, living_room.crypto_serial_hex)
    results: list[Result] = []
    async with (
        KumoUnitSimulator([living_room], room_drift=False) as sim,
        aiohttp.ClientSession() as session,
    ):
        sim_unit = sim.unit(living_room.serial)
        address = sim.address(living_room.serial)

        def received() -> int:
            return sim_unit.request_count

        healthy = Scenario("healthy unit, 1 wireless sensor", args.polls, args.interval)
        results.append(await ours(session, address, secrets, healthy, received))
        results.append(await theirs(address, secrets, healthy, received))

        with count_pykumo_attempts() as pykumo_attempts:
            for name, make_address in (
                ("unreachable: connection refused", contextlib.nullcontext(closed_port())),
                ("unreachable: connect timeout", black_hole()),
            ):
                dead_unit = Scenario(name, args.unreachable_polls, args.interval)
                with make_address as dead:
                    results.append(await ours(session, dead, secrets, dead_unit, None))
                    results.append(await theirs(dead, secrets, dead_unit, pykumo_attempts))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="Kumo polling cost: ours vs pykumo 0.5.3")
    parser.add_argument("--polls", type=int, default=60, help="polls of the healthy unit")
    parser.add_argument("--interval", type=float, default=60.0, help="simulated poll interval, s")
    parser.add_argument("--unreachable-polls", type=int, default=3)
    args = parser.parse_args()
    results = asyncio.run(run(args))
    print(
        f"pykumo {getattr(pykumo, '__version__', '0.5.3')}, aiohttp {aiohttp.__version__}, "
        f"Python {sys.version.split()[0]}; interval {args.interval:.0f} s"
    )
    print()
    print(
        "| scenario | client | polls | ok | HTTP requests per poll | requests per hour "
        f"at {args.interval:.0f} s | mean time per poll | worst poll |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for result in results:
        print(result.row(args.interval))


if __name__ == "__main__":
    main()
