"""Every parser of adapter, cloud and cache input keeps its contract on hostile input (issue 11).

One property test per parser or pipeline (typed error or documented None, never an untyped
exception; results storable by Home Assistant), then one regression test per input that broke
a parser before.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
import contextlib
import json
import logging
from typing import Any

from hypothesis import event, given, strategies as st
import pytest

from custom_components.kumo_momit.kumo import (
    AdapterStatus,
    Capabilities,
    IndoorUnitProfile,
    IndoorUnitStatus,
    KumoCacheError,
    KumoClientOptions,
    KumoCloudAdapterStatus,
    KumoCloudDevice,
    KumoCloudError,
    KumoCloudSite,
    KumoCloudTokens,
    KumoCloudV3Api,
    KumoCloudV3Client,
    KumoCredentials,
    KumoError,
    KumoIndoorUnit,
    KumoProtocolError,
    KumoStation,
    KumoUnitClient,
    KumoUnitRecord,
    Mhk2Status,
    normalize_address,
    normalize_mac,
    parse_kumo_cache,
)
from custom_components.kumo_momit.kumo._cloud_http import CloudReply
from custom_components.kumo_momit.kumo._values import MAX_JSON_DEPTH, parse_json
from custom_components.kumo_momit.kumo.client import _classify_reply
from custom_components.kumo_momit.kumo.cloud_tokens import (
    ACCESS_FALLBACK_LIFETIME_S,
    jwt_expiry,
)
from custom_components.kumo_momit.kumo.cloud_v2 import parse_v2_login
from custom_components.kumo_momit.kumo.cloud_v3_models import (
    parse_v3_profile,
    parse_v3_sites,
    parse_v3_zones,
)
from custom_components.kumo_momit.kumo.models import parse_sensors

from .conftest import KUMO_PROPERTIES
from .hostile import (
    DEEP_NESTING,
    HUGE_INT,
    assert_storable,
    encode,
    hostile_text,
    json_values,
    objects_with,
    wire_bytes,
)

STATUS_KEYS = (
    "mode",
    "spHeat",
    "spCool",
    "roomTemp",
    "fanSpeed",
    "vaneDir",
    "standby",
    "defrost",
    "filterDirty",
    "hotAdjust",
    "tempSource",
    "activeThermistor",
    "runTest",
)
SETPOINT_MAPS = st.dictionaries(
    st.sampled_from(["cool", "heat", "auto", "\udcff", "²"]), json_values, max_size=4
)
PROFILE_KEYS = (
    "numberOfFanSpeeds",
    "hasFanSpeedAuto",
    "hasVaneDir",
    "hasVaneSwing",
    "hasModeDry",
    "hasModeHeat",
    "hasModeVent",
    "hasModeAuto",
    "extendedTemps",
)
ADAPTER_KEYS = (
    "autoModePrevention",
    "userHasModeDry",
    "userHasModeHeat",
    "runState",
    "roomTempOffset",
    "userMinCoolSetPoint",
    "userMaxHeatSetPoint",
    "ledDisabled",
    "name",
)
SENSOR_KEYS = ("uuid", "temperature", "humidity", "battery", "rssi", "txPower")
MHK2_KEYS = ("indoorHumid", "outdoorTemp", "outdoorHumid")
SLOT_KEYS = st.sampled_from(["0", "1", "3", "²", "٣", "10", "x", "\udcff"])
ZONE_ENTRY_KEYS = ("serial", "label", "unitType", "mac", "address", "password", "cryptoSerial")
CREDENTIALS = KumoCredentials("AQID", "001122334455667788")

profiles = st.tuples(
    objects_with(PROFILE_KEYS),
    st.fixed_dictionaries(
        {}, optional={"minimumSetPoints": SETPOINT_MAPS, "maximumSetPoints": SETPOINT_MAPS}
    ),
).map(lambda parts: {**parts[0], **parts[1]})
adapters = st.tuples(objects_with(ADAPTER_KEYS), objects_with(("RSSI",))).map(
    lambda parts: {**parts[0], "localNetwork": {"stationMode": parts[1]}}
)
sensor_trees = st.dictionaries(SLOT_KEYS, objects_with(SENSOR_KEYS), max_size=4)
zone_entries = objects_with(ZONE_ENTRY_KEYS, st.one_of(json_values, hostile_text))


v2_nodes = st.fixed_dictionaries(
    {},
    optional={
        "label": hostile_text,
        "zoneTable": st.dictionaries(hostile_text, zone_entries, max_size=3),
    },
)
# v2 zone trees (§12.2): hostile units and labels at any level of account, sites and groups.
v2_trees = st.recursive(
    v2_nodes,
    lambda children: st.tuples(v2_nodes, st.lists(children, max_size=2)).map(
        lambda parts: {**parts[0], "children": parts[1]}
    ),
    max_leaves=4,
)


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """One event loop for all examples of a pipeline test (a loop per example costs more)."""
    event_loop = asyncio.new_event_loop()
    yield event_loop
    event_loop.close()


# --------------------------------------------------------------------------- local parsers


@KUMO_PROPERTIES
@given(raw=wire_bytes(st.one_of(json_values, objects_with(("r", "_api_error")))))
def test_reply_classifier(raw: bytes) -> None:
    try:
        reply: object = _classify_reply(raw, "192.0.2.1")
    except KumoError as err:
        reply = err
    if isinstance(reply, KumoError):
        # The message quotes no reply text beyond a short error code.
        assert len(str(reply)) < 160
    else:
        assert isinstance(reply, dict)


@KUMO_PROPERTIES
@given(raw=objects_with(STATUS_KEYS))
def test_status_parser(raw: dict[str, Any]) -> None:
    status = IndoorUnitStatus.from_wire(raw)
    assert_storable(status)
    for temperature in (status.sp_heat, status.sp_cool, status.room_temp):
        assert temperature is None or -100 <= temperature <= 100


@KUMO_PROPERTIES
@given(profile_raw=profiles, adapter_raw=adapters)
def test_profile_adapter_and_capabilities(
    profile_raw: dict[str, Any], adapter_raw: dict[str, Any]
) -> None:
    profile = IndoorUnitProfile.from_wire(profile_raw)
    adapter = AdapterStatus.from_wire(adapter_raw)
    capabilities = Capabilities.derive(profile, adapter)
    for value in (profile, adapter, capabilities):
        assert_storable(value)
    for mode in (None, *capabilities.modes):
        for limits in (
            capabilities.heat_setpoint_range(mode),
            capabilities.cool_setpoint_range(mode),
        ):
            assert limits.minimum <= limits.maximum


@KUMO_PROPERTIES
@given(raw=st.one_of(sensor_trees, json_values))
def test_sensor_parser(raw: Any) -> None:
    for sensor in parse_sensors(raw):
        assert_storable(sensor)
        assert 0 <= sensor.slot < 100


@KUMO_PROPERTIES
@given(raw=st.one_of(objects_with(MHK2_KEYS).map(lambda s: {"status": s}), json_values))
def test_mhk2_parser(raw: Any) -> None:
    assert_storable(Mhk2Status.from_wire(raw))


class ScriptedAdapter(KumoUnitClient):
    """A client whose adapter answers the given reply bodies in turn, round and round."""

    def __init__(self, replies: list[bytes]) -> None:
        super().__init__(
            None, "192.0.2.1", CREDENTIALS, options=KumoClientOptions(auth_retry_delay=0)
        )
        self._replies = replies
        self._next = 0

    async def _send(self, body: bytes, token: str) -> bytes:
        self._next += 1
        return self._replies[(self._next - 1) % len(self._replies)]


def _status_replies() -> Any:
    status_tree = objects_with(STATUS_KEYS).map(lambda s: {"r": {"indoorUnit": {"status": s}}})
    other_tree = st.fixed_dictionaries(
        {},
        optional={
            "indoorUnit": st.fixed_dictionaries({}, optional={"profile": profiles}),
            "adapter": st.fixed_dictionaries({}, optional={"status": adapters}),
            "sensors": sensor_trees,
            "mhk2": json_values,
            "eqc": st.fixed_dictionaries({}, optional={"oat": json_values}),
        },
    ).map(lambda r: {"r": r})
    adapter_errors = st.sampled_from(
        [
            b'{"_api_error":"serializer_error"}',
            b'{"_api_error":"device_authentication_error"}',
            b'{"r":{"__no_memory":1}}',
            b'{"r":{"indoorUnit":{"status":{"mode":"__set_out_of_bounds"}}}}',
        ]
    )
    return st.one_of(adapter_errors, wire_bytes(st.one_of(status_tree, other_tree, json_values)))


@KUMO_PROPERTIES
@given(replies=st.lists(_status_replies(), min_size=1, max_size=3))
def test_indoor_unit_poll_and_command(
    loop: asyncio.AbstractEventLoop, replies: list[bytes]
) -> None:
    unit = KumoIndoorUnit("S1", "Unit", ScriptedAdapter(replies))

    async def poll_then_command() -> None:
        for _ in range(2):
            with contextlib.suppress(KumoError):
                assert_storable(await unit.async_update())
        with contextlib.suppress(KumoError):
            assert_storable(await unit.set_mode("cool"))

    loop.run_until_complete(poll_then_command())


@KUMO_PROPERTIES
@given(replies=st.lists(_status_replies(), min_size=1, max_size=3))
def test_station_poll(loop: asyncio.AbstractEventLoop, replies: list[bytes]) -> None:
    station = KumoStation("S2", "Station", ScriptedAdapter(replies))
    with contextlib.suppress(KumoError):
        assert_storable(loop.run_until_complete(station.async_update()))


# --------------------------------------------------------------------------- cloud and cache


@KUMO_PROPERTIES
@given(
    status=st.sampled_from([200, 401, 429, 500, 302]),
    body=wire_bytes(),
    header=hostile_text,
)
def test_cloud_reply(status: int, body: bytes, header: str) -> None:
    reply = CloudReply.from_http(status, body, header)
    assert reply.rate_limit_remaining is None or reply.rate_limit_remaining >= 0
    assert reply.is_json or reply.data is None


@KUMO_PROPERTIES
@given(data=st.one_of(json_values, v2_trees.map(lambda tree: [{}, {}, tree, "x"])))
def test_v2_login_parser(data: Any) -> None:
    try:
        units = parse_v2_login(data)
    except KumoCloudError:
        return
    for unit in units:
        assert_storable(unit)
        json.dumps(unit.to_storage(), ensure_ascii=False).encode("utf-8")


@KUMO_PROPERTIES
@given(
    content=st.one_of(
        wire_bytes(v2_trees.map(lambda tree: [{}, {}, tree])),
        v2_trees.map(lambda tree: json.dumps([{}, {}, tree])),
    )
)
def test_cache_import(content: bytes | str) -> None:
    try:
        units = parse_kumo_cache(content)
    except KumoCacheError:
        return
    for unit in units:
        assert_storable(unit)
        assert KumoUnitRecord.from_storage(unit.to_storage()) == unit


zones = st.tuples(
    objects_with(("name", "group")),
    objects_with(("deviceSerial", "unitType", "macAddress"), st.one_of(hostile_text, json_values)),
    objects_with(("isHeadless",)),
).map(lambda parts: {**parts[0], "adapter": {**parts[1], **parts[2]}})


@KUMO_PROPERTIES
@given(
    sites=st.one_of(json_values, st.lists(objects_with(("id", "name")), max_size=3)),
    zone_list=st.one_of(json_values, st.lists(zones, max_size=3)),
    device=objects_with(("modelNumber", "serialNumber", "isHeadless")),
    status=objects_with(("cryptoSerial", "mac", "firmwareVersion")),
    profile=st.one_of(json_values, profiles, st.lists(profiles, max_size=2)),
)
def test_v3_parsers(sites: Any, zone_list: Any, device: Any, status: Any, profile: Any) -> None:
    try:
        parsed_sites = parse_v3_sites(sites)
    except KumoCloudError:
        parsed_sites = (KumoCloudSite(id="site"),)
    for site in parsed_sites:
        assert_storable(site)
        try:
            records = parse_v3_zones(zone_list, site)
        except KumoCloudError:
            continue
        for record in records:
            assert_storable(record)
    assert_storable(KumoCloudDevice.from_wire("S1", device))
    assert_storable(KumoCloudAdapterStatus.from_wire(status))
    assert_storable(parse_v3_profile(profile))


def _jwt(claims: Any) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"eyJhbGciOiJub25lIn0.{payload}.sig"


@KUMO_PROPERTIES
@given(
    token=st.one_of(
        hostile_text,
        objects_with(("exp",)).map(_jwt),
        json_values.map(_jwt),
        st.just(b"[" * 3000 + b"]" * 3000).map(
            lambda c: "a." + base64.urlsafe_b64encode(c).decode() + ".c"
        ),
    ),
    other=json_values,
)
def test_tokens(token: str, other: Any) -> None:
    expiry = jwt_expiry(token)
    assert expiry is None or 0 <= expiry <= 1e11
    try:
        tokens = KumoCloudTokens.from_wire({"access": token, "refresh": other}, now=1000.0)
    except KumoCloudError:
        return
    assert_storable(tokens)


VALID_LOGIN = {"token": {"access": "a.b.c", "refresh": "r"}}
serials = st.one_of(st.sampled_from(["S1", "S2", "\udcff", "a/b", "²"]), hostile_text)
valid_zones = st.lists(
    st.tuples(
        objects_with(("name", "group")), serials, objects_with(("macAddress", "isHeadless"))
    ).map(lambda parts: {**parts[0], "adapter": {"deviceSerial": parts[1], **parts[2]}}),
    min_size=1,
    max_size=3,
)


def _v3_plausible(path: str) -> Any:
    """A well-formed reply for `path` whose values are still hostile."""
    if path.startswith(("/v3/login", "/v3/refresh")):
        return st.just(VALID_LOGIN)
    if path == "/v3/sites/":
        return st.lists(
            st.fixed_dictionaries({"id": serials}, optional={"name": hostile_text}),
            min_size=1,
            max_size=2,
        )
    if path.endswith("/zones"):
        return valid_zones
    if path.endswith("/status"):
        return objects_with(("cryptoSerial", "mac", "firmwareVersion"))
    return objects_with(("modelNumber", "serialNumber", "isHeadless"))


class ScriptedCloud(KumoCloudV3Api):
    """A v3 API answering well-formed replies with hostile values, and one fully hostile reply
    (status, body, rate-limit header) at a step hypothesis chooses."""

    def __init__(self, draw: st.DataObject) -> None:
        super().__init__(None, "user", "password")
        self._draw = draw
        self._step = 0
        self._fault_at = draw.draw(st.integers(min_value=0, max_value=9), label="fault at")

    async def send(
        self, method: str, path: str, *, bearer: str | None = None, json_body: object = None
    ) -> CloudReply:
        self._step += 1
        if self._step - 1 == self._fault_at:
            status = self._draw.draw(st.sampled_from([200, 401, 404, 429, 500]))
            body = self._draw.draw(wire_bytes(_v3_plausible(path) | json_values))
            header = self._draw.draw(hostile_text)
        else:
            status, header = 200, self._draw.draw(st.sampled_from(["", "40", "3"]))
            body = encode(self._draw.draw(_v3_plausible(path)))
        reply = CloudReply.from_http(status, body, header)
        if reply.rate_limit_remaining is not None:
            self.rate_limit_remaining = reply.rate_limit_remaining
        return reply


@KUMO_PROPERTIES
@given(data=st.data())
def test_v3_fetch_pipeline(loop: asyncio.AbstractEventLoop, data: st.DataObject) -> None:
    client = KumoCloudV3Client(ScriptedCloud(data))
    try:
        fetched = loop.run_until_complete(client.async_fetch_units())
    except KumoCloudError as err:
        event(f"error: {type(err).__name__} {str(err)[:30]}")
        return
    event(f"units: {min(len(fetched.units), 2)}, detail errors: {len(fetched.detail_errors)}")
    for unit in fetched.units:
        assert_storable(unit)


@KUMO_PROPERTIES
@given(value=st.one_of(json_values, hostile_text))
def test_address_and_mac_cleaning(value: Any) -> None:
    for clean in (normalize_address(value), normalize_mac(value)):
        assert clean is None or clean.isascii()


# --------------------------------------------------------------------------- regressions


def test_deep_nesting_is_a_typed_error_everywhere() -> None:
    with pytest.raises(KumoProtocolError, match="malformed JSON"):
        _classify_reply(DEEP_NESTING, "192.0.2.1")
    with pytest.raises(KumoCacheError):
        parse_kumo_cache(DEEP_NESTING)
    assert not CloudReply.from_http(200, DEEP_NESTING, "").is_json
    deep_claims = base64.urlsafe_b64encode(DEEP_NESTING).decode()
    assert jwt_expiry(f"a.{deep_claims}.c") is None


@pytest.mark.parametrize(
    ("parse", "raw"),
    [
        (IndoorUnitStatus.from_wire, {"spHeat": HUGE_INT, "roomTemp": -HUGE_INT}),
        (IndoorUnitStatus.from_wire, {"runTest": HUGE_INT}),
        (IndoorUnitProfile.from_wire, {"numberOfFanSpeeds": HUGE_INT}),
        (IndoorUnitProfile.from_wire, {"minimumSetPoints": {"heat": HUGE_INT}}),
        (AdapterStatus.from_wire, {"localNetwork": {"stationMode": {"RSSI": HUGE_INT}}}),
        (AdapterStatus.from_wire, {"userMaxHeatSetPoint": HUGE_INT}),
        (parse_sensors, {"0": {"uuid": "u", "temperature": HUGE_INT, "battery": HUGE_INT}}),
        (Mhk2Status.from_wire, {"status": {"indoorHumid": 50, "outdoorTemp": HUGE_INT}}),
        (parse_v3_profile, [{"maximumSetPoints": {"cool": HUGE_INT}}]),
    ],
)
def test_numbers_too_large_for_a_float_are_unknown(parse: Any, raw: Any) -> None:
    assert_storable(parse(raw))


async def test_station_with_an_absurd_outdoor_temperature() -> None:
    station = KumoStation("S2", "Station", FixedReplies([{"eqc": {"oat": HUGE_INT}}]))
    state = await station.async_update()
    assert state.outdoor_temperature is None


def test_numbers_outside_physical_ranges_are_dropped_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        status = IndoorUnitStatus.from_wire({"roomTemp": 5000, "spCool": -40, "spHeat": 21.5})
        sensors = parse_sensors({"0": {"uuid": "u", "humidity": 140, "battery": 101}})
    assert (status.room_temp, status.sp_cool, status.sp_heat) == (None, None, 21.5)
    assert (sensors[0].humidity, sensors[0].battery) == (None, None)
    assert "roomTemp" in caplog.text


@pytest.mark.parametrize("exp", [HUGE_INT, float("nan"), float("inf"), -5, 1e12, "1700000000"])
def test_jwt_without_a_plausible_expiry_falls_back(exp: Any) -> None:
    token = _jwt({"exp": exp})
    assert jwt_expiry(token) is None
    tokens = KumoCloudTokens.from_wire({"access": token, "refresh": token}, now=1000.0)
    assert tokens.access_expires_at == 1000.0 + ACCESS_FALLBACK_LIFETIME_S


def test_jwt_nan_is_not_accepted_when_written_as_json() -> None:
    payload = base64.urlsafe_b64encode(b'{"exp": NaN}').rstrip(b"=").decode()
    assert jwt_expiry(f"h.{payload}.s") is None


def test_tokens_that_cannot_go_into_a_header_are_refused() -> None:
    with pytest.raises(KumoCloudError, match="no access/refresh"):
        KumoCloudTokens.from_wire({"access": "a\r\nX-Evil: 1", "refresh": "r"}, now=0.0)


def test_superscript_digit_is_no_sensor_slot() -> None:
    raw = {"²": {"uuid": "u1"}, "٣": {"uuid": "u2"}, "1": {"uuid": "u3"}}
    assert [sensor.slot for sensor in parse_sensors(raw)] == [1]


def test_rate_limit_header_with_a_superscript_digit() -> None:
    assert CloudReply.from_http(200, b"{}", "²").rate_limit_remaining is None
    assert CloudReply.from_http(200, b"{}", " 42 ").rate_limit_remaining == 42


def test_lone_surrogates_in_v3_ids_are_no_ids() -> None:
    assert parse_v3_sites([{"id": "\udcff"}, {"id": "ok", "name": "Home\udcff"}]) == (
        KumoCloudSite(id="ok", name="Home\ufffd"),
    )
    zones = parse_v3_zones(
        [
            {"name": "A", "adapter": {"deviceSerial": "\udcff"}},
            {"name": "Den\ud800", "adapter": {"deviceSerial": "S1"}},
        ],
        KumoCloudSite(id="ok"),
    )
    assert [(zone.serial, zone.name) for zone in zones] == [("S1", "Den\ufffd")]


async def test_v3_device_path_with_a_lone_surrogate_is_a_typed_error() -> None:
    client = KumoCloudV3Client(KumoCloudV3Api(None, "user", "password"))
    with pytest.raises(KumoCloudError, match="URL"):
        await client.async_read_device("\udcff")
    await client.close()


def test_lone_surrogates_from_a_cache_or_v2_are_cleaned_at_the_edge() -> None:
    tree = {
        "children": [
            {
                "label": "Site\udcff",
                "zoneTable": {
                    "S1": {"serial": "S1", "label": "Den\udcff"},
                    "\udcff": {"label": "Ghost"},
                },
            }
        ]
    }
    cache = json.dumps([{}, {}, tree])  # ensure_ascii: the surrogate travels as \udcff
    for units in (parse_kumo_cache(cache), parse_v2_login([{}, {}, tree, "x"])):
        assert [(unit.serial, unit.name, unit.site_name) for unit in units] == [
            ("S1", "Den\ufffd", "Site\ufffd")
        ]
        json.dumps(units[0].to_storage(), ensure_ascii=False).encode("utf-8")


class FixedReplies(KumoUnitClient):
    """A client whose adapter answers the given `r` trees in turn (then the last again)."""

    def __init__(self, replies: list[dict[str, Any]]) -> None:
        super().__init__(None, "192.0.2.1", CREDENTIALS)
        self._replies = replies

    async def _send(self, body: bytes, token: str) -> bytes:
        reply = self._replies.pop(0) if len(self._replies) > 1 else self._replies[0]
        return json.dumps({"r": reply}).encode()


def test_nesting_deeper_than_any_reply_is_malformed_on_every_python() -> None:
    """100 levels parse without RecursionError on every Python (and 9,999 do from 3.14 on):
    the JSON boundary refuses them itself, so no deep structure reaches the parsers."""
    hundred_deep = b"[" * 100 + b"]" * 100
    with pytest.raises(KumoProtocolError, match="malformed JSON"):
        _classify_reply(hundred_deep, "192.0.2.1")
    assert parse_json(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH) is not None
    with pytest.raises(ValueError, match="nested too deeply"):
        parse_json(b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1))
