"""Every translation key the code uses exists in translations/en.json, and icons.json fits.

The keys are read from the code with `ast`: exception and issue keys (f-strings expanded over
every value their parts can take), entity translation keys, flow steps, menu options, form
fields, errors, abort reasons and progress actions. Error keys that travel through helpers
(`units, error = await async_discover(...)`) are followed into the helper's return values.
An expression the resolver cannot follow fails the test: extend the resolver, don't guess.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
import importlib
import itertools
import json
from pathlib import Path
import re
import string
from types import ModuleType
from typing import Any

import pytest

from custom_components.kumo_momit.const import DOMAIN, PLATFORMS
from custom_components.kumo_momit.kumo_ha.climate_modes import FAN_MODE_KEYS, SWING_MODE_KEYS

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "custom_components" / DOMAIN
EN = json.loads((PACKAGE / "translations" / "en.json").read_text())
ICONS = json.loads((PACKAGE / "icons.json").read_text())

# The Home Assistant glue: the package's own modules and each device family's.
GLUE_FOLDERS = ("", "kumo_ha", "momit_ha")
HA_EXCEPTIONS = {
    "HomeAssistantError",
    "ServiceValidationError",
    "UpdateFailed",
    "ConfigEntryNotReady",
    "ConfigEntryError",
    "ConfigEntryAuthFailed",
}
# Values the resolver cannot see through, and the function whose return values they are.
INDIRECT_RESULTS = {
    # The Momit gateway scan runs as a task of async_find_momit_nodes.
    "self._momit_scan.result()": "async_find_momit_nodes",
}


class UnresolvedError(AssertionError):
    """The resolver met an expression it cannot follow."""


Function = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass
class Source:
    """One module of the glue: its dotted name in the package, syntax tree, imported module."""

    name: str
    tree: ast.Module
    module: ModuleType

    def imported_from(self, local: str) -> tuple[str, str] | None:
        """(glue module, name) that `local` is imported from, if it comes from the glue."""
        package = self.name.split(".")[:-1]
        for node in self.tree.body:
            if not (isinstance(node, ast.ImportFrom) and node.level):
                continue
            base = package[: len(package) - (node.level - 1)]
            module = ".".join([*base, *([node.module] if node.module else [])])
            for alias in node.names:
                if (alias.asname or alias.name) == local and module in SOURCES:
                    return module, alias.name
        return None

    def defines(self, name: str) -> ast.AST | None:
        """The module-level function or class called `name`."""
        return next(
            (
                node
                for node in self.tree.body
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                and node.name == name
            ),
            None,
        )


def _sources() -> dict[str, Source]:
    found = {}
    for folder in GLUE_FOLDERS:
        for path in sorted((PACKAGE / folder).glob("*.py")):
            name = ".".join(part for part in (folder, path.stem) if part)
            found[name] = Source(
                name=name,
                tree=ast.parse(path.read_text(), filename=str(path)),
                module=importlib.import_module(f"custom_components.{DOMAIN}.{name}"),
            )
    return found


SOURCES = _sources()


def _lookup(name: str, source: Source) -> tuple[ast.AST, Source] | None:
    """Where a name used in `source` is defined in the glue (following its imports)."""
    node = source.defines(name)
    if node is not None:
        return node, source
    origin = source.imported_from(name)
    return None if origin is None else _lookup(origin[1], SOURCES[origin[0]])


def _function(name: str, source: Source) -> tuple[Function, Source] | None:
    found = _lookup(name, source)
    if found is None or not isinstance(found[0], ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    return found[0], found[1]


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _on_self(call: ast.Call) -> bool:
    """`self.<method>(...)`: the flow's own method, not e.g. the flow manager's."""
    func = call.func
    return isinstance(func, ast.Attribute) and ast.unparse(func.value) == "self"


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _own_nodes(function: ast.AST) -> Iterator[ast.AST]:
    """Nodes of a function, not descending into nested functions or lambdas."""
    pending = list(ast.iter_child_nodes(function))
    while pending:
        node = pending.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            pending.extend(ast.iter_child_nodes(node))


@dataclass
class Scope:
    """Where a name is looked up: a function, its class, its module."""

    source: Source
    function: ast.AST
    klass: ast.ClassDef | None = None
    seen: set[int] = field(default_factory=set)


def _bindings(scope: Scope, name: str) -> Iterator[tuple[ast.expr, int | None]]:
    """What `name` is bound to in the function: (value, index into a tuple value or None)."""
    for node in _own_nodes(scope.function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == name:
                    yield node.value, None
                elif isinstance(target, ast.Tuple):
                    for index, element in enumerate(target.elts):
                        if isinstance(element, ast.Name) and element.id == name:
                            yield node.value, index
        elif (
            isinstance(node, ast.AnnAssign)
            and node.value is not None
            and isinstance(node.target, ast.Name)
            and node.target.id == name
        ):
            yield node.value, None
        elif isinstance(node, ast.For) and isinstance(node.target, ast.Tuple):
            for index, element in enumerate(node.target.elts):
                if isinstance(element, ast.Name) and element.id == name:
                    yield node.iter, index


def _element(value: ast.expr, index: int | None, scope: Scope) -> set[str]:
    """Strings of element `index` of a value (None: the value itself)."""
    if index is None:
        return strings(value, scope)
    if isinstance(value, ast.Tuple):
        return strings(value.elts[index], scope)
    if isinstance(value, ast.Await):
        return _element(value.value, index, scope)
    if isinstance(value, ast.Call):
        # `for key, value in SOME_DICT.items()`
        if _call_name(value) == "items" and isinstance(value.func, ast.Attribute):
            mapping = _runtime_value(value.func.value, scope)
            assert isinstance(mapping, dict), ast.unparse(value)
            items = list(mapping.keys() if index == 0 else mapping.values())
            return {item for item in items if isinstance(item, str)}
        return _returns(_called_function(value, scope), index)
    raise UnresolvedError(ast.unparse(value))


def _runtime_value(expr: ast.expr, scope: Scope) -> Any:
    if isinstance(expr, ast.Name) and hasattr(scope.source.module, expr.id):
        return getattr(scope.source.module, expr.id)
    raise UnresolvedError(ast.unparse(expr))


def _called_function(call: ast.Call, scope: Scope) -> tuple[Function, Source]:
    text = ast.unparse(call)
    found = _function(INDIRECT_RESULTS.get(text, _call_name(call)), scope.source)
    if found is None:
        raise UnresolvedError(text)
    return found


def _returns(called: tuple[Function, Source], index: int | None) -> set[str]:
    """Every string a function returns (or element `index` of the tuples it returns)."""
    function, source = called
    scope = Scope(source, function)
    found: set[str] = set()
    for node in _own_nodes(function):
        if isinstance(node, ast.Return) and node.value is not None:
            value = node.value
            if (
                index is None
                and isinstance(value, ast.Call)
                and _function(_call_name(value), source) is None
            ):
                # A key-or-data function (`read_kumo_cache`): its data comes from elsewhere.
                continue
            found |= _element(value, index, scope)
    return found


def _constant_strings(expr: ast.Constant, scope: Scope) -> set[str]:
    return {expr.value} if isinstance(expr.value, str) else set()


def _fstring_strings(expr: ast.JoinedStr, scope: Scope) -> set[str]:
    parts: list[set[str]] = []
    for part in expr.values:
        if isinstance(part, ast.Constant):
            parts.append({str(part.value)})
        else:
            assert isinstance(part, ast.FormattedValue)
            parts.append(strings(part.value, scope))
    return {"".join(combination) for combination in itertools.product(*parts)}


def _subscript_strings(expr: ast.Subscript, scope: Scope) -> set[str]:
    mapping = _runtime_value(expr.value, scope)
    assert isinstance(mapping, dict), ast.unparse(expr)
    return {value for value in mapping.values() if isinstance(value, str)}


def _name_strings(expr: ast.Name, scope: Scope) -> set[str]:
    bindings = list(_bindings(scope, expr.id))
    if not bindings:
        value = _runtime_value(expr, scope)
        return {value} if isinstance(value, str) else set()
    found: set[str] = set()
    for value, index in bindings:
        if id(value) in scope.seen:
            continue
        scope.seen.add(id(value))
        found |= _element(value, index, scope)
    return found


def _self_attribute_strings(expr: ast.Attribute, scope: Scope) -> set[str]:
    if isinstance(expr.value, ast.Name) and expr.value.id == "self" and scope.klass is not None:
        return _attribute_strings(expr.attr, scope.klass, scope.source)
    raise UnresolvedError(ast.unparse(expr))


# How each kind of expression is followed to the strings it can take.
_STRING_RESOLVERS: dict[type[ast.expr], Callable[[Any, Scope], set[str]]] = {
    ast.Constant: _constant_strings,
    ast.JoinedStr: _fstring_strings,
    ast.IfExp: lambda expr, scope: strings(expr.body, scope) | strings(expr.orelse, scope),
    ast.BoolOp: lambda expr, scope: set().union(*(strings(v, scope) for v in expr.values)),
    ast.Await: lambda expr, scope: strings(expr.value, scope),
    ast.Call: lambda expr, scope: _returns(_called_function(expr, scope), None),
    ast.Subscript: _subscript_strings,
    ast.Name: _name_strings,
    ast.Attribute: _self_attribute_strings,
}


def strings(expr: ast.expr, scope: Scope) -> set[str]:
    """Every string value `expr` can take."""
    resolver = _STRING_RESOLVERS.get(type(expr))
    if resolver is None:
        raise UnresolvedError(ast.unparse(expr))
    return resolver(expr, scope)


def _attribute_strings(attr: str, klass: ast.ClassDef, source: Source) -> set[str]:
    """Every string assigned to `self.<attr>` anywhere in the class."""
    found: set[str] = set()
    for method in _methods(klass):
        scope = Scope(source, method, klass)
        for node in _own_nodes(method):
            if not isinstance(node, ast.Assign):
                continue
            for target in node.targets:
                elements = target.elts if isinstance(target, ast.Tuple) else [target]
                for index, element in enumerate(elements):
                    if (
                        isinstance(element, ast.Attribute)
                        and element.attr == attr
                        and isinstance(element.value, ast.Name)
                        and element.value.id == "self"
                    ):
                        position = index if isinstance(target, ast.Tuple) else None
                        found |= _element(node.value, position, scope)
    return found


def _methods(klass: ast.ClassDef) -> list[Function]:
    return [node for node in klass.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]


def _base_names(klass: ast.ClassDef) -> set[str]:
    return {ast.unparse(base).split("[")[0].split(".")[-1] for base in klass.bases}


# --- what a flow uses --------------------------------------------------------------------------


@dataclass
class StepUse:
    """A form, menu or progress step as the code shows it."""

    kind: str
    fields: dict[str, set[str] | None] = field(default_factory=dict)
    menu_options: set[str] = field(default_factory=set)
    placeholders: set[str] | None = field(default_factory=set)


@dataclass
class FlowUse:
    """Everything one flow class uses."""

    steps: dict[str, list[StepUse]] = field(default_factory=dict)
    errors: set[str] = field(default_factory=set)
    aborts: set[str] = field(default_factory=set)
    progress: dict[str, set[str] | None] = field(default_factory=dict)


def _schema_fields(expr: ast.expr, scope: Scope) -> dict[str, set[str] | None]:
    """Field name -> the fields of its section (None for a plain field)."""
    if isinstance(expr, ast.Call) and _call_name(expr) == "Schema":
        return _schema_fields(expr.args[0], scope)
    if isinstance(expr, ast.Call) and _call_name(expr) == "add_suggested_values_to_schema":
        return _schema_fields(expr.args[0], scope)  # the same fields, pre-filled
    called = _function(_call_name(expr), scope.source) if isinstance(expr, ast.Call) else None
    if called is not None:
        function, source = called
        returns = [n for n in _own_nodes(function) if isinstance(n, ast.Return) and n.value]
        assert len(returns) == 1, ast.unparse(expr)
        value = returns[0].value
        assert value is not None
        return _schema_fields(value, Scope(source, function))
    if isinstance(expr, ast.Name):
        fields: dict[str, set[str] | None] = {}
        for value, index in _bindings(scope, expr.id):
            assert index is None
            if _prefills(value, expr.id):
                continue  # `schema = self.add_suggested_values_to_schema(schema, …)`
            fields |= _schema_fields(value, scope)
        # `schema[vol.Optional(KEY)] = section(...)` adds fields after the literal.
        for node in _own_nodes(scope.function):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if (
                        isinstance(target, ast.Subscript)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == expr.id
                    ):
                        fields |= _field(target.slice, node.value, scope)
        return fields
    if isinstance(expr, ast.Dict):
        fields = {}
        for key, value in zip(expr.keys, expr.values, strict=True):
            assert key is not None, "no ** in schemas"
            fields |= _field(key, value, scope)
        return fields
    raise UnresolvedError(ast.unparse(expr))


def _prefills(value: ast.expr, name: str) -> bool:
    """Whether `value` pre-fills the schema bound to `name` (same fields as before)."""
    return (
        isinstance(value, ast.Call)
        and _call_name(value) == "add_suggested_values_to_schema"
        and isinstance(value.args[0], ast.Name)
        and value.args[0].id == name
    )


def _field(key: ast.expr, value: ast.expr, scope: Scope) -> dict[str, set[str] | None]:
    assert isinstance(key, ast.Call), ast.unparse(key)
    assert _call_name(key) in {"Required", "Optional"}, ast.unparse(key)
    (name,) = strings(key.args[0], scope)
    if isinstance(value, ast.Call) and _call_name(value) == "section":
        return {name: set(_schema_fields(value.args[0], scope))}
    return {name: None}


def _placeholders(call: ast.Call, name: str, scope: Scope) -> set[str] | None:
    """Keys of a placeholders argument (None: cannot be known statically)."""
    value = _keyword(call, name)
    if value is None:
        return set()
    called = _function(_call_name(value), scope.source) if isinstance(value, ast.Call) else None
    if called is not None:
        function, _ = called
        returns = [n.value for n in _own_nodes(function) if isinstance(n, ast.Return)]
        if len(returns) == 1 and isinstance(returns[0], ast.Dict):
            value = returns[0]
    if isinstance(value, ast.Dict):
        keys = set()
        for key in value.keys:
            assert isinstance(key, ast.Constant), ast.unparse(value)
            keys.add(str(key.value))
        return keys
    return None


def _errors_set(node: ast.Assign, scope: Scope) -> set[str]:
    """Values of `errors["base"] = ...` (also as part of a tuple assignment)."""
    found: set[str] = set()
    for target in node.targets:
        elements = target.elts if isinstance(target, ast.Tuple) else [target]
        for index, element in enumerate(elements):
            if isinstance(element, ast.Subscript) and ast.unparse(element) == "errors['base']":
                position = index if isinstance(target, ast.Tuple) else None
                found |= _element(node.value, position, scope)
    return found


def _aborts(call: ast.Call, scope: Scope) -> set[str]:
    """Abort reasons of one call (empty for calls that do not abort)."""
    name = _call_name(call)
    reason = _keyword(call, "reason")
    if name == "async_abort" and _on_self(call):
        assert reason is not None
        return strings(reason, scope)
    if name == "_abort_if_unique_id_configured":
        return {"already_configured"}
    if name == "_abort_if_unique_id_mismatch":
        return strings(reason, scope) if reason else {"unique_id_mismatch"}
    return set()


def _add_step(call: ast.Call, scope: Scope, use: FlowUse) -> None:
    """A form, menu or progress step shown by `call`, with its fields, options and action."""
    step_id = _keyword(call, "step_id")
    assert step_id is not None, ast.unparse(call)
    (step,) = strings(step_id, scope)
    step_use = StepUse(
        kind=_call_name(call).removeprefix("async_show_"),
        placeholders=_placeholders(call, "description_placeholders", scope),
    )
    schema = _keyword(call, "data_schema")
    if schema is not None:
        step_use.fields = _schema_fields(schema, scope)
    options = _keyword(call, "menu_options")
    if options is not None:
        assert isinstance(options, ast.List), ast.unparse(options)
        for option in options.elts:
            step_use.menu_options |= strings(option, scope)
    action = _keyword(call, "progress_action")
    if action is not None:
        for key in strings(action, scope):
            use.progress[key] = step_use.placeholders
    use.steps.setdefault(step, []).append(step_use)


def _flow_use(klass: ast.ClassDef, source: Source, use: FlowUse) -> None:
    """Add what one flow class (or step mixin) uses to `use`."""
    for method in _methods(klass):
        scope = Scope(source, method, klass)
        for node in _own_nodes(method):
            if isinstance(node, ast.Assign):
                use.errors |= _errors_set(node, scope)
            elif isinstance(node, ast.Call):
                use.aborts |= _aborts(node, scope)
                if _call_name(node) in {
                    "async_show_form",
                    "async_show_menu",
                    "async_show_progress",
                }:
                    _add_step(node, scope, use)


def _class(name: str, source: Source) -> tuple[ast.ClassDef, Source]:
    found = _lookup(name, source)
    assert found is not None, f"{name} is not a class of the glue ({source.name})"
    node, origin = found
    assert isinstance(node, ast.ClassDef), name
    return node, origin


def _hierarchy_use(klass: ast.ClassDef, source: Source, use: FlowUse) -> None:
    """The class and every base of the glue it is composed of (step mixins)."""
    _flow_use(klass, source, use)
    for base in _base_names(klass):
        if _lookup(base, source) is not None:
            _hierarchy_use(*_class(base, source), use)


def _registered_config_flow() -> tuple[ast.ClassDef, Source]:
    """The one ConfigFlow class registered for the domain (`domain=` in its class line)."""
    source = SOURCES["config_flow"]
    (klass,) = [
        node
        for node in source.tree.body
        if isinstance(node, ast.ClassDef) and any(k.arg == "domain" for k in node.keywords)
    ]
    return klass, source


def _config_flow_use() -> FlowUse:
    use = FlowUse()
    _hierarchy_use(*_registered_config_flow(), use)
    return use


def _options_flow_use() -> FlowUse:
    """Every options flow `async_get_options_flow` hands out (one per device family)."""
    klass, source = _registered_config_flow()
    (getter,) = [m for m in _methods(klass) if m.name == "async_get_options_flow"]
    returned = [
        node.value
        for node in _own_nodes(getter)
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Call)
    ]
    assert len(returned) >= 2, "one options flow per family"
    use = FlowUse()
    for call in returned:
        _hierarchy_use(*_class(_call_name(call), source), use)
    return use


def _repair_flow_use() -> FlowUse:
    (found,) = [
        (node, source)
        for source in SOURCES.values()
        for node in source.tree.body
        if isinstance(node, ast.ClassDef) and "RepairsFlow" in _base_names(node)
    ]
    use = FlowUse()
    _flow_use(*found, use)
    return use


CONFIG_FLOW = _config_flow_use()
OPTIONS_FLOW = _options_flow_use()
REPAIR_FLOW = _repair_flow_use()


# --- keys used outside flows ---------------------------------------------------------------


@dataclass(frozen=True)
class KeyUse:
    """A translation key used by a call, with the placeholders it passes."""

    key: str
    placeholders: frozenset[str] | None
    where: str
    fixable: bool = True
    """For repair issues: `is_fixable` (a literal; a fix flow needs translations)."""


def _enclosing_functions(tree: ast.Module) -> Iterator[tuple[ast.AST, ast.ClassDef | None]]:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node, None
        elif isinstance(node, ast.ClassDef):
            for method in _methods(node):
                yield method, node


def _keyed_calls(names: set[str]) -> list[KeyUse]:
    """Calls to `names` with translation_domain/translation_key, every key value expanded."""
    found = []
    for source in SOURCES.values():
        for function, klass in _enclosing_functions(source.tree):
            scope = Scope(source, function, klass)
            for node in _own_nodes(function):
                if not (isinstance(node, ast.Call) and _call_name(node) in names):
                    continue
                key = _keyword(node, "translation_key")
                assert key is not None, f"{source.name}:{node.lineno} has no translation_key"
                placeholders = _placeholders(node, "translation_placeholders", scope)
                fixable = _keyword(node, "is_fixable")
                found += [
                    KeyUse(
                        value,
                        None if placeholders is None else frozenset(placeholders),
                        f"{source.name}.py:{node.lineno}",
                        fixable=not (isinstance(fixable, ast.Constant) and fixable.value is False),
                    )
                    for value in strings(key, scope)
                ]
    return found


EXCEPTION_KEYS = _keyed_calls(HA_EXCEPTIONS)
ISSUE_KEYS = _keyed_calls({"async_create_issue"})


def _entity_keys() -> dict[str, dict[str, bool]]:
    """platform -> translation key -> whether the entity has a name of its own.

    A platform's entities live in its family modules of the same name (`kumo_ha/climate.py`).
    """
    keys: dict[str, dict[str, bool]] = {platform.value: {} for platform in PLATFORMS}
    for source in SOURCES.values():
        platform = source.name.rpartition(".")[2]
        if platform not in keys:
            continue
        found = keys[platform]
        for node in ast.walk(source.tree):
            if isinstance(node, ast.Call) and _call_name(node) not in HA_EXCEPTIONS:
                value = _keyword(node, "translation_key")
                if isinstance(value, ast.Constant):
                    found[str(value.value)] = True
            if isinstance(node, ast.ClassDef):
                assigned = {
                    target.id: statement.value
                    for statement in node.body
                    if isinstance(statement, ast.Assign)
                    for target in statement.targets
                    if isinstance(target, ast.Name)
                }
                key = assigned.get("_attr_translation_key")
                if isinstance(key, ast.Constant):
                    name = assigned.get("_attr_name")
                    nameless = isinstance(name, ast.Constant) and name.value is None
                    found[str(key.value)] = not nameless
    return keys


ENTITY_KEYS = _entity_keys()


def _text_placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# --- the tests ---------------------------------------------------------------------------------


def test_resolver_found_the_keys() -> None:
    """A sanity floor: the resolver really reads the code (and f-strings are expanded)."""
    keys = {use.key for use in EXCEPTION_KEYS}
    assert {"kumo_unreachable_command", "kumo_adapter_busy", "momit_unreachable"} <= keys
    assert {use.key for use in ISSUE_KEYS} == {
        "unit_missing_secrets",
        "unit_missing_address",
        "room_sensor_lost",
        "unit_cloud_controlled",
    }
    assert {"invalid_auth", "throttled", "unknown", "wrong_unit_secrets"} <= CONFIG_FLOW.errors
    assert "scan_gateway" in CONFIG_FLOW.progress
    assert {"cache_not_found", "already_configured"} <= CONFIG_FLOW.aborts
    assert ENTITY_KEYS["climate"] == {"kumo_unit": False, "momit_ac": False}
    # Both families' steps are found through the flow's step mixins and options flows.
    assert {"user", "kumo", "reconfigure", "dhcp_confirm", "momit", "reconfigure_momit"} <= set(
        CONFIG_FLOW.steps
    )
    assert {"init", "momit"} <= set(OPTIONS_FLOW.steps)


@pytest.mark.parametrize("use", EXCEPTION_KEYS, ids=lambda use: f"{use.key}@{use.where}")
def test_exception_keys_exist(use: KeyUse) -> None:
    """Each raised exception's key has a message whose placeholders the raise provides."""
    message = EN["exceptions"][use.key]["message"]
    if use.placeholders is not None:
        assert _text_placeholders(message) <= use.placeholders, use.where


@pytest.mark.parametrize("use", ISSUE_KEYS, ids=lambda use: use.key)
def test_issue_keys_exist(use: KeyUse) -> None:
    """Repair issues have a title (and a description or a fix flow) with their placeholders."""
    issue = EN["issues"][use.key]
    assert issue["title"]
    assert "description" in issue or "fix_flow" in issue
    if use.placeholders is not None:
        assert _text_placeholders(issue["title"]) <= use.placeholders


def _check_fields(
    step_id: str, step: dict[str, Any], step_use: StepUse, descriptions: bool
) -> None:
    """Each field has a label (and a description), each section a name and its fields'."""
    for name, section_fields in step_use.fields.items():
        if section_fields is None:
            assert name in step.get("data", {}), f"{step_id}: no label for {name}"
            if descriptions:
                assert name in step.get("data_description", {}), (
                    f"{step_id}: no data_description for {name}"
                )
            continue
        section = step.get("sections", {}).get(name)
        assert section is not None, f"{step_id}: section {name} has no translation"
        assert "name" in section, f"{step_id}: section {name}"
        for inner in section_fields:
            assert inner in section.get("data", {}), f"{step_id}.{name}: {inner}"
            if descriptions:
                assert inner in section.get("data_description", {}), (
                    f"{step_id}.{name}: no data_description for {inner}"
                )


def _check_step(step_id: str, step: dict[str, Any], step_use: StepUse, descriptions: bool) -> None:
    if step_use.kind in {"form", "menu"}:
        assert "title" in step or "description" in step, step_id
    for option in step_use.menu_options:
        assert option in step.get("menu_options", {}), f"{step_id}: menu option {option}"
    _check_fields(step_id, step, step_use, descriptions)
    if step_use.placeholders is not None:
        text = " ".join(str(step.get(part, "")) for part in ("title", "description"))
        missing = _text_placeholders(text) - step_use.placeholders
        assert not missing, f"{step_id}: placeholders {missing} not provided"


def _check_flow(use: FlowUse, strings_: dict[str, Any], *, descriptions: bool) -> None:
    steps = strings_["step"]
    for step_id, shown in use.steps.items():
        assert step_id in steps, f"step {step_id} has no translation"
        for step_use in shown:
            _check_step(step_id, steps[step_id], step_use, descriptions)
    for error in use.errors:
        assert error in strings_.get("error", {}), f"error {error} has no translation"
    for reason in use.aborts:
        assert reason in strings_.get("abort", {}), f"abort {reason} has no translation"
    for action, placeholders in use.progress.items():
        text = strings_.get("progress", {}).get(action)
        assert text, f"progress {action} has no translation"
        if placeholders is not None:
            assert _text_placeholders(text) <= placeholders, action


def test_config_flow_translations() -> None:
    """Steps, fields (label and description), menus, errors, aborts, progress of the flow."""
    _check_flow(CONFIG_FLOW, EN["config"], descriptions=True)


def test_config_flow_title_placeholders() -> None:
    """The discovered flow's title names the unit."""
    assert _text_placeholders(EN["config"]["flow_title"]) <= {"name"}


def test_options_flow_translations() -> None:
    """Options steps, fields (label and description) and errors."""
    _check_flow(OPTIONS_FLOW, EN["options"], descriptions=True)


@pytest.mark.parametrize("issue", sorted({use.key for use in ISSUE_KEYS if use.fixable}))
def test_repair_flow_translations(issue: str) -> None:
    """Fixable issues share one fix flow: each needs all of its steps, errors and aborts."""
    _check_flow(REPAIR_FLOW, EN["issues"][issue]["fix_flow"], descriptions=False)


@pytest.mark.parametrize("use", [use for use in ISSUE_KEYS if not use.fixable], ids=str)
def test_issues_without_fix_flow_explain_themselves(use: KeyUse) -> None:
    """An issue the user cannot fix in a flow says what happened, with its placeholders."""
    issue = EN["issues"][use.key]
    assert "fix_flow" not in issue
    assert issue["description"]
    if use.placeholders is not None:
        assert _text_placeholders(issue["description"]) <= use.placeholders


def test_entity_translation_keys_exist() -> None:
    """Named entities have a name under their key; name-less ones (climate) need none."""
    for platform, keys in ENTITY_KEYS.items():
        translated = EN.get("entity", {}).get(platform, {})
        for key, named in keys.items():
            if named:
                assert translated.get(key, {}).get("name"), f"entity.{platform}.{key}.name"
    for platform, translated in EN.get("entity", {}).items():
        stale = set(translated) - set(ENTITY_KEYS.get(platform, {}))
        assert not stale, f"entity.{platform}: keys no entity uses: {stale}"


def test_kumo_fan_and_vane_states_are_translated() -> None:
    """Every fan-speed and vane key the climate entity reports has a translated state."""
    attributes = EN["entity"]["climate"]["kumo_unit"]["state_attributes"]
    assert set(attributes["fan_mode"]["state"]) == set(FAN_MODE_KEYS.values())
    assert set(attributes["swing_mode"]["state"]) == set(SWING_MODE_KEYS.values())


def test_translation_keys_are_valid() -> None:
    """hassfest's key rule: lowercase letters, digits, underscores (no leading/trailing one)."""
    pattern = re.compile(r"^[a-z0-9]+(?:[_-][a-z0-9]+)*$")

    def walk(node: Any, path: str) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                assert pattern.match(key), f"{path}.{key}"
                yield from walk(value, f"{path}.{key}")

    list(walk(EN["entity"], "entity"))
    list(walk(EN["exceptions"], "exceptions"))


# --- icons.json ----------------------------------------------------------------------------


def _mdi_names() -> set[str] | None:
    """Icon names from the frontend's MDI list, when the frontend package is installed."""
    try:
        import hass_frontend
    except ImportError:
        return None
    icon_list = Path(hass_frontend.where()) / "static" / "mdi" / "iconList.json"
    if not icon_list.is_file():
        return None
    return {icon["name"] for icon in json.loads(icon_list.read_text())}


def _icons() -> Iterator[tuple[str, str]]:
    def walk(node: Any, path: str) -> Iterator[tuple[str, str]]:
        if isinstance(node, dict):
            for key, value in node.items():
                yield from walk(value, f"{path}.{key}")
        else:
            yield path, node

    yield from walk(ICONS, "icons")


def test_icons_follow_the_hassfest_schema() -> None:
    """Only entity icons; `mdi:` names; a state icon never repeats its default."""
    assert set(ICONS) == {"entity"}
    allowed = {"default", "state", "state_attributes"}
    for platform, keys in ICONS["entity"].items():
        for key, icons in keys.items():
            assert set(icons) <= allowed, f"{platform}.{key}"
            states = icons.get("state", {})
            assert icons.get("default") not in states.values(), f"{platform}.{key}"
            for attribute, attribute_icons in icons.get("state_attributes", {}).items():
                assert set(attribute_icons) == {"default", "state"}, f"{key}.{attribute}"
                assert attribute_icons["default"] not in attribute_icons["state"].values()
    for path, icon in _icons():
        assert isinstance(icon, str), path
        assert re.fullmatch(r"mdi:[a-z0-9]+(-[a-z0-9]+)*", icon), path


def test_icons_exist_in_material_design_icons() -> None:
    """Each icon is in the MDI set the Home Assistant frontend ships."""
    names = _mdi_names()
    if names is None:
        pytest.skip("home-assistant-frontend is not installed")
    unknown = {icon for _, icon in _icons() if icon.removeprefix("mdi:") not in names}
    assert not unknown


def test_icons_refer_to_used_translation_keys() -> None:
    """Every icons.json key is an entity translation key of its platform, used by the code."""
    for platform, keys in ICONS["entity"].items():
        assert set(keys) <= set(ENTITY_KEYS.get(platform, {})), platform


def test_every_translated_entity_has_an_icon() -> None:
    """Each entity translation key has an icon, except batteries (their icon shows the level)."""
    battery_keys = {"sensor_battery"}
    for platform, keys in ENTITY_KEYS.items():
        for key in keys:
            if key not in battery_keys:
                assert key in ICONS["entity"].get(platform, {}), f"{platform}.{key}"


def test_kumo_fan_and_vane_states_have_icons() -> None:
    """Every fan-speed and vane key the climate entity reports has an icon."""
    attributes = ICONS["entity"]["climate"]["kumo_unit"]["state_attributes"]
    assert set(attributes["fan_mode"]["state"]) == set(FAN_MODE_KEYS.values())
    assert set(attributes["swing_mode"]["state"]) == set(SWING_MODE_KEYS.values())
