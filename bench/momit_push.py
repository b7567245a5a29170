"""Momit push benchmark on loopback: notification latency and request load, observe vs polling.

    .venv/bin/python -m bench.momit_push [--samples 50] [--duration 30] [--poll-interval 10]
                                         [--quiet-window 300] [--outages 3]

1. Latency: the simulated room temperature changes `--samples` times; for each change the time
   from the node's notification datagram leaving the simulated gateway (CLOCK_MONOTONIC, shared
   by both processes on Linux) to the client's `on_reading` callback is measured, and also the
   time from the change command to the callback (includes the simulator's control channel).
   Target: <= 100 ms.
2. Load: for `--duration` seconds the room changes every second; the datagrams the node receives
   are counted (a) while the client observes both resources and (b) while it only polls both
   every `--poll-interval` seconds, and extrapolated to one hour. Target while observed: 0 polls.
3. Refresh cost: for `--quiet-window` seconds nothing changes; the client observes with the
   default options, so each quiet resource is registered again every `refresh_interval_s`
   (50 s). The registrations and polls the node receives are counted and extrapolated to an hour.
4. Staleness after a short outage: `--outages` times, the node is silent for 3 s and comes back
   without its observers (a power cut); a change made right after it is back reaches nobody by
   notification. Measured: whether push was reported down during the outage, and the time from
   the change to the client's `on_state` (bounded by the refresh). Target: <= 60 s.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
import statistics
import time

from custom_components.kumo_momit.momit import (
    DEFAULT_OPTIONS,
    AcState,
    MomitClientOptions,
    MomitCoolClient,
    MomitListener,
    RoomReading,
)
from simulators.momit_gateway import GatewaySimulator


async def _push_up(client: MomitCoolClient) -> None:
    """Start push and wait until both observations are registered."""
    up = asyncio.Event()

    def on_push(active: bool) -> None:
        if active:
            up.set()

    remove = client.add_listener(MomitListener(on_push=on_push))
    try:
        await client.start_push()
        await asyncio.wait_for(up.wait(), 10)
    finally:
        remove()


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def measure_latency(sim: GatewaySimulator, samples: int) -> tuple[list[float], list[float]]:
    """Return (notification->callback, change command->callback) latencies in ms."""
    arrivals: dict[float, float] = {}
    got = asyncio.Event()

    def on_reading(reading: RoomReading) -> None:
        if reading.temperature_c is not None:
            arrivals[reading.temperature_c] = time.monotonic()
            got.set()

    client = MomitCoolClient(sim.host, sim.ac_port(), serial=sim.ac_serials[0])
    client.add_listener(MomitListener(on_reading=on_reading))
    wire: list[float] = []
    end_to_end: list[float] = []
    try:
        await _push_up(client)
        await sim.clear_records()
        for index in range(samples):
            temperature = 10.0 + index / 10
            got.clear()
            started = time.monotonic()
            await sim.set_room(temperature_c=temperature)
            await asyncio.wait_for(got.wait(), 5)
            while temperature not in arrivals:
                got.clear()
                await asyncio.wait_for(got.wait(), 5)
            end_to_end.append((arrivals[temperature] - started) * 1000)
            sent = (await sim.notification_times())[-1]
            wire.append((arrivals[temperature] - sent) * 1000)
            await asyncio.sleep(0.05)
    finally:
        await client.close()
    return wire, end_to_end


async def measure_load(
    sim: GatewaySimulator, duration_s: float, poll_interval_s: float, observe: bool
) -> Counter[str]:
    """Datagrams received by the AC node during `duration_s` with the room changing each second."""
    client = MomitCoolClient(
        sim.host, sim.ac_port(), serial=sim.ac_serials[0], options=MomitClientOptions()
    )
    try:
        if observe:
            await _push_up(client)
        await sim.clear_records()
        loop = asyncio.get_running_loop()
        end = loop.time() + duration_s
        next_poll = loop.time()
        step = 0
        while loop.time() < end:
            if not observe and loop.time() >= next_poll:
                await client.get_state()
                await client.get_reading()
                next_poll += poll_interval_s
            step += 1
            await sim.set_room(temperature_c=20.0 + (step % 20) / 10)
            await asyncio.sleep(1.0)
        return Counter(await sim.request_counts())
    finally:
        await client.close()


def _per_hour(count: int, duration_s: float) -> float:
    return count * 3600 / duration_s


async def measure_quiet(sim: GatewaySimulator, window_s: float) -> Counter[str]:
    """Datagrams received by the AC node while observed with default options, nothing changing."""
    client = MomitCoolClient(sim.host, sim.ac_port(), serial=sim.ac_serials[0])
    try:
        await _push_up(client)
        await sim.clear_records()
        await asyncio.sleep(window_s)
        return Counter(await sim.request_counts())
    finally:
        await client.close()


async def measure_outages(sim: GatewaySimulator, outages: int) -> list[tuple[bool, float]]:
    """(push reported down during the outage, change -> on_state in s) per outage."""
    seen: dict[str, float] = {}
    arrived = asyncio.Event()
    pushes: list[bool] = []

    def on_state(state: AcState) -> None:
        seen.setdefault(state.fields.get("mark", ""), time.monotonic())
        arrived.set()

    client = MomitCoolClient(sim.host, sim.ac_port(), serial=sim.ac_serials[0])
    client.add_listener(MomitListener(on_state=on_state, on_push=pushes.append))
    results: list[tuple[bool, float]] = []
    try:
        await _push_up(client)
        for index in range(outages):
            await asyncio.sleep(7.0 * (index + 1))  # the outage falls at a different phase
            del pushes[:]
            await sim.outage(duration_s=3.0)
            await asyncio.sleep(3.2)
            mark = f"m{index}"
            changed = time.monotonic()
            await sim.set_ac(mark=mark)  # nobody is notified: the observers are gone
            while mark not in seen:
                arrived.clear()
                await asyncio.wait_for(arrived.wait(), 120)
            results.append((False in pushes, seen[mark] - changed))
    finally:
        await client.close()
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(description="Momit push benchmark (loopback)")
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--poll-interval", type=float, default=10.0)
    parser.add_argument("--quiet-window", type=float, default=300.0)
    parser.add_argument("--outages", type=int, default=3)
    args = parser.parse_args()

    with GatewaySimulator(ac_nodes=1, other_nodes=1) as sim:
        wire, end_to_end = await measure_latency(sim, args.samples)
        await sim.reset()
        observed = await measure_load(sim, args.duration, args.poll_interval, observe=True)
        await sim.reset()
        polled = await measure_load(sim, args.duration, args.poll_interval, observe=False)
        await sim.reset()
        quiet = await measure_quiet(sim, args.quiet_window)
        await sim.reset()
        outages = await measure_outages(sim, args.outages)

    def polls(counts: Counter[str]) -> int:
        return counts["CON GET /10242/0/0"] + counts["CON GET /10241/0/0"]

    def registrations(counts: Counter[str]) -> int:
        return sum(v for k, v in counts.items() if k.endswith(" observe"))

    def acks(counts: Counter[str]) -> int:
        return counts["ACK EMPTY"]

    print(f"Latency, {len(wire)} notifications (ms)")
    print("| path | median | p95 | max |")
    print("|---|---|---|---|")
    for name, values in (
        ("notification datagram -> on_reading", wire),
        ("change command -> on_reading", end_to_end),
    ):
        print(
            f"| {name} | {statistics.median(values):.2f} | {_percentile(values, 0.95):.2f} "
            f"| {max(values):.2f} |"
        )
    print()
    print(f"Load, {args.duration:.0f} s window, room changing every second, extrapolated per hour")
    print("| mode | polls/h | observe registrations (in window) | ACKs of CON notifications/h |")
    print("|---|---|---|---|")
    print(
        f"| observed | {_per_hour(polls(observed), args.duration):.0f} | "
        f"{registrations(observed)} | {_per_hour(acks(observed), args.duration):.0f} |"
    )
    print(
        f"| poll-only every {args.poll_interval:.0f} s | "
        f"{_per_hour(polls(polled), args.duration):.0f} | {registrations(polled)} | "
        f"{_per_hour(acks(polled), args.duration):.0f} |"
    )
    print()
    print(
        f"Quiet node, {args.quiet_window:.0f} s window, observed with the default refresh "
        f"({DEFAULT_OPTIONS.refresh_interval_s:.0f} s), extrapolated per hour"
    )
    print("| mode | polls/h | observe registrations (in window) | registrations/h |")
    print("|---|---|---|---|")
    print(
        f"| observed, nothing changing | {_per_hour(polls(quiet), args.quiet_window):.0f} | "
        f"{registrations(quiet)} | {_per_hour(registrations(quiet), args.quiet_window):.0f} |"
    )
    print()
    print(f"Short outages (3 s, observers lost), {len(outages)} samples")
    print("| outage | push reported down | change after the outage -> on_state (s) |")
    print("|---|---|---|")
    for index, (down, delay) in enumerate(outages, 1):
        print(f"| {index} | {'yes' if down else 'no'} | {delay:.1f} |")


if __name__ == "__main__":
    asyncio.run(main())
