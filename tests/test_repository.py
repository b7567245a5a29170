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
