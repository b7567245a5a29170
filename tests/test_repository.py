"""Repository-level rules that hassfest, HACS and our own ground rules would enforce."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from custom_components.kumo_momit.const import DOMAIN

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "custom_components" / DOMAIN

# Keys hassfest accepts in a custom integration's manifest (ha-quality-bar.md §3.3).
ALLOWED_MANIFEST_KEYS = {
    "domain", "name", "after_dependencies", "bluetooth", "codeowners", "config_flow",
    "dependencies", "dhcp", "disabled", "documentation", "homekit", "import_executor",
    "integration_type", "iot_class", "issue_tracker", "loggers", "mqtt", "preview_features",
    "quality_scale", "requirements", "single_config_entry", "ssdp", "usb", "version", "zeroconf",
}  # fmt: skip
# Keys the HACS schema accepts in hacs.json; it rejects anything else.
ALLOWED_HACS_KEYS = {
    "name", "content_in_root", "zip_release", "filename", "hide_default_branch", "country",
    "homeassistant", "hacs", "persistent_directory", "render_readme",
}  # fmt: skip


def _manifest() -> dict[str, object]:
    return json.loads((PACKAGE / "manifest.json").read_text())


def test_manifest_is_valid_for_hassfest_and_hacs() -> None:
    """Domain matches the folder, keys are known and ordered domain, name, then A-Z."""
    manifest = _manifest()
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert set(keys) <= ALLOWED_MANIFEST_KEYS
    assert manifest["domain"] == DOMAIN == PACKAGE.name
    assert manifest["name"] == "Mitsubishi Kumo & Momit Cool (local)"
    assert manifest["config_flow"] is True
    assert manifest["iot_class"] == "local_polling"
    assert manifest["integration_type"] == "hub"
    for url_key in ("documentation", "issue_tracker"):
        url = manifest[url_key]
        assert isinstance(url, str)
        assert url.startswith("https://")
        assert not url.startswith("https://www.home-assistant.io/integrations")
    codeowners = manifest["codeowners"]
    assert isinstance(codeowners, list)
    assert codeowners
    assert all(owner.startswith("@") for owner in codeowners)
    requirements = manifest["requirements"]
    assert isinstance(requirements, list)
    assert any(req.startswith("aiocoap==") for req in requirements)
    assert not any(req.startswith("voluptuous") for req in requirements)
    version = manifest["version"]
    assert isinstance(version, str)
    assert all(part.isdigit() for part in version.split("."))


def test_manifest_pins_the_same_aiocoap_as_the_test_requirements() -> None:
    """The integration must run with the aiocoap the tests ran with."""
    manifest_pin = next(r for r in _manifest()["requirements"] if r.startswith("aiocoap"))  # type: ignore[attr-defined]
    test_pins = (ROOT / "requirements_test.txt").read_text().split()
    assert manifest_pin in test_pins


def test_hacs_json_is_valid() -> None:
    """HACS rejects unknown keys; `name` is required; our floor is HA 2025.4.4."""
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert set(hacs) <= ALLOWED_HACS_KEYS
    assert hacs["name"] == _manifest()["name"]
    assert hacs["homeassistant"] == "2025.4.4"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_protocol_modules_are_free_of_home_assistant_and_threads() -> None:
    """kumo/ and momit/ are libraries: no homeassistant, no requests, no threads."""
    for sub in ("kumo", "momit"):
        for path in (PACKAGE / sub).glob("*.py"):
            imported = _imports(path)
            assert not any(name.split(".")[0] == "homeassistant" for name in imported), path
            assert "requests" not in imported, path
            assert "threading" not in imported, path


def test_integration_never_uses_executor_threads_or_print() -> None:
    """Everything here can be async; logs go through the logger."""
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        for forbidden in ("async_add_executor_job", "run_in_executor", "threading.Thread"):
            assert forbidden not in text, f"{forbidden} in {path}"
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "print", f"print() in {path}"


# --- the layout of the Home Assistant glue -------------------------------------------------------

# Modules Home Assistant loads by name: they only pick the entry's device family.
DISPATCHERS = {
    "__init__.py",
    "config_flow.py",
    "climate.py",
    "sensor.py",
    "binary_sensor.py",
    "number.py",
    "diagnostics.py",
    "repairs.py",
}
# What both families share besides the dispatchers.
SHARED_CORE = {"const.py", "data.py", "entity.py", "sensor_kinds.py", "compat.py"}
FAMILIES = {"kumo_ha": "kumo", "momit_ha": "momit"}
MAX_GLUE_MODULE_LINES = 400
ABSOLUTE = f"custom_components.{DOMAIN}."


def _glue_modules() -> dict[str, Path]:
    """Every module of the glue by its path in the package (`kumo_ha/climate.py`)."""
    paths = [*PACKAGE.glob("*.py"), *(p for f in FAMILIES for p in (PACKAGE / f).glob("*.py"))]
    return {path.relative_to(PACKAGE).as_posix(): path for path in sorted(paths)}


def _relative_imports(path: Path) -> set[str]:
    """Glue-relative dotted names a module imports from (`kumo`, `kumo_ha.data`, `const`)."""
    package = path.relative_to(PACKAGE).parent.parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)]
            found.add(".".join([*base, *([node.module] if node.module else [])]))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(ABSOLUTE):
            found.add((node.module or "").removeprefix(ABSOLUTE))
    return found


def test_the_glue_is_one_package_per_family_around_thin_dispatchers() -> None:
    """The package's own modules are the dispatchers and the shared core; the rest is a family's."""
    top_level = {name for name in _glue_modules() if "/" not in name}
    assert top_level == DISPATCHERS | SHARED_CORE
    subpackages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert subpackages == set(FAMILIES) | set(FAMILIES.values())


def test_no_glue_module_exceeds_its_size() -> None:
    """Each module is one concern a reader can hold: at most ~400 lines."""
    for name, path in _glue_modules().items():
        lines = len(path.read_text().splitlines())
        assert lines <= MAX_GLUE_MODULE_LINES, f"{name}: {lines} lines"


def test_families_do_not_reach_into_each_other() -> None:
    """Working on one family means reading its package and the shared core only."""
    for name, path in _glue_modules().items():
        family = name.partition("/")[0]
        if family not in FAMILIES:
            continue
        for imported in _relative_imports(path):
            root = imported.partition(".")[0]
            allowed = {family, FAMILIES[family]} | {m.removesuffix(".py") for m in SHARED_CORE}
            assert root in allowed, f"{name} imports {imported}"


def test_glue_imports_the_protocol_libraries_at_package_level() -> None:
    """`from ..kumo import X`: what the glue uses is exported by kumo/ and momit/ themselves."""
    for name, path in _glue_modules().items():
        for imported in _relative_imports(path):
            root, _, rest = imported.partition(".")
            assert not (root in FAMILIES.values() and rest), f"{name} imports {imported}"


_FAMILY_NAMES = {"entry_family", "CONF_FAMILY", "FAMILY_KUMO", "FAMILY_MOMIT"}
_RUNTIME_TYPES = {"KumoRuntimeData", "MomitRuntimeData"}


def _family_tests(tree: ast.AST) -> list[str]:
    """Comparisons with the entry's family, and isinstance checks of its runtime data."""
    found = []
    for node in ast.walk(tree):
        names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        if isinstance(node, ast.Compare) and names & _FAMILY_NAMES:
            found.append(ast.unparse(node))
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "isinstance"
            and names & _RUNTIME_TYPES
        ):
            found.append(ast.unparse(node))
    return found


def test_only_the_dispatchers_branch_on_the_family() -> None:
    """Family code never asks which family it is in; the dispatchers ask once per hook."""
    for name, path in _glue_modules().items():
        tests = _family_tests(ast.parse(path.read_text()))
        if name in DISPATCHERS or name == "data.py":
            continue
        assert not tests, f"{name} branches on the family: {tests}"
    # The dispatchers do branch: the check above would see it.
    assert _family_tests(ast.parse((PACKAGE / "__init__.py").read_text()))


def test_every_entry_change_goes_through_the_one_helper() -> None:
    """Only `data.async_update_entry` writes an entry: it computes the change from the entry
    as it is at that moment, so no flow overwrites what another saved meanwhile."""
    writers = {
        name
        for name, path in _glue_modules().items()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute)
        and node.attr == "async_update_entry"
        and ast.unparse(node.value).endswith("config_entries")
    }
    assert writers == {"data.py"}
