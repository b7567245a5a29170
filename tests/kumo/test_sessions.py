"""Clients own the session they created and never close one they were given."""

from __future__ import annotations

import aiohttp

from custom_components.kumo_momit.kumo import (
    KumoCloudEndpoints,
    KumoCloudV3Api,
    KumoCloudV3Client,
    KumoUnitClient,
    ProbeResult,
    async_discover_units,
    probe,
)
from simulators.kumo_cloud import DEMO_PASSWORD, DEMO_USERNAME, KumoCloudSimulator
from simulators.kumo_unit import KumoUnitSimulator

from .conftest import LIVING_ROOM, credentials_of

STATUS = {"indoorUnit": {"status": {}}}


async def test_local_client_without_session_creates_and_closes_its_own(
    sim: KumoUnitSimulator,
) -> None:
    async with KumoUnitClient(
        None, sim.address(LIVING_ROOM), credentials_of(sim, LIVING_ROOM)
    ) as client:
        reply = await client.request(STATUS)
        own = client.http
        assert not own.closed
    assert reply["indoorUnit"]["status"]["mode"]
    assert own.closed


async def test_local_client_never_closes_an_injected_session(
    sim: KumoUnitSimulator, session: aiohttp.ClientSession
) -> None:
    async with KumoUnitClient(
        session, sim.address(LIVING_ROOM), credentials_of(sim, LIVING_ROOM)
    ) as client:
        await client.request(STATUS)
    assert not session.closed
    await client.close()
    assert not session.closed


async def test_probe_without_session(sim: KumoUnitSimulator) -> None:
    credentials = credentials_of(sim, LIVING_ROOM)
    assert await probe(None, sim.address(LIVING_ROOM), credentials) is ProbeResult.MATCH


async def test_cloud_client_session_ownership(session: aiohttp.ClientSession) -> None:
    cloud = KumoCloudSimulator()
    await cloud.start()
    try:
        async with KumoCloudV3Client(
            KumoCloudV3Api(None, DEMO_USERNAME, DEMO_PASSWORD, base_url=cloud.base_url)
        ) as client:
            sites = await client.async_get_sites()
            own = client.api.http
        assert sites
        assert own.closed

        async with KumoCloudV3Client(
            KumoCloudV3Api(session, DEMO_USERNAME, DEMO_PASSWORD, base_url=cloud.base_url)
        ) as client:
            await client.async_get_sites()
        assert not session.closed
        assert DEMO_PASSWORD not in repr(client)

        discovery = await async_discover_units(
            None,
            DEMO_USERNAME,
            DEMO_PASSWORD,
            endpoints=KumoCloudEndpoints.single_host(cloud.base_url),
        )
        assert discovery.units
    finally:
        await cloud.close()
