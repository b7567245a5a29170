"""Benchmarks of Kumo cloud control through Home Assistant: REST traffic with push up and down,
pushed change → Home Assistant state latency, and command → state confirmed by push.

Runs a real `HomeAssistant` core in this process (the test plugin's helper builds it) with a
Kumo account of `--units` units that have no local keys, all controlled through the Kumo Cloud
simulator (`simulators/kumo_cloud.py`: REST and its python-socketio push service) on loopback.

Time is compressed for the traffic counts: the glue's clock runs `--scale` times faster than
the wall clock, and the REST fallback ticks that much more often, so `--minutes` of account
time take `minutes * 60 / scale` seconds. Latencies are real time.

    .venv/bin/python -m bench.kumo_cloud --units 20 --minutes 10 --scale 20 --samples 50

Numbers only; nothing here asserts wall times (the tests assert request counts).
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
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import Event, EventStateChangedData, HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.kumo_momit.const import CONF_FAMILY, DOMAIN, FAMILY_KUMO
from custom_components.kumo_momit.kumo import KumoUnitKind, KumoUnitRecord, PushBackoff
from custom_components.kumo_momit.kumo_ha.cloud import KumoCloudLink, read_spacing
from custom_components.kumo_momit.kumo_ha.const import (
    CONF_SOCKET_BASE_URL,
    CONF_UNITS,
    CONF_V3_BASE_URL,
)
from custom_components.kumo_momit.kumo_ha.settings import KUMO_SETTINGS, KumoSettings
from simulators.kumo_cloud import DEMO_PASSWORD, DEMO_USERNAME, CloudAccountKind, KumoCloudSimulator
from simulators.kumo_unit import definitions_for

DEVICE_READ = ("GET", "/v3/devices/{serial}")


class ScaledClock:
    """Monotonic seconds running `scale` times faster than the wall clock."""

    def __init__(self, scale: float) -> None:
        self.scale = scale
        self._start = time.monotonic()

    def __call__(self) -> float:
        return 1000.0 + (time.monotonic() - self._start) * self.scale


def _percentiles(values_ms: list[float]) -> dict[str, float]:
    ordered = sorted(values_ms)
    return {
        "median": statistics.median(ordered),
        "p95": ordered[max(0, round(0.95 * len(ordered)) - 1)],
        "max": ordered[-1],
    }


async def _until(condition: Callable[[], bool], timeout_s: float = 30.0) -> None:
    """Poll a condition that the loopback traffic makes true (no event to wait on)."""
    async with asyncio.timeout(timeout_s):
        while not condition():  # noqa: ASYNC110 - conditions on other objects' state
            await asyncio.sleep(0.01)


async def _window(
    cloud: KumoCloudSimulator, minutes: float, scale: float
) -> tuple[int, int, float]:
    """REST device reads and all REST requests during `minutes` of account time."""
    cloud.reset_counts()
    await asyncio.sleep(minutes * 60 / scale)
    return cloud.count(*DEVICE_READ), cloud.total_requests, minutes


async def bench_traffic(
    hass: HomeAssistant, link: KumoCloudLink, cloud: KumoCloudSimulator, args: argparse.Namespace
) -> dict[str, Any]:
    """REST requests with push up, then with the push service down."""
    up_reads, up_total, minutes = await _window(cloud, args.minutes, args.scale)
    cloud.socket_down = True
    await cloud.drop_sockets()
    await _until(lambda: not link.push.connected)
    down_reads, down_total, _ = await _window(cloud, args.minutes, args.scale)
    down_counts = dict(cloud.counts)
    cloud.socket_down = False
    await _until(lambda: all(link.push.covers(serial) for serial in link.coordinators))
    hours = minutes / 60
    units = len(link.coordinators)
    return {
        "units": units,
        "minutes": minutes,
        "up_per_unit_hour": up_reads / units / hours,
        "up_per_minute": up_total / minutes,
        "down_per_unit_hour": down_reads / units / hours,
        "down_per_minute": down_total / minutes,
        "spacing_s": link.read_spacing.total_seconds(),
        "down_counts": down_counts,
    }


async def bench_latency(
    hass: HomeAssistant, link: KumoCloudLink, cloud: KumoCloudSimulator, samples: int
) -> dict[str, Any]:
    """Change from the app → climate state; command → state confirmed by push."""
    serial = next(iter(link.coordinators))
    coordinator = link.coordinators[serial]
    registry = er.async_get(hass)
    climate = registry.async_get_entity_id("climate", DOMAIN, serial)
    assert climate is not None
    await _until(lambda: cloud.push is not None and cloud.push.subscribers(serial) > 0)

    changed: asyncio.Future[float] | None = None

    def on_change(event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        if changed is not None and not changed.done() and new and new.entity_id == climate:
            changed.set_result(time.perf_counter())

    unsubscribe = hass.bus.async_listen("state_changed", on_change)
    pushed: list[float] = []
    for index in range(samples):
        changed = asyncio.get_running_loop().create_future()
        started = time.perf_counter()
        setpoint = 20 + (index % 20) / 2  # a new value every time: a visible change
        cloud.change_from_app(serial, {"power": 1, "operationMode": "cool", "spCool": setpoint})
        pushed.append((await asyncio.wait_for(changed, 10) - started) * 1000)
    unsubscribe()

    confirmed: asyncio.Future[float] | None = None
    take_push = coordinator.async_take_push

    def confirming(event: Any) -> None:
        take_push(event)
        if confirmed is not None and not confirmed.done() and not coordinator.device._pending:
            confirmed.set_result(time.perf_counter())

    coordinator.async_take_push = confirming  # type: ignore[method-assign]
    answered: list[float] = []
    round_trip: list[float] = []
    for index in range(samples):
        confirmed = asyncio.get_running_loop().create_future()
        started = time.perf_counter()
        await hass.services.async_call(
            "climate",
            "set_temperature",
            {"entity_id": climate, "temperature": 19 + (index % 20) / 2},
            blocking=True,
        )
        answered.append((time.perf_counter() - started) * 1000)
        round_trip.append((await asyncio.wait_for(confirmed, 10) - started) * 1000)
    coordinator.async_take_push = take_push  # type: ignore[method-assign]
    return {
        "samples": samples,
        "pushed": _percentiles(pushed),
        "answered": _percentiles(answered),
        "confirmed": _percentiles(round_trip),
    }


async def run_benchmarks(hass: HomeAssistant, args: argparse.Namespace) -> dict[str, Any]:
    definitions = definitions_for(args.units + 3)[3:]  # generated 5-speed indoor units
    clock = ScaledClock(args.scale)
    units = args.units
    hass.data[KUMO_SETTINGS] = KumoSettings(
        clock=clock,
        push_backoff=PushBackoff(initial=0.05, maximum=0.5, jitter=0.0),
        # The fallback reads' real spacing, compressed like the clock.
        cloud_read_spacing=read_spacing(units) / args.scale,
    )
    cloud = KumoCloudSimulator(definitions, account=CloudAccountKind.COMFORT_NATIVE)
    cloud.rate_limit = 10_000  # measured here, not enforced
    await cloud.start()
    try:
        records = [
            KumoUnitRecord(serial=d.serial, name=d.label, kind=KumoUnitKind.INDOOR_UNIT, mac=d.mac)
            for d in definitions
        ]
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id="bench-cloud@example.com",
            data={
                CONF_FAMILY: FAMILY_KUMO,
                CONF_USERNAME: DEMO_USERNAME,
                CONF_PASSWORD: DEMO_PASSWORD,
                CONF_UNITS: [r.to_storage() for r in records],
                CONF_V3_BASE_URL: cloud.base_url,
                CONF_SOCKET_BASE_URL: cloud.base_url,
            },
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        link = entry.runtime_data.cloud
        assert isinstance(link, KumoCloudLink)
        await _until(lambda: all(c.data is not None for c in link.coordinators.values()))
        startup = cloud.total_requests
        traffic = await bench_traffic(hass, link, cloud, args)
        latency = await bench_latency(hass, link, cloud, args.samples)
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
    finally:
        await cloud.close()
    return {"startup_requests": startup, **traffic, **latency}


def report(result: dict[str, Any], args: argparse.Namespace) -> None:
    units, minutes = result["units"], result["minutes"]
    print(f"Kumo cloud control, {units} keyless units, {minutes:g} min per window (simulated)")
    print(f"start-up: {result['startup_requests']} REST requests (sign-in only; state by push)")
    print("| push | REST reads per unit per hour | REST requests per minute (account) |")
    print("|---|---|---|")
    print(f"| up | {result['up_per_unit_hour']:.1f} | {result['up_per_minute']:.1f} |")
    print(
        f"| down | {result['down_per_unit_hour']:.1f} | {result['down_per_minute']:.1f} "
        f"(one read every {result['spacing_s']:.1f} s) |"
    )
    print(f"requests while push was down, by endpoint: {result['down_counts']}")
    print()
    print(f"latency over {result['samples']} samples (ms) | median | p95 | max")
    for key, label in (
        ("pushed", "change from the app → Home Assistant climate state"),
        ("answered", "set_temperature → action returns (send-command answered)"),
        ("confirmed", "set_temperature → state confirmed by push"),
    ):
        value = result[key]
        print(f"{label} | {value['median']:.2f} | {value['p95']:.2f} | {value['max']:.2f}")


async def main(args: argparse.Namespace) -> None:
    # As the test plugin does: no zeroconf (multicast) resolver; everything is on 127.0.0.1.
    with patch(
        "homeassistant.helpers.aiohttp_client._async_make_resolver",
        return_value=AsyncResolver(),
    ):
        async with async_test_home_assistant() as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            result = await run_benchmarks(hass, args)
            await hass.async_stop(force=True)
    report(result, args)


def run() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--units", type=int, default=20)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--scale", type=float, default=20)
    parser.add_argument("--samples", type=int, default=50)
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    run()
