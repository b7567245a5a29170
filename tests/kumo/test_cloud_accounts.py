"""Every Kumo Cloud account variant, end to end against the cloud simulator over loopback HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
import logging
import socket
import time

import aiohttp
from aiohttp import web
import pytest

from custom_components.kumo_momit.kumo import (
    CloudService,
    FieldSource,
    IndoorUnitProfile,
    KumoCloudAuthError,
    KumoCloudConnectionError,
    KumoCloudDiscovery,
    KumoCloudEndpoints,
    KumoCloudError,
    KumoCloudNoSecretsError,
    KumoCloudOptions,
    KumoCloudSignInRejectedError,
    KumoCloudThrottledError,
    KumoCloudV3Api,
    KumoCloudV3Client,
    KumoUnitKind,
    KumoUnitRecord,
    async_discover_units,
    async_v2_login,
    build_kumo_cache,
)
from custom_components.kumo_momit.kumo.cache import parse_kumo_cache_data
from simulators.kumo_cloud import (
    DEMO_PASSWORD,
    DEMO_USERNAME,
    CloudAccountKind,
    KumoCloudSimulator,
)
from simulators.kumo_units import demo_units

LIVING = "0Y34P008Q100142F"
BEDROOM = "0Y34P008Q100277B"
STATION = "2A31K009S100318C"
DEMO = {unit.serial: unit for unit in demo_units()}
LIVING_ADDRESS = "127.0.0.1:18001"
STATION_ADDRESS = "127.0.0.1:18003"

V3_LOGIN = ("POST", "/v3/login")
V3_REFRESH = ("POST", "/v3/refresh")
V2_LOGIN = ("POST", "/login")
CANADA_LOGIN = ("POST", "/login/v2")
SITES = ("GET", "/v3/sites/")


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def cloud() -> AsyncIterator[KumoCloudSimulator]:
    simulator = KumoCloudSimulator(addresses={LIVING: LIVING_ADDRESS, STATION: STATION_ADDRESS})
    await simulator.start()
    yield simulator
    await simulator.close()


def discover(
    http: aiohttp.ClientSession,
    cloud: KumoCloudSimulator,
    *,
    password: str = DEMO_PASSWORD,
    known: tuple[KumoUnitRecord, ...] = (),
    use_legacy: bool = True,
) -> Awaitable[KumoCloudDiscovery]:
    endpoints = KumoCloudEndpoints.single_host(cloud.base_url)
    return async_discover_units(
        http,
        DEMO_USERNAME,
        password,
        known=known,
        endpoints=endpoints if use_legacy else endpoints.without_legacy(),
    )


def v3_client(
    http: aiohttp.ClientSession,
    cloud: KumoCloudSimulator,
    clock: Callable[[], float] = time.time,
) -> KumoCloudV3Client:
    return KumoCloudV3Client(
        KumoCloudV3Api(
            http,
            DEMO_USERNAME,
            DEMO_PASSWORD,
            base_url=cloud.base_url,
            options=KumoCloudOptions(clock=clock),
        )
    )


def units_of(discovery: KumoCloudDiscovery) -> dict[str, KumoUnitRecord]:
    return {unit.serial: unit for unit in discovery.units}


# --------------------------------------------------------------------------- account variants


async def test_legacy_account_gets_everything_from_v3_and_v2(
    http: aiohttp.ClientSession, cloud: KumoCloudSimulator
) -> None:
    discovery = await discover(http, cloud)

    assert discovery.services == (CloudService.V3, CloudService.V2_LEGACY)
    assert discovery.problems == ()
    assert discovery.missing_secrets == ()
    discovery.raise_for_missing_secrets()  # nothing missing: no error
    assert discovery.missing_address == (BEDROOM,)  # the v2 record has no `address`
    units = units_of(discovery)
    assert list(units) == [LIVING, BEDROOM, STATION]
    for serial, unit in units.items():
        assert unit.password_b64 == DEMO[serial].password_b64
        assert unit.crypto_serial_hex == DEMO[serial].crypto_serial_hex
        assert unit.sources.password is FieldSource.CLOUD_V2
        assert unit.sources.crypto_serial is FieldSource.CLOUD_V2
        assert unit.name == DEMO[serial].label
        assert unit.sources.name is FieldSource.CLOUD_V3
        assert unit.model == DEMO[serial].model_number
        assert unit.sources.model is FieldSource.CLOUD_V3
        assert unit.mac == DEMO[serial].mac
        assert unit.site_name == "Home"
    assert units[LIVING].address == LIVING_ADDRESS
    assert units[LIVING].sources.address is FieldSource.CLOUD_V2
    assert units[LIVING].is_complete
    assert units[STATION].kind is KumoUnitKind.STATION
    assert units[STATION].sources.kind is FieldSource.CLOUD_V3
    assert units[BEDROOM].kind is KumoUnitKind.INDOOR_UNIT
    # 1 login + sites + zones + 2 per unit on v3, then one legacy login: 10 requests.
    assert cloud.count(*V3_LOGIN) == 1
    assert cloud.count("GET", "/v3/devices/{serial}") == 3
    assert cloud.count("GET", "/v3/devices/{serial}/status") == 3
    assert cloud.count("GET", "/v3/devices/{serial}/profile") == 0
    assert cloud.count(*V2_LOGIN) == 1
    assert cloud.count(*CANADA_LOGIN) == 0
    assert cloud.total_requests == 10


async def test_comfort_native_account_has_layout_but_no_secrets(
    http: aiohttp.ClientSession, cloud: KumoCloudSimulator
) -> None:
    cloud.account = CloudAccountKind.COMFORT_NATIVE

    discovery = await discover(http, cloud)

    assert discovery.services == (CloudService.V3,)
    (problem,) = discovery.problems
    assert problem.service is CloudService.V2_LEGACY
    assert isinstance(problem.error, KumoCloudConnectionError)  # v2 answers 500 (§12.4)
    assert discovery.missing_secrets == (LIVING, BEDROOM, STATION)
    for unit in discovery.units:
        assert unit.name == DEMO[unit.serial].label
        assert unit.mac == DEMO[unit.serial].mac  # /status, 2026 form
        assert unit.sources.mac is FieldSource.CLOUD_V3
        assert unit.password_b64 is None
        assert unit.crypto_serial_hex is None
        assert unit.address is None
    assert cloud.count(*CANADA_LOGIN) == 0  # v3 worked: not a Canadian account
    with pytest.raises(KumoCloudNoSecretsError) as excinfo:
        discovery.raise_for_missing_secrets()
    assert excinfo.value.units == [LIVING, BEDROOM, STATION]


async def test_status_with_crypto_serial_and_zone_mac(
    http: aiohttp.ClientSession, cloud: KumoCloudSimulator
) -> None:
    cloud.account = CloudAccountKind.COMFORT_NATIVE
    cloud.status_has_crypto_serial = True
    cloud.zone_adapter_has_mac = True

    discovery = await discover(http, cloud)

    for unit in discovery.units:
        assert unit.crypto_serial_hex == DEMO[unit.serial].crypto_serial_hex
        assert unit.sources.crypto_serial is FieldSource.CLOUD_V3
        assert unit.password_b64 is None  # v3 never had the password over REST
        assert unit.mac == DEMO[unit.serial].mac
    assert discovery.missing_secrets == (LIVING, BEDROOM, STATION)


async def test_cache_secrets_survive_a_cloud_without_secrets(
    http: aiohttp.ClientSession, cloud: KumoCloudSimulator
) -> None:
    cloud.account = CloudAccountKind.COMFORT_NATIVE
    cache = build_kumo_cache(
        KumoUnitRecord(
            serial=unit.serial,
            name=f"old {unit.label}",
            password_b64=unit.password_b64,
            crypto_serial_hex=unit.crypto_serial_hex,
            address=f"127.0.0.1:{18000 + index}",
        )
        for index, unit in enumerate(demo_units())
    )
    cached = parse_kumo_cache_data(cache)
    cached_only = KumoUnitRecord(serial="0Y34P008Q100999Z", name="Sold unit")

    discovery = await discover(http, cloud, known=(*cached, cached_only))

    assert discovery.missing_secrets == ("0Y34P008Q100999Z",)
    units = units_of(discovery)
    for serial in (LIVING, BEDROOM, STATION):
        unit = units[serial]
        assert unit.password_b64 == DEMO[serial].password_b64
        assert unit.sources.password is FieldSource.CACHE
        assert unit.sources.crypto_serial is FieldSource.CACHE
        assert unit.sources.address is FieldSource.CACHE
        assert unit.name == DEMO[serial].label  # the cloud's current name wins
        assert unit.sources.name is FieldSource.CLOUD_V3
        assert unit.is_complete
    assert units[STATION].kind is KumoUnitKind.STATION
    assert "0Y34P008Q100999Z" in units  # cache-only units are kept
    # The known unit without secrets still sends discovery to v2 (which fails: 500).
    assert cloud.count(*V2_LOGIN) == 1


async def test_known_complete_units_spare_the_legacy_login(
    http: aiohttp.ClientSession, cloud: KumoCloudSimulator
) -> None:
    known = tuple(
        KumoUnitRecord(
            serial=unit.serial,
            password_b64=unit.password_b64,
            crypto_serial_hex=unit.crypto_serial_hex,
            address="127.0.0.1:18000",
        )
        for unit in demo_units()
    )
    discovery = await discover(http, cloud, known=known)
    assert discovery.services == (CloudService.V3,)
    assert cloud.count(*V2_LOGIN) == 0


async def test_legacy_only_account_uses_v2(
    http: aiohttp.ClientSession, cloud: KumoCloudSimulator
) -> None:
    cloud.account = CloudAccountKind.LEGACY_ONLY

    discovery = await discover(http, cloud)

    assert discovery.services == (CloudService.V2_LEGACY,)
    assert isinstance(discovery.problems[0].error, KumoCloudAuthError)
    assert discovery.missing_secrets == ()
    for unit in discovery.units:
        assert unit.sources.name is FieldSource.CLOUD_V2
        assert unit.model is None  # only v3 knows models
    assert units_of(discovery)[STATION].kind is KumoUnitKind.STATION  # v2 unitType
    assert cloud.count(*CANADA_LOGIN) == 0


async def test_canadian_account_uses_the_canadian_host(
    http: aiohttp.ClientSession, cloud: KumoCloudSimulator
) -> None:
    cloud.account = CloudAccountKind.CANADIAN

    discovery = await discover(http, cloud)

    assert discovery.services == (CloudService.V2_CANADA,)
    assert [problem.service for problem in discovery.problems] == [
        CloudService.V3,
        CloudService.V2_LEGACY,
    ]
    assert discovery.missing_secrets == ()
    assert cloud.count(*V3_LOGIN) == cloud.count(*V2_LOGIN) == cloud.count(*CANADA_LOGIN) == 1


# --------------------------------------------------------------------------- failures


async def test_wrong_password(http: aiohttp.ClientSession, cloud: KumoCloudSimulator) -> None:
    """`usernameOrPasswordIncorrect` is a rejected sign-in, and no other host is asked.

    The same answer is reported for the right password during a throttling burst (§13.2),
    which more sign-ins could prolong.
    """
    with pytest.raises(KumoCloudSignInRejectedError, match="rejected the email or password"):
        await discover(http, cloud, password="wrong-password")
    assert cloud.count(*V3_LOGIN) == 1
    assert cloud.total_requests == 1


async def test_wrong_password_of_an_account_v3_does_not_know(
    http: aiohttp.ClientSession, cloud: KumoCloudSimulator
) -> None:
    """v3 refuses a legacy-only account with a plain 403: the legacy hosts are asked."""
    cloud.account = CloudAccountKind.LEGACY_ONLY
    with pytest.raises(KumoCloudAuthError) as rejected:
        await discover(http, cloud, password="wrong-password")
    assert not isinstance(rejected.value, KumoCloudSignInRejectedError)
    # One attempt per host, nothing more.
    assert cloud.count(*V3_LOGIN) == cloud.count(*V2_LOGIN) == cloud.count(*CANADA_LOGIN) == 1
    assert cloud.total_requests == 3


async def test_wrong_password_on_a_canadian_account(
    http: aiohttp.ClientSession, cloud: KumoCloudSimulator
) -> None:
    cloud.account = CloudAccountKind.CANADIAN  # v3 answers 500 whatever the password
    with pytest.raises(KumoCloudAuthError, match="legacy cloud rejected"):
        await discover(http, cloud, password="wrong-password")


async def test_throttled_login_is_not_retried(
    http: aiohttp.ClientSession, cloud: KumoCloudSimulator
) -> None:
    cloud.throttle_logins = True

    with pytest.raises(KumoCloudSignInRejectedError, match="15-30 minutes"):
        await discover(http, cloud)

    assert cloud.count(*V3_LOGIN) == 1
    assert cloud.total_requests == 1  # no other host either: more logins prolong it


async def test_http_429_is_throttled(
    http: aiohttp.ClientSession, cloud: KumoCloudSimulator
) -> None:
    cloud.rate_limit = 0
    with pytest.raises(KumoCloudThrottledError, match="429"):
        await discover(http, cloud)
    assert cloud.total_requests == 1


async def test_throttled_legacy_host_stops_the_legacy_attempts(
    http: aiohttp.ClientSession, cloud: KumoCloudSimulator
) -> None:
    cloud.account = CloudAccountKind.LEGACY_ONLY
    cloud.rate_limit = 1  # the v3 login gets through (403), the v2 login is answered 429

    with pytest.raises(KumoCloudAuthError):
        await discover(http, cloud)

    assert cloud.count(*V2_LOGIN) == 1
    assert cloud.count(*CANADA_LOGIN) == 0


async def test_server_errors(http: aiohttp.ClientSession, cloud: KumoCloudSimulator) -> None:
    cloud.server_error = True
    with pytest.raises(KumoCloudConnectionError, match="503"):
        await discover(http, cloud)
    assert cloud.total_requests == 3


async def test_without_legacy_fallback_the_v3_error_is_raised(
    http: aiohttp.ClientSession, cloud: KumoCloudSimulator
) -> None:
    cloud.account = CloudAccountKind.LEGACY_ONLY
    with pytest.raises(KumoCloudAuthError):
        await discover(http, cloud, use_legacy=False)
    assert cloud.total_requests == 1


async def test_unreachable_cloud(http: aiohttp.ClientSession) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    endpoints = KumoCloudEndpoints.single_host(f"http://127.0.0.1:{port}")
    with pytest.raises(KumoCloudConnectionError, match="unreachable"):
        await async_discover_units(http, DEMO_USERNAME, DEMO_PASSWORD, endpoints=endpoints)


# --------------------------------------------------------------------------- tokens


async def test_expired_access_token_is_refreshed_once(
    http: aiohttp.ClientSession, cloud: KumoCloudSimulator
) -> None:
    client = v3_client(http, cloud)
    await client.async_login()
    first = client.tokens
    cloud.expire_access_tokens()

    sites = await client.async_get_sites()

    assert [site.name for site in sites] == ["Home"]
    assert cloud.count(*V3_REFRESH) == 1
    assert cloud.count(*V3_LOGIN) == 1
    assert cloud.count(*SITES) == 2  # the 401, then the retry
    assert client.tokens != first


async def test_token_expiring_during_discovery(
    http: aiohttp.ClientSession, cloud: KumoCloudSimulator
) -> None:
    cloud.access_token_max_uses = 3
    discovery = await discover(http, cloud)
    assert discovery.missing_secrets == ()
    assert discovery.problems == ()
    assert cloud.count(*V3_LOGIN) == 1
    assert cloud.count(*V3_REFRESH) == 2  # 8 authorized requests at 3 per token


async def test_expired_refresh_token_falls_back_to_login(
    http: aiohttp.ClientSession, cloud: KumoCloudSimulator
) -> None:
    client = v3_client(http, cloud)
    await client.async_login()
    cloud.expire_access_tokens()
    cloud.expire_refresh_tokens()

    await client.async_get_sites()

    assert cloud.count(*V3_REFRESH) == 1
    assert cloud.count(*V3_LOGIN) == 2


async def test_renewal_is_not_a_loop(
    http: aiohttp.ClientSession, cloud: KumoCloudSimulator
) -> None:
    cloud.access_token_max_uses = 0  # every access token is refused
    client = v3_client(http, cloud)
    with pytest.raises(KumoCloudAuthError):
        await client.async_get_sites()
    assert cloud.count(*V3_LOGIN) == 1
    assert cloud.count(*V3_REFRESH) == 1
    assert cloud.count(*SITES) == 2


async def test_access_token_renewed_from_jwt_exp_before_it_expires(
    http: aiohttp.ClientSession, cloud: KumoCloudSimulator
) -> None:
    now = [time.time()]
    client = v3_client(http, cloud, clock=lambda: now[0])
    tokens = await client.async_login()
    assert tokens.access_expires_at == pytest.approx(now[0] + 20 * 60, abs=5)  # the JWT's exp

    now[0] += 25 * 60  # past the access token's exp, well within the refresh token's
    await client.async_get_sites()
    assert cloud.count(*V3_REFRESH) == 1
    assert cloud.count(*SITES) == 1  # renewed before the request, no 401

    now[0] += 31 * 24 * 3600  # past the refresh token's exp too: log in again
    await client.async_get_sites()
    assert cloud.count(*V3_REFRESH) == 1
    assert cloud.count(*V3_LOGIN) == 2


async def test_refresh_before_login_is_an_auth_error(
    http: aiohttp.ClientSession, cloud: KumoCloudSimulator
) -> None:
    with pytest.raises(KumoCloudAuthError, match="log in first"):
        await v3_client(http, cloud).async_refresh()


async def test_client_repr_hides_credentials(
    http: aiohttp.ClientSession, cloud: KumoCloudSimulator
) -> None:
    client = v3_client(http, cloud)
    tokens = await client.async_login()
    for text in (repr(client), repr(tokens)):
        assert DEMO_PASSWORD not in text
        assert tokens.access not in text
        assert tokens.refresh not in text


# --------------------------------------------------------------------------- device details


@pytest.mark.parametrize("as_list", [False, True])
async def test_profile_as_object_or_list(
    http: aiohttp.ClientSession, cloud: KumoCloudSimulator, as_list: bool
) -> None:
    cloud.profile_as_list = as_list
    profile = await v3_client(http, cloud).async_get_profile(BEDROOM)
    assert isinstance(profile, IndoorUnitProfile)
    assert profile.number_of_fan_speeds == 3
    assert profile.maximum_setpoints == {"cool": 30.0, "heat": 28.0}


async def test_details_stop_before_the_rate_limit(
    http: aiohttp.ClientSession, cloud: KumoCloudSimulator
) -> None:
    cloud.rate_limit = 8
    cloud.account = CloudAccountKind.COMFORT_NATIVE
    client = v3_client(http, cloud)

    fetched = await client.async_fetch_units()

    assert [unit.model is not None for unit in fetched.units] == [True, False, False]
    (error,) = fetched.detail_errors
    assert isinstance(error, KumoCloudThrottledError)
    assert BEDROOM in str(error)
    assert STATION in str(error)
    assert cloud.total_requests == 5  # login, sites, zones, 2 for the first unit: no 429


async def test_details_skip_unknown_devices_and_stop_on_server_errors(
    http: aiohttp.ClientSession, cloud: KumoCloudSimulator
) -> None:
    cloud.device_errors = {LIVING: 404, BEDROOM: 503}
    fetched = await v3_client(http, cloud).async_fetch_units()

    assert [unit.model for unit in fetched.units] == [None, None, None]
    (error,) = fetched.detail_errors
    assert isinstance(error, KumoCloudConnectionError)
    assert cloud.count("GET", "/v3/devices/{serial}") == 2  # the station was not asked

    # In a discovery, that is a problem report, not a failure.
    cloud.reset_counts()
    discovery = await discover(http, cloud)
    assert [problem.service for problem in discovery.problems] == [CloudService.V3]
    assert discovery.missing_secrets == ()  # v2 still delivered the secrets


async def test_layout_only_fetch(http: aiohttp.ClientSession, cloud: KumoCloudSimulator) -> None:
    fetched = await v3_client(http, cloud).async_fetch_units(details=False)
    assert len(fetched.units) == 3
    assert cloud.total_requests == 3


# --------------------------------------------------------------------------- secrets stay secret


async def test_nothing_secret_is_logged(
    http: aiohttp.ClientSession, cloud: KumoCloudSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    cloud.status_has_crypto_serial = True
    client = v3_client(http, cloud)
    tokens = await client.async_login()
    cloud.expire_access_tokens()
    await client.async_fetch_units()
    discovery = await discover(http, cloud)
    cloud.throttle_logins = True
    with pytest.raises(KumoCloudSignInRejectedError):
        await discover(http, cloud)
    cloud.throttle_logins = False
    with pytest.raises(KumoCloudAuthError):
        await discover(http, cloud, password="wrong-Password-123")

    secrets = [DEMO_PASSWORD, "wrong-Password-123", tokens.access, tokens.refresh]
    for unit in demo_units():
        secrets += [unit.password_b64, unit.crypto_serial_hex]
    logged = caplog.text + repr(discovery) + "".join(str(p.error) for p in discovery.problems)
    assert "Kumo Cloud" in caplog.text  # something was logged
    for secret in secrets:
        assert secret not in logged
        assert secret.lower() not in logged.lower()


# --------------------------------------------------------------------------- odd servers


async def _odd_server(
    routes: dict[str, Callable[[web.Request], Awaitable[web.StreamResponse]]],
) -> web.AppRunner:
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_route("*", path, handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner


async def test_unexpected_replies_are_kumo_cloud_errors(http: aiohttp.ClientSession) -> None:
    async def teapot(request: web.Request) -> web.Response:
        return web.Response(status=418, text="short and stout")

    async def not_json(request: web.Request) -> web.Response:
        return web.Response(text="<html>maintenance</html>")

    async def login(request: web.Request) -> web.Response:
        return web.json_response({"token": {"access": "a", "refresh": "r"}})

    runner = await _odd_server(
        {
            "/v3/login": login,
            "/v3/sites/": not_json,
            "/v3/devices/{serial}": teapot,
            "/login": not_json,
            "/login/v2": teapot,
        }
    )
    try:
        host, port = runner.addresses[0][:2]
        base = f"http://{host}:{port}"
        client = KumoCloudV3Client(KumoCloudV3Api(http, "user", "pw", base_url=base))
        with pytest.raises(KumoCloudError, match="not JSON"):
            await client.async_get_sites()
        with pytest.raises(KumoCloudError, match="HTTP 418"):
            await client.async_read_device(LIVING)
        with pytest.raises(KumoCloudError, match="not JSON"):
            await async_v2_login(http, "user", "pw", base_url=base)
        # v3 broken, legacy broken: the v3 error is the one reported.
        with pytest.raises(KumoCloudError, match="not JSON"):
            await async_discover_units(
                http, "user", "pw", endpoints=KumoCloudEndpoints.single_host(base)
            )
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    "account", [CloudAccountKind.COMFORT_NATIVE, CloudAccountKind.LEGACY_ONLY], ids=str
)
async def test_firmware_comes_from_either_api_and_is_stored(
    http: aiohttp.ClientSession, cloud: KumoCloudSimulator, account: CloudAccountKind
) -> None:
    """v3's device status and v2's zone table both report the adapter's firmware."""
    cloud.account = account
    discovery = await discover(http, cloud)
    expected = {unit.serial: unit.firmware_version for unit in cloud.units}
    assert {unit.serial: unit.firmware for unit in discovery.units} == expected
    for unit in discovery.units:
        assert KumoUnitRecord.from_storage(unit.to_storage()) == unit
