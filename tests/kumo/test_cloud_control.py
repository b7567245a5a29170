"""Cloud control of keyless units: REST reads, send-command, token lifecycle and rate limits,
against the Kumo Cloud simulator on loopback (kumo.md §13.2, §13.4, §13.5)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest

from custom_components.kumo_momit.kumo import (
    AdapterStatus,
    CloudAdapterUpdate,
    CloudDeviceState,
    CloudProfileUpdate,
    CloudRateLimit,
    FanSpeed,
    IndoorUnitProfile,
    KumoCloudAuthError,
    KumoCloudCommandError,
    KumoCloudControl,
    KumoCloudIndoorUnit,
    KumoCloudOptions,
    KumoCloudRateLimitError,
    KumoCloudSetpointRangeError,
    KumoCloudThrottledError,
    KumoCloudV3Api,
    KumoValidationError,
    OperationMode,
    VaneDirection,
    cloud_commands,
)
from simulators.kumo_cloud import DEMO_PASSWORD, DEMO_USERNAME, KumoCloudSimulator
from simulators.kumo_units import demo_units

from .conftest import FakeClock

LIVING, BEDROOM, STATION = (unit.serial for unit in demo_units())
SEND = ("POST", "/v3/devices/send-command")
DEVICE = ("GET", "/v3/devices/{serial}")


@pytest.fixture
async def cloud() -> AsyncIterator[KumoCloudSimulator]:
    async with KumoCloudSimulator() as simulator:
        yield simulator


@pytest.fixture
def api(session: aiohttp.ClientSession, cloud: KumoCloudSimulator) -> KumoCloudV3Api:
    return KumoCloudV3Api(
        session, DEMO_USERNAME, DEMO_PASSWORD, base_url=cloud.base_url, options=KumoCloudOptions()
    )


@pytest.fixture
def control(api: KumoCloudV3Api, clock: FakeClock) -> KumoCloudControl:
    return KumoCloudControl(api, clock=clock)


@pytest.fixture
def make_unit(control: KumoCloudControl, clock: FakeClock) -> Callable[..., KumoCloudIndoorUnit]:
    def factory(serial: str = LIVING, name: str = "Living Room") -> KumoCloudIndoorUnit:
        return KumoCloudIndoorUnit(serial, name, control, clock=clock)

    return factory


# --------------------------------------------------------------------------- reads


async def test_rest_read_gives_the_local_state_model(
    make_unit: Callable[..., KumoCloudIndoorUnit], cloud: KumoCloudSimulator
) -> None:
    cloud.change_from_app(LIVING, {"power": 1, "operationMode": "cool", "spCool": 23.5})
    cloud.change_from_remote(LIVING, filterDirty=False)
    cloud.device(LIVING).unit.status["filterDirty"] = True

    state = await make_unit().async_update()

    assert state.status.mode is OperationMode.COOL
    assert state.status.sp_cool == 23.5
    assert state.status.filter_dirty is True
    assert state.humidity == 45.5  # the wireless sensor's, relayed by the cloud
    assert state.wifi_rssi == -52
    assert VaneDirection.SWING in state.capabilities.vane_directions
    assert cloud.count(*DEVICE) == 1
    assert cloud.count("GET", "/v3/devices/{serial}/profile") == 1
    assert cloud.count("GET", "/v3/devices/{serial}/status") == 1


async def test_profile_and_adapter_are_read_once(
    make_unit: Callable[..., KumoCloudIndoorUnit], cloud: KumoCloudSimulator
) -> None:
    unit = make_unit(BEDROOM, "Bedroom")
    await unit.async_update()
    state = await unit.async_update()

    assert cloud.count(*DEVICE) == 2
    assert cloud.count("GET", "/v3/devices/{serial}/profile") == 1
    assert cloud.count("GET", "/v3/devices/{serial}/status") == 1
    # The Bedroom's profile: no auto, 3 speeds, no vane, heat limited to 28 °C (§8).
    assert OperationMode.AUTO not in state.capabilities.modes
    assert OperationMode.HEAT in state.capabilities.modes  # 2026 /status: no masks
    assert state.capabilities.vane_directions == ()
    assert state.capabilities.heat_range.maximum == 28.0
    assert state.humidity is None


def test_power_zero_is_off_whatever_the_mode_says() -> None:
    document = {
        "deviceSerial": LIVING,
        "power": 0,
        "operationMode": "heat",
        "airDirection": "swing",
        "displayConfig": {"filter": True, "defrost": False, "hotAdjust": True, "standby": True},
        "rssi": -61.4,
    }
    state = CloudDeviceState.from_wire(document)
    assert state is not None
    assert state.status.mode is OperationMode.OFF
    assert state.status.vane_dir is VaneDirection.SWING
    assert (state.status.filter_dirty, state.status.hot_adjust) == (True, True)
    assert state.status.standby is True
    assert state.wifi_rssi == -61
    auto = CloudDeviceState.from_wire({"power": 1, "operationMode": "autoCool"}, LIVING)
    assert auto is not None
    assert auto.status.mode is OperationMode.AUTO_COOL
    assert CloudDeviceState.from_wire({"power": 1}) is None  # no serial anywhere


# --------------------------------------------------------------------------- commands


async def test_commands_are_translated_and_shown_at_once(
    make_unit: Callable[..., KumoCloudIndoorUnit], cloud: KumoCloudSimulator
) -> None:
    unit = make_unit()
    await unit.async_update()
    cloud.push_delay_s = 60  # no confirmation during this test: the state is optimistic

    state = await unit.set_mode_and_setpoints(OperationMode.HEAT, heat=22.3)
    assert state.status.mode is OperationMode.HEAT
    assert state.status.sp_heat == 22.5
    await unit.set_fan_speed(FanSpeed.QUIET)
    await unit.set_vane_direction(VaneDirection.SWING)
    off = await unit.set_mode(OperationMode.OFF)

    assert off.status.mode is OperationMode.OFF
    assert off.status.fan_speed is FanSpeed.QUIET
    assert [commands for _serial, commands in cloud.commands] == [
        {"power": 1, "operationMode": "heat", "spHeat": 22.5},
        {"fanSpeed": "quiet"},
        {"airDirection": "swing"},
        {"power": 0},
    ]
    assert cloud.device(LIVING).unit.status["mode"] == "off"


async def test_unsupported_values_are_refused_before_sending(
    make_unit: Callable[..., KumoCloudIndoorUnit], cloud: KumoCloudSimulator
) -> None:
    unit = make_unit(BEDROOM, "Bedroom")
    await unit.async_update()
    with pytest.raises(KumoValidationError, match="auto"):
        await unit.set_mode(OperationMode.AUTO)
    with pytest.raises(KumoValidationError, match="vane"):
        await unit.set_vane_direction(VaneDirection.SWING)
    assert cloud.commands == []


async def test_out_of_range_setpoint_names_the_limit(
    make_unit: Callable[..., KumoCloudIndoorUnit], cloud: KumoCloudSimulator
) -> None:
    """The cloud's limits can be narrower than what we know (a stale profile): its 400 is a
    typed error naming the limit, and the state shows no phantom change."""
    unit = make_unit(BEDROOM, "Bedroom")
    before = await unit.async_update()
    wider = IndoorUnitProfile.from_wire(
        {"hasModeHeat": True, "maximumSetPoints": {"heat": 31}, "minimumSetPoints": {"heat": 10}}
    )
    unit.apply(CloudProfileUpdate(serial=BEDROOM, profile=wider))
    unit.apply(CloudAdapterUpdate(serial=BEDROOM, adapter=AdapterStatus(user_has_mode_heat=True)))

    with pytest.raises(KumoCloudSetpointRangeError) as refused:
        await unit.set_heat_setpoint(30)

    assert refused.value.limit == "heat"
    assert refused.value.codes == ("invalidSpHeatRange",)
    assert "heat setpoint" in str(refused.value)
    assert unit.state is not None
    assert unit.state.status.sp_heat == before.status.sp_heat


async def test_other_refusals_keep_the_cloud_code(control: KumoCloudControl) -> None:
    with pytest.raises(KumoCloudCommandError) as refused:
        await control.async_send_command(BEDROOM, {"fanSpeed": "Low"})
    assert not isinstance(refused.value, KumoCloudSetpointRangeError)
    assert refused.value.codes == ("invalidFanSpeed",)
    with pytest.raises(ValueError, match="no command"):
        await control.async_send_command(BEDROOM, {})


def test_cloud_command_words() -> None:
    assert cloud_commands({"mode": "auto", "spHeat": 20, "spCool": 24}) == {
        "power": 1,
        "operationMode": "auto",
        "spHeat": 20,
        "spCool": 24,
    }
    assert cloud_commands({"mode": "off"}) == {"power": 0}
    assert cloud_commands({"vaneDir": "midpoint", "fanSpeed": "Low"}) == {
        "airDirection": "midpoint",
        "fanSpeed": "Low",
    }


# --------------------------------------------------------------------------- rate limit


async def test_429_backs_off_without_sending(
    control: KumoCloudControl, cloud: KumoCloudSimulator, clock: FakeClock
) -> None:
    await control.async_read_device(LIVING)
    cloud.fail_next(429)

    with pytest.raises(KumoCloudRateLimitError) as limited:
        await control.async_send_command(LIVING, {"power": 1})
    wait = limited.value.retry_after_s
    assert 50 <= wait <= 60  # the simulator's x-ratelimit-reset: seconds left in the window
    assert isinstance(limited.value, KumoCloudThrottledError)
    sent = cloud.total_requests

    clock.advance(wait / 2)
    with pytest.raises(KumoCloudRateLimitError) as still:
        await control.async_read_device(LIVING)
    assert still.value.retry_after_s == pytest.approx(wait / 2)
    assert cloud.total_requests == sent  # nothing sent while backing off

    clock.advance(wait / 2)
    await control.async_send_command(LIVING, {"power": 1})
    assert cloud.commands == [(LIVING, {"power": 1})]
    assert control.remaining_requests is not None


async def test_real_budget_exhaustion(control: KumoCloudControl, cloud: KumoCloudSimulator) -> None:
    cloud.rate_limit = 3  # login + two reads
    await control.async_read_device(LIVING)
    await control.async_read_device(LIVING)
    assert control.remaining_requests == 0
    with pytest.raises(KumoCloudRateLimitError):
        await control.async_read_device(LIVING)
    assert control.blocked_for > 0


@pytest.mark.parametrize(
    ("headers", "limit", "remaining", "wait"),
    [
        (
            {"x-ratelimit-limit": "50", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "17"},
            50,
            0,
            17.0,
        ),
        ({"x-ratelimit-reset": "1000000030"}, None, None, 30.0),  # an epoch time
        ({"Retry-After": "5", "x-ratelimit-reset": "40"}, None, None, 5.0),
        ({"x-ratelimit-remaining": "0"}, None, 0, 60.0),  # no hint: one window
        ({"x-ratelimit-reset": "0"}, None, None, 1.0),  # never a busy loop
        ({"x-ratelimit-reset": "soon"}, None, None, None),
    ],
)
def test_rate_limit_headers(
    headers: dict[str, str], limit: int | None, remaining: int | None, wait: float | None
) -> None:
    parsed = CloudRateLimit.from_headers(
        {key.lower(): value for key, value in headers.items()}, now=1_000_000_000.0
    )
    if wait is None:
        assert parsed is None
        return
    assert parsed is not None
    assert (parsed.limit, parsed.remaining) == (limit, remaining)
    assert parsed.wait_s == wait


# --------------------------------------------------------------------------- tokens


async def test_expired_access_token_is_refreshed_then_the_password_is_used(
    control: KumoCloudControl, cloud: KumoCloudSimulator
) -> None:
    await control.async_read_device(LIVING)
    cloud.expire_access_tokens()
    await control.async_send_command(LIVING, {"power": 1})
    assert cloud.count("POST", "/v3/refresh") == 1
    assert cloud.count("POST", "/v3/login") == 1

    cloud.expire_access_tokens()
    cloud.expire_refresh_tokens()
    await control.async_read_device(LIVING)
    assert cloud.count("POST", "/v3/login") == 2  # the stored password logged in again


async def test_rejected_password_is_an_auth_error(
    control: KumoCloudControl, cloud: KumoCloudSimulator
) -> None:
    await control.async_read_device(LIVING)
    cloud.expire_access_tokens()
    cloud.expire_refresh_tokens()
    cloud.password = "changed-in-the-app"
    with pytest.raises(KumoCloudAuthError):
        await control.async_send_command(LIVING, {"power": 1})
    assert cloud.commands == []
