"""Benchmarks through Home Assistant: Kumo requests per hour via the coordinators, and Momit
notification → Home Assistant state latency and polls while observed.

Runs a real `HomeAssistant` core in this process (the test plugin's helper builds it), sets the
integration up from config entries pointing at the simulators on loopback, and measures.

    .venv/bin/python -m bench.ha_paths --polls 60 --samples 30

Numbers only; nothing here asserts wall times (the test suite asserts request counts).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
import statistics
import time
from typing import Any
from unittest.mock import patch

from aiohttp.resolver import AsyncResolver
from homeassistant import loader
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import Event, EventStateChangedData, HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.kumo_momit.const import CONF_FAMILY, DOMAIN, FAMILY_KUMO, FAMILY_MOMIT
from custom_components.kumo_momit.kumo import KumoUnitKind, KumoUnitRecord
from custom_components.kumo_momit.kumo_ha.const import CONF_UNITS
from custom_components.kumo_momit.kumo_ha.settings import KUMO_SETTINGS, KumoSettings
from custom_components.kumo_momit.momit_ha.const import CONF_NODES
from custom_components.kumo_momit.momit_ha.data import MomitRuntimeData, StoredMomitNode
from simulators.kumo_unit import KumoUnitSimulator
from simulators.kumo_units import demo_units
from simulators.momit_gateway import GatewaySimulator


class FakeClock:
    """Monotonic seconds advanced by the benchmark: an hour of cadences in a moment."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def demo_kumo_entry(
    units: KumoUnitSimulator, options: dict[str, Any] | None = None
) -> MockConfigEntry:
    """A Kumo account entry holding every simulated unit, complete (keys and address)."""
    records = [
        KumoUnitRecord(
            serial=d.serial,
            name=d.label,
            kind=KumoUnitKind.STATION if d.kind == "station" else KumoUnitKind.INDOOR_UNIT,
            mac=d.mac,
            address=units.address(d.serial),
            password_b64=d.password_b64,
            crypto_serial_hex=d.crypto_serial_hex,
        )
        for d in (unit.definition for unit in units.units.values())
    ]
    return MockConfigEntry(
        domain=DOMAIN,
        unique_id="bench@example.com",
        data={
            CONF_FAMILY: FAMILY_KUMO,
            CONF_USERNAME: "bench@example.com",
            CONF_PASSWORD: "unused",
            CONF_UNITS: [r.to_storage() for r in records],
        },
        options=options or {},
    )


async def bench_kumo(hass: HomeAssistant, polls: int, interval_s: int) -> list[dict[str, Any]]:
    """Every demo unit polled `polls` times through its coordinator, `interval_s` apart."""
    clock = FakeClock()
    hass.data[KUMO_SETTINGS] = KumoSettings(clock=clock)
    rows: list[dict[str, Any]] = []
    async with KumoUnitSimulator(demo_units(), room_drift=False) as units:
        entry = demo_kumo_entry(units)
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        for unit in units.units.values():
            unit.reset_records()
        durations: dict[str, list[float]] = {serial: [] for serial in units.units}
        for _ in range(polls):
            clock.now += interval_s
            for coordinator in entry.runtime_data.coordinators:
                started = time.perf_counter()
                await coordinator.async_refresh()
                durations[coordinator.unit.serial].append(time.perf_counter() - started)
        for serial, unit in units.units.items():
            per_poll = unit.request_count / polls
            rows.append(
                {
                    "unit": unit.definition.label,
                    "polls": polls,
                    "requests": unit.request_count,
                    "per_poll": per_poll,
                    "per_hour": per_poll * 3600 / interval_s,
                    "mean_ms": statistics.mean(durations[serial]) * 1000,
                }
            )
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
    return rows


async def bench_momit(hass: HomeAssistant, samples: int) -> dict[str, Any]:
    """Room changes in the simulated node → climate state in HA; GETs while observed."""
    gateway = GatewaySimulator(ac_nodes=1, other_nodes=0)
    gateway.start()
    try:
        serial = gateway.ac_serials[0]
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id="momit-bench",
            data={
                CONF_FAMILY: FAMILY_MOMIT,
                CONF_HOST: "127.0.0.1",
                CONF_NODES: [StoredMomitNode(serial=serial, port=gateway.ac_port()).to_storage()],
            },
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        runtime = entry.runtime_data
        assert isinstance(runtime, MomitRuntimeData)
        client = next(iter(runtime.nodes.values())).client
        for _ in range(200):  # push registers within a few round trips on loopback
            if client.push_active:
                break
            await asyncio.sleep(0.05)
        climate = next(
            e.entity_id
            for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
            if e.domain == "climate"
        )
        await gateway.clear_records()

        latencies: list[float] = []
        changed: asyncio.Future[float] | None = None

        def on_change(event: Event[EventStateChangedData]) -> None:
            new = event.data["new_state"]
            if changed is not None and not changed.done() and new and new.entity_id == climate:
                changed.set_result(time.monotonic())

        unsubscribe: Callable[[], None] = hass.bus.async_listen("state_changed", on_change)
        started = time.monotonic()
        for index in range(samples):
            changed = asyncio.get_running_loop().create_future()
            # A new tenth every time, so every change is a new state.
            await gateway.set_room(temperature_c=round(30.0 + index / 10, 1))
            seen_at = await asyncio.wait_for(changed, 10)
            sent_at = (await gateway.notification_times())[-1]
            latencies.append((seen_at - sent_at) * 1000)
        window_s = time.monotonic() - started
        unsubscribe()
        counts = await gateway.request_counts()
        gets = sum(
            n for kind, n in counts.items() if " GET " in f" {kind} " and "observe" not in kind
        )
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
    finally:
        gateway.stop()
    latencies.sort()
    return {
        "samples": samples,
        "median_ms": statistics.median(latencies),
        "p95_ms": latencies[max(0, round(0.95 * len(latencies)) - 1)],
        "max_ms": latencies[-1],
        "window_s": window_s,
        "gets": gets,
        "counts": counts,
    }


async def main(polls: int, interval_s: int, samples: int) -> None:
    # As the test plugin does: no zeroconf (multicast) resolver. Every address here is an IP
    # literal on loopback, so nothing is resolved at all.
    with patch(
        "homeassistant.helpers.aiohttp_client._async_make_resolver",
        return_value=AsyncResolver(),
    ):
        async with async_test_home_assistant() as hass:
            # As the test plugin's `enable_custom_integrations` fixture does: find ours.
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            rows = await bench_kumo(hass, polls, interval_s)
            momit = await bench_momit(hass, samples)
            await hass.async_stop(force=True)
    print(f"Kumo through the coordinators ({polls} polls, {interval_s} s apart, simulated):")
    print("| unit | polls | HTTP requests | per poll | per hour | mean time per poll |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['unit']} | {row['polls']} | {row['requests']} | {row['per_poll']:.2f} |"
            f" {row['per_hour']:.0f} | {row['mean_ms']:.1f} ms |"
        )
    print()
    print(f"Momit notification → Home Assistant climate state ({momit['samples']} room changes):")
    print(
        f"median {momit['median_ms']:.2f} ms, p95 {momit['p95_ms']:.2f} ms, "
        f"max {momit['max_ms']:.2f} ms; GETs received while observed: {momit['gets']} "
        f"in {momit['window_s']:.1f} s"
    )
    print(f"node request counts in the window: {momit['counts']}")


def run() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--polls", type=int, default=60)
    parser.add_argument("--interval", type=int, default=60)
    parser.add_argument("--samples", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(main(args.polls, args.interval, args.samples))


if __name__ == "__main__":
    run()
