"""quality_scale.yaml lists all 54 IQS rules, and the `done` claims hold up to static checks.

hassfest validates the scale only for core integrations (ha-quality-bar.md §1.1), so these are
our own versions of its AST validators, plus cheap checks for rules a reviewer would verify.
A check runs only while its rule is claimed `done` (exemptions get a check of their reason).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
import configparser
from functools import cache
import json
from pathlib import Path
import re
import struct
from typing import Any

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.helpers.typing import UNDEFINED
import pytest
import yaml

from custom_components.kumo_momit.const import DOMAIN, PLATFORMS
from custom_components.kumo_momit.kumo_ha import (
    binary_sensor as kumo_binary_sensor,
    sensor as kumo_sensor,
)
from custom_components.kumo_momit.kumo_ha.const import (
    DEFAULT_SCAN_INTERVAL,
    MAX_SCAN_INTERVAL_S,
    MIN_SCAN_INTERVAL_S,
)
from custom_components.kumo_momit.momit_ha import sensor as momit_sensor
from custom_components.kumo_momit.momit_ha.const import MOMIT_POLL_INTERVAL

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "custom_components" / DOMAIN
# The Home Assistant glue: the package's own modules and each device family's.
GLUE_FOLDERS = ("", "kumo_ha", "momit_ha")

# The rule set of the developer docs' tiers.json (Aug 2026) = hassfest's quality_scale.py.
RULES_BY_TIER: dict[str, tuple[str, ...]] = {
    "bronze": (
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow-test-coverage",
        "config-flow",
        "dependency-transparency",
        "docs-actions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
        "docs-triggers",
        "docs-conditions",
    ),
    "silver": (
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
    ),
    "gold": (
        "devices",
        "diagnostics",
        "discovery-update-info",
        "discovery",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
    ),
    "platinum": ("async-dependency", "inject-websession", "strict-typing"),
}
ALL_RULES = [rule for rules in RULES_BY_TIER.values() for rule in rules]

# Rules still to do, with what is missing. Keep this honest: a rule leaves the list when the
# code does it, and `test_no_rule_is_left_to_do` then starts passing (strict xfail fails).
KNOWN_GAPS: dict[str, str] = {}

HA_EXCEPTIONS = {
    "HomeAssistantError",
    "ServiceValidationError",
    "UpdateFailed",
    "ConfigEntryNotReady",
    "ConfigEntryError",
    "ConfigEntryAuthFailed",
}


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys silently; a rule listed twice is a mistake."""


def _mapping_without_duplicates(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> Any:
    keys = [loader.construct_object(key, deep=True) for key, _ in node.value]
    duplicates = {key for key in keys if keys.count(key) > 1}
    if duplicates:
        raise yaml.constructor.ConstructorError(
            None, None, f"duplicate keys {sorted(duplicates)}", node.start_mark
        )
    return loader.construct_mapping(node, deep=True)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates
)


@cache
def _rules() -> dict[str, Any]:
    loader = _UniqueKeyLoader((PACKAGE / "quality_scale.yaml").read_text())
    try:
        raw = loader.get_single_data()
    finally:
        loader.dispose()
    assert set(raw) == {"rules"}
    rules: dict[str, Any] = raw["rules"]
    return rules


def _status(value: Any) -> str:
    return value if isinstance(value, str) else str(value["status"])


def _done(rule: str) -> bool:
    return _status(_rules()[rule]) == "done"


# --- the YAML itself ------------------------------------------------------------------------


def test_rule_set_is_the_current_54() -> None:
    """Bronze 20, silver 10, gold 21, platinum 3; no rule missing, none unknown."""
    assert [len(rules) for rules in RULES_BY_TIER.values()] == [20, 10, 21, 3]
    assert len(set(ALL_RULES)) == 54
    listed = _rules()
    assert sorted(set(ALL_RULES) - set(listed)) == [], "rules missing from quality_scale.yaml"
    assert sorted(set(listed) - set(ALL_RULES)) == [], "unknown rules in quality_scale.yaml"


@pytest.mark.parametrize("rule", ALL_RULES)
def test_rule_status_is_valid(rule: str) -> None:
    """`done`, or exempt with a reason; `todo` only for a gap named in KNOWN_GAPS."""
    value = _rules()[rule]
    if isinstance(value, str):
        assert value in {"done", "todo"}, value
    else:
        assert isinstance(value, dict)
        assert set(value) <= {"status", "comment"}
        assert value["status"] in {"done", "todo", "exempt"}
        if "comment" in value or value["status"] == "exempt":
            comment = value.get("comment")
            assert isinstance(comment, str)
            assert len(comment.strip()) > 20, "an exemption needs a real reason"
    status = _status(value)
    if status == "todo":
        assert rule in KNOWN_GAPS, f"{rule} is todo: do it, or name the gap in KNOWN_GAPS"
    else:
        assert rule not in KNOWN_GAPS, f"{rule} is {status}: drop it from KNOWN_GAPS"


@pytest.mark.xfail(
    bool(KNOWN_GAPS), strict=True, reason="; ".join(f"{k}: {v}" for k, v in KNOWN_GAPS.items())
)
def test_no_rule_is_left_to_do() -> None:
    """Platinum means every rule is done or exempt."""
    assert all(_status(value) != "todo" for value in _rules().values())


# --- static evidence for the `done` claims -----------------------------------------------------


@cache
def _parse(name: str) -> ast.Module:
    """One glue module by its path in the package (`config_flow.py`, `kumo_ha/entity.py`)."""
    return ast.parse((PACKAGE / name).read_text(), filename=name)


@cache
def _module_trees() -> tuple[tuple[str, ast.Module], ...]:
    return tuple(
        (path.relative_to(PACKAGE).as_posix(), _parse(path.relative_to(PACKAGE).as_posix()))
        for folder in GLUE_FOLDERS
        for path in sorted((PACKAGE / folder).glob("*.py"))
    )


def _integration_modules() -> Iterator[tuple[str, ast.Module]]:
    """Every module of the Home Assistant layer (not the kumo/ and momit/ libraries), by path."""
    yield from _module_trees()


def _file_name(path: str) -> str:
    return path.rpartition("/")[2]


def _module_functions() -> dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]]:
    """Module-level functions of the whole glue, by name."""
    found: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = {}
    for _, tree in _integration_modules():
        for name, function in _functions(tree).items():
            found.setdefault(name, []).append(function)
    return found


def _reachable(start: list[ast.AST]) -> list[ast.AST]:
    """`start` and every glue function they call, directly or through other glue functions."""
    functions = _module_functions()
    seen: list[ast.AST] = []
    pending = list(start)
    while pending:
        node = pending.pop()
        if any(node is known for known in seen):
            continue
        seen.append(node)
        pending += [f for call in _calls(node) for f in functions.get(_call_name(call), [])]
    return seen


def _call_names(nodes: list[ast.AST]) -> set[str]:
    return {_call_name(call) for node in nodes for call in _calls(node)}


def _platform_files() -> list[str]:
    return [f"{platform.value}.py" for platform in PLATFORMS]


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    return {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


@cache
def _classes() -> dict[str, tuple[ast.ClassDef, str]]:
    """Every class of the HA layer by name, with its module's path in the package."""
    found: dict[str, tuple[ast.ClassDef, str]] = {}
    for path, tree in _integration_modules():
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                assert node.name not in found, f"two classes named {node.name}"
                found[node.name] = (node, path)
    return found


def _base_names(node: ast.ClassDef) -> list[str]:
    names = []
    for base in node.bases:
        target = base.value if isinstance(base, ast.Subscript) else base
        if isinstance(target, ast.Name):
            names.append(target.id)
        elif isinstance(target, ast.Attribute):
            names.append(target.attr)
    return names


def _hierarchy(name: str) -> Iterator[ast.ClassDef]:
    """The class and its bases that are defined in the integration."""
    classes = _classes()
    pending = [name]
    while pending:
        current = pending.pop()
        if current in classes:
            node = classes[current][0]
            yield node
            pending.extend(_base_names(node))


def _external_bases(name: str) -> set[str]:
    classes = _classes()
    return {base for node in _hierarchy(name) for base in _base_names(node) if base not in classes}


def _entity_classes() -> list[str]:
    """Classes whose hierarchy reaches a Home Assistant entity class."""
    return [
        name
        for name in _classes()
        if any(
            base.endswith(("Entity", "RestoreNumber")) or base == "CoordinatorEntity"
            for base in _external_bases(name)
        )
    ]


def _platform_entity_classes() -> list[str]:
    """Entity classes of the families' platform modules (`kumo_ha/climate.py`, ...)."""
    classes = _classes()
    return [name for name in _entity_classes() if _file_name(classes[name][1]) in _platform_files()]


def _class_assignments(node: ast.ClassDef) -> dict[str, ast.expr]:
    values: dict[str, ast.expr] = {}
    for statement in node.body:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    values[target.id] = statement.value
        elif (
            isinstance(statement, ast.AnnAssign)
            and statement.value is not None
            and isinstance(statement.target, ast.Name)
        ):
            values[statement.target.id] = statement.value
    return values


def _self_assignments(node: ast.ClassDef) -> set[str]:
    names = set()
    for child in ast.walk(node):
        targets: list[ast.expr] = []
        if isinstance(child, ast.Assign):
            targets = list(child.targets)
        elif isinstance(child, ast.AnnAssign):
            targets = [child.target]
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
            ):
                names.add(target.attr)
    return names


def _calls(tree: ast.AST) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _manifest() -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((PACKAGE / "manifest.json").read_text())
    return manifest


def _registered_config_flow() -> str:
    """The ConfigFlow class of config_flow.py registered for the domain (`domain=`)."""
    (name,) = [
        node.name
        for node in _parse("config_flow.py").body
        if isinstance(node, ast.ClassDef) and any(k.arg == "domain" for k in node.keywords)
    ]
    assert _classes()[name][1] == "config_flow.py"
    return name


def _config_flow_methods() -> set[str]:
    """Methods of the registered flow and of the family step mixins it is composed of."""
    return {
        item.name
        for node in _hierarchy(_registered_config_flow())
        for item in node.body
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def _config_flow_reach() -> list[ast.AST]:
    """The flow's classes and every glue function their steps call."""
    return _reachable(list(_hierarchy(_registered_config_flow())))


def _annotation(node: ast.expr | None) -> str:
    return "" if node is None else ast.unparse(node)


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    assert header[12:16] == b"IHDR"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def check_brands() -> None:
    """brand/icon.png (256 px) and icon@2x.png (512 px), as HA ≥ 2026.3 and HACS read them,
    and logo.png / logo@2x.png beside them (shortest side 128-256 px, 256-512 px at @2x)."""
    assert _png_size(PACKAGE / "brand" / "icon.png") == (256, 256)
    assert _png_size(PACKAGE / "brand" / "icon@2x.png") == (512, 512)
    logo = _png_size(PACKAGE / "brand" / "logo.png")
    logo_2x = _png_size(PACKAGE / "brand" / "logo@2x.png")
    assert 128 <= min(logo) <= 256
    assert 256 <= min(logo_2x) <= 512
    assert abs(logo_2x[0] / logo[0] - 2) < 0.05
    assert abs(logo_2x[1] / logo[1] - 2) < 0.05


def check_common_modules() -> None:
    """Coordinators live in coordinator.py modules; every entity extends the base of entity.py.

    Each family has its coordinator.py and entity.py; the shared base entity is the package's.
    """
    for path, tree in _integration_modules():
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and "DataUpdateCoordinator" in _base_names(node):
                assert _file_name(path) == "coordinator.py", f"{node.name} in {path}"
    classes = _classes()
    assert _platform_entity_classes()
    for name in _platform_entity_classes():
        modules = {classes[node.name][1] for node in _hierarchy(name)}
        assert "entity.py" in modules, f"{name} does not extend the base entity of entity.py"
        family = classes[name][1].partition("/")[0]
        assert f"{family}/entity.py" in modules, f"{name} skips its family's base entity"


def check_appropriate_polling() -> None:
    """Kumo: 60 s by default, 15-300 s in the options; Momit: 60 s while push is down."""
    assert DEFAULT_SCAN_INTERVAL.total_seconds() == 60
    assert MIN_SCAN_INTERVAL_S <= DEFAULT_SCAN_INTERVAL.total_seconds() <= MAX_SCAN_INTERVAL_S
    assert MOMIT_POLL_INTERVAL.total_seconds() == 60


def check_config_flow() -> None:
    """Manifest flag, a ConfigFlow, and no YAML set-up."""
    assert _manifest()["config_flow"] is True
    assert "async_step_user" in _config_flow_methods()
    assert "async_setup" not in _functions(_parse("__init__.py")), "no YAML configuration"


def _coverage_floor() -> float:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    return float(config["coverage:report"]["fail_under"])


def check_config_flow_test_coverage() -> None:
    """The flow tests exist; the suite's coverage gate is on (scripts/test)."""
    for family in ("kumo_ha", "momit_ha"):
        assert (ROOT / "tests" / family / "test_config_flow.py").is_file(), family
    assert _coverage_floor() >= 95


def check_test_coverage() -> None:
    """The suite fails under 95 % coverage of the integration."""
    assert _coverage_floor() >= 95


def check_dependency_transparency() -> None:
    """Only pinned PyPI requirements; nothing from a URL or a git checkout."""
    for requirement in _manifest()["requirements"]:
        assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][0-9A-Za-z.]*", requirement), requirement


def _no_actions() -> None:
    for path, tree in _integration_modules():
        names = {_call_name(call) for call in _calls(tree)}
        assert not names & {"async_register", "async_register_entity_service"}, path
    assert not (PACKAGE / "services.yaml").exists()


def check_action_setup() -> None:
    """Exempt because there are no custom actions: keep it that way, or do the rule."""
    _no_actions()


def check_docs_actions() -> None:
    """Exempt because there are no custom actions."""
    _no_actions()


def check_docs_triggers() -> None:
    """Exempt because the integration has no triggers."""
    assert not [p for f in GLUE_FOLDERS for p in (PACKAGE / f).glob("*trigger*.py")]


def check_docs_conditions() -> None:
    """Exempt because the integration has no conditions."""
    assert not [p for f in GLUE_FOLDERS for p in (PACKAGE / f).glob("*condition*.py")]


def check_entity_unique_id() -> None:
    """Every entity sets a unique id (serial-based, in the base entities)."""
    for name in _entity_classes():
        assert any(
            "_attr_unique_id" in _self_assignments(node)
            or "_attr_unique_id" in _class_assignments(node)
            for node in _hierarchy(name)
        ), name


def check_has_entity_name() -> None:
    """Every entity class has `_attr_has_entity_name = True` in its hierarchy (hassfest)."""
    for name in _entity_classes():
        values = [
            _class_assignments(node).get("_attr_has_entity_name") for node in _hierarchy(name)
        ]
        assert any(isinstance(value, ast.Constant) and value.value is True for value in values), (
            name
        )
    # The climate entity is the device's main feature: it takes the device's name.
    for name in _platform_entity_classes():
        if "ClimateEntity" in _external_bases(name):
            value = _class_assignments(_classes()[name][0]).get("_attr_name")
            assert isinstance(value, ast.Constant), name
            assert value.value is None, name


def _entry_alias_annotated(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(_annotation(arg.annotation) == "KumoMomitConfigEntry" for arg in function.args.args)


def check_runtime_data() -> None:
    """`entry.runtime_data = ...` during set-up; the typed alias in every entry signature."""
    init = _parse("__init__.py")
    functions = _functions(init)
    setup = functions["async_setup_entry"]
    # hassfest looks in async_setup_entry only; ours hands the entry to its family's set-up
    # (kumo_ha/setup.py, momit_ha/setup.py), so what it calls counts too.
    bodies = _reachable([setup])
    assigned = [
        target
        for body in bodies
        for node in ast.walk(body)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Attribute) and target.attr == "runtime_data"
    ]
    assert assigned, "entry.runtime_data is never assigned during set-up"
    data = _parse("data.py")
    aliases = [node for node in data.body if isinstance(node, ast.TypeAlias)]
    assert any(
        alias.name.id == "KumoMomitConfigEntry"
        and ast.unparse(alias.value).startswith("ConfigEntry[")
        for alias in aliases
    )
    entry_functions = [functions["async_setup_entry"], functions["async_unload_entry"]]
    entry_functions.append(
        _functions(_parse("diagnostics.py"))["async_get_config_entry_diagnostics"]
    )
    entry_functions += [_functions(_parse(name))["async_setup_entry"] for name in _platform_files()]
    for function in entry_functions:
        assert _entry_alias_annotated(function), function.name


def check_test_before_setup() -> None:
    """Set-up does the first refresh of every coordinator (ConfigEntryNotReady on failure)."""
    setup = _functions(_parse("__init__.py"))["async_setup_entry"]
    for family_setup in ("async_setup_kumo_entry", "async_setup_momit_entry"):
        (function,) = _module_functions()[family_setup]
        assert family_setup in _call_names([setup])
        assert "async_config_entry_first_refresh" in _call_names(_reachable([function]))


def check_unique_config_entry() -> None:
    """Unique id set and checked before any entry is created."""
    names = _call_names(_config_flow_reach())
    assert "async_set_unique_id" in names
    assert "_abort_if_unique_id_configured" in names


def check_test_before_configure() -> None:
    """The flows talk to the cloud or the device before creating an entry."""
    names = _call_names(_config_flow_reach())
    assert {"async_discover_units", "async_validate_address", "probe"} <= names


def check_config_entry_unloading() -> None:
    """async_unload_entry unloads the platforms; both entry hooks return bool (HA 2025.4)."""
    functions = _functions(_parse("__init__.py"))
    for name in ("async_setup_entry", "async_unload_entry"):
        assert isinstance(functions[name], ast.AsyncFunctionDef)
        assert _annotation(functions[name].returns) == "bool", name
    unload_calls = {_call_name(call) for call in _calls(functions["async_unload_entry"])}
    assert "async_unload_platforms" in unload_calls


def check_parallel_updates() -> None:
    """Every platform module sets PARALLEL_UPDATES (hassfest)."""
    for name in _platform_files():
        values = [
            node.value
            for node in _parse(name).body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name) and target.id == "PARALLEL_UPDATES"
        ]
        assert len(values) == 1, name
        assert isinstance(values[0], ast.Constant), name
        assert isinstance(values[0].value, int), name


def check_reauthentication_flow() -> None:
    """Reauth step plus its confirm step (hassfest checks the first)."""
    assert {"async_step_reauth", "async_step_reauth_confirm"} <= _config_flow_methods()


def check_reconfiguration_flow() -> None:
    """Reconfigure step (hassfest)."""
    assert "async_step_reconfigure" in _config_flow_methods()


def check_discovery() -> None:
    """DHCP matchers in the manifest and a DHCP step (hassfest)."""
    matchers = _manifest()["dhcp"]
    assert any("macaddress" in matcher for matcher in matchers)
    assert "async_step_dhcp" in _config_flow_methods()


def check_discovery_update_info() -> None:
    """DHCP also reports known devices, so their address can follow them."""
    assert {"registered_devices": True} in _manifest()["dhcp"]


def check_diagnostics() -> None:
    """Entry diagnostics, redacted (hassfest checks the function)."""
    tree = _parse("diagnostics.py")
    assert "async_get_config_entry_diagnostics" in _functions(tree)
    assert "async_redact_data" in {_call_name(call) for call in _calls(tree)}


def check_integration_owner() -> None:
    """At least one GitHub handle owns the code."""
    owners = _manifest()["codeowners"]
    assert owners
    assert all(re.fullmatch(r"@[A-Za-z0-9-]+(/[A-Za-z0-9-]+)?", owner) for owner in owners)


def check_devices() -> None:
    """Device info carries identity, maker, model and serial; Kumo adds the MAC connection."""
    for family in ("kumo_ha", "momit_ha"):
        tree = _parse(f"{family}/entity.py")
        device_infos = [call for call in _calls(tree) if _call_name(call) == "DeviceInfo"]
        assert device_infos, family
        for call in device_infos:
            keywords = {keyword.arg for keyword in call.keywords}
            assert {"identifiers", "manufacturer", "model", "name", "serial_number"} <= keywords
    assert "CONNECTION_NETWORK_MAC" in ast.unparse(_parse("kumo_ha/entity.py"))


def _descriptions() -> list[Any]:
    return [
        *kumo_sensor.UNIT_SENSORS,
        *kumo_sensor.STATION_SENSORS,
        *momit_sensor.MOMIT_SENSORS,
        *kumo_binary_sensor.BINARY_SENSORS,
    ]


def check_entity_category() -> None:
    """Batteries, signal strengths and the standby flag are diagnostic; the timer is config."""
    for description in _descriptions():
        if description.device_class in (
            SensorDeviceClass.BATTERY,
            SensorDeviceClass.SIGNAL_STRENGTH,
        ):
            assert description.entity_category is EntityCategory.DIAGNOSTIC, description.key
    standby = next(d for d in kumo_binary_sensor.BINARY_SENSORS if d.key == "standby")
    assert standby.entity_category is EntityCategory.DIAGNOSTIC
    # Entity attributes become properties at class creation: read the source instead.
    timer = _class_assignments(_classes()["MomitTimerNumber"][0])["_attr_entity_category"]
    assert ast.unparse(timer) == "EntityCategory.CONFIG"


def check_entity_device_class() -> None:
    """Every reading with a matching device class has it."""
    for description in (
        *kumo_sensor.UNIT_SENSORS,
        *kumo_sensor.STATION_SENSORS,
        *momit_sensor.MOMIT_SENSORS,
    ):
        assert description.device_class is not None, description.key
    flags = {d.key: d.device_class for d in kumo_binary_sensor.BINARY_SENSORS}
    assert flags["filter"] is not None
    assert flags["defrost"] is not None


def check_entity_disabled_by_default() -> None:
    """Signal strengths (noisy, rarely useful) start disabled; nothing else does."""
    for description in _descriptions():
        noisy = description.device_class is SensorDeviceClass.SIGNAL_STRENGTH
        assert description.entity_registry_enabled_default is not noisy, description.key


def check_entity_translations() -> None:
    """Names come from translation keys or device classes, never from literals."""
    for description in _descriptions():
        assert description.name is UNDEFINED, description.key
        assert description.translation_key or description.device_class, description.key
    for name in _entity_classes():
        for node in _hierarchy(name):
            value = _class_assignments(node).get("_attr_name")
            assert value is None or (isinstance(value, ast.Constant) and value.value is None)
            assert "_attr_name" not in _self_assignments(node), name


def _ha_raises() -> Iterator[tuple[str, ast.Call]]:
    for path, tree in _integration_modules():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Raise)
                and isinstance(node.exc, ast.Call)
                and _call_name(node.exc) in HA_EXCEPTIONS
            ):
                yield path, node.exc


def check_exception_translations() -> None:
    """Every Home Assistant exception raised carries translation_domain and translation_key."""
    raises = list(_ha_raises())
    assert raises
    for module, call in raises:
        keywords = {keyword.arg for keyword in call.keywords}
        assert {"translation_domain", "translation_key"} <= keywords, (module, call.lineno)
        assert not call.args, f"untranslated message in {module}:{call.lineno}"


def check_action_exceptions() -> None:
    """Device failures and bad input become translated HomeAssistantError/ServiceValidationError."""
    kinds = {_call_name(call) for module, call in _ha_raises() if not module.endswith("flow.py")}
    assert {"HomeAssistantError", "ServiceValidationError"} <= kinds
    check_exception_translations()


def check_icon_translations() -> None:
    """Icons come from icons.json; no entity sets an icon in code."""
    assert (PACKAGE / "icons.json").is_file()
    for path, tree in _integration_modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Name | ast.Attribute):
                name = node.id if isinstance(node, ast.Name) else node.attr
                assert name != "_attr_icon", f"_attr_icon in {path}"
            if isinstance(node, ast.keyword):
                assert node.arg != "icon", f"icon= in {path}"
            if isinstance(node, ast.FunctionDef) and node.name == "icon":
                raise AssertionError(f"icon property in {path}")


def check_repair_issues() -> None:
    """Issues are created with a translation key and have a fix flow."""
    creates = [
        call
        for _, tree in _integration_modules()
        for call in _calls(tree)
        if _call_name(call) == "async_create_issue"
    ]
    assert creates
    for call in creates:
        assert "translation_key" in {keyword.arg for keyword in call.keywords}
    assert "async_create_fix_flow" in _functions(_parse("repairs.py"))


def check_entity_unavailable() -> None:
    """Extra availability logic builds on the coordinator's (`super().available`)."""
    for name in _entity_classes():
        for node in _hierarchy(name):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "available":
                    source = ast.unparse(item)
                    # The Momit timer is a local setting, usable while the node is offline.
                    assert "super().available" in source or name == "MomitTimerNumber", name


def check_async_dependency() -> None:
    """No threads, executors or blocking sleeps anywhere in the package."""
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        for forbidden in ("import threading", "run_in_executor", "async_add_executor_job"):
            assert forbidden not in text, f"{forbidden} in {path.name}"
        assert not re.search(r"\btime\.sleep\(", text), path.name


def check_inject_websession() -> None:
    """HTTP clients get Home Assistant's session; the integration never creates its own.

    The Kumo library, usable without Home Assistant, creates a session only when given none,
    in one place (`kumo/_session.py`); the integration always passes Home Assistant's.
    """
    own_session_allowed = PACKAGE / "kumo" / "_session.py"
    for path in PACKAGE.rglob("*.py"):
        if path == own_session_allowed:
            continue
        tree = ast.parse(path.read_text())
        for call in _calls(tree):
            assert _call_name(call) != "ClientSession", f"own aiohttp session in {path}"
    # Kumo set-up and the Kumo flows' cloud and probe helpers use Home Assistant's session.
    for name in ("kumo_ha/setup.py", "kumo_ha/flow_helpers.py"):
        assert "async_get_clientsession" in _call_names([_parse(name)]), name


def check_strict_typing() -> None:
    """mypy runs strict on the package (scripts/lint); the package is fully annotated."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    assert config[f"mypy-custom_components.{DOMAIN}.*"]["strict"] == "true"
    assert (ROOT / "scripts" / "lint").read_text().count("mypy") >= 1
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.returns is not None, f"{path.name}:{node.lineno} {node.name}"


def check_entity_event_setup() -> None:
    """Listeners added outside entities are released with the entry."""
    source = ast.unparse(_parse("kumo_ha/entity.py"))
    assert "entry.async_on_unload(coordinator.async_add_listener" in source


def check_log_when_unavailable() -> None:
    """Failures reach the coordinator as UpdateFailed, which logs once each way."""
    for family in ("kumo_ha", "momit_ha"):
        kinds = {
            _call_name(call)
            for module, call in _ha_raises()
            if module == f"{family}/coordinator.py"
        }
        assert "UpdateFailed" in kinds, family


def check_dynamic_devices() -> None:
    """Exempt; what is dynamic (entities of late units) is wired through kumo_ha/entity.py."""
    assert "async_add_entities_when_known" in ast.unparse(_parse("kumo_ha/sensor.py"))


def check_stale_devices() -> None:
    """Users can delete a device of a unit that left the account."""
    assert "async_remove_config_entry_device" in _functions(_parse("__init__.py"))


# Rules whose only evidence is the README (checked in test_readme_covers_the_docs_rules).
DOCS_RULES = [rule for rule in ALL_RULES if rule.startswith("docs-")]

CHECKS: dict[str, Callable[[], None]] = {
    name.removeprefix("check_").replace("_", "-"): function
    for name, function in dict(globals()).items()
    if name.startswith("check_") and callable(function)
}


def test_every_code_rule_has_a_check() -> None:
    """Each rule is backed by a check here, or by the README for docs-* rules."""
    assert set(CHECKS) <= set(ALL_RULES), set(CHECKS) - set(ALL_RULES)
    undocumented = set(ALL_RULES) - set(CHECKS) - set(DOCS_RULES)
    assert sorted(undocumented) == []


@pytest.mark.parametrize("rule", sorted(CHECKS))
def test_claim_is_backed(rule: str) -> None:
    """A `done` rule passes its check; an exempt rule's check confirms the reason still holds."""
    status = _status(_rules()[rule])
    if status == "todo":
        pytest.skip(f"{rule}: {KNOWN_GAPS[rule]}")
    CHECKS[rule]()


# Where the README carries each docs-* rule: a heading (regex, case-insensitive, None = any
# place) and phrases that must appear in the README.
README_EVIDENCE: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "docs-high-level-description": (None, ("Mitsubishi", "Momit Cool", "local")),
    "docs-installation-instructions": (r"install", ("HACS", "custom_components/")),
    "docs-removal-instructions": (r"remov|uninstall", ()),
    "docs-installation-parameters": (
        r"set ?up",
        ("password", "crypto serial", "IP address", "port"),
    ),
    "docs-configuration-parameters": (None, ("poll interval", "setpoint step")),
    "docs-data-update": (r"updat|polling|push", ()),
    "docs-examples": (r"example", ()),
    "docs-known-limitations": (r"limitation", ()),
    "docs-supported-devices": (r"supported|hardware", ()),
    "docs-supported-functions": (r"entit", ()),
    "docs-troubleshooting": (r"troubleshoot", ()),
    "docs-use-cases": (r"use case|for whom", ()),
}


def _readme_headings(text: str) -> list[str]:
    headings = []
    in_code = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            headings.append(line.lstrip("#").strip().lower())
    return headings


def test_readme_covers_the_docs_rules() -> None:
    """Every docs-* rule marked done has its place in the README."""
    assert set(README_EVIDENCE) == set(DOCS_RULES) - {
        "docs-actions",
        "docs-triggers",
        "docs-conditions",
    }
    readme = ROOT / "README.md"
    if not readme.is_file():
        pytest.skip("README.md is not written yet")
    text = readme.read_text()
    headings = _readme_headings(text)
    lowered = text.lower()
    for rule, (heading, phrases) in README_EVIDENCE.items():
        if not _done(rule):
            continue
        if heading is not None:
            assert any(re.search(heading, h) for h in headings), f"{rule}: no heading /{heading}/"
        for phrase in phrases:
            assert phrase.lower() in lowered, f"{rule}: README does not mention {phrase!r}"
