"""The layers of DESIGN.md, enforced: each headless module is imported in a fresh
interpreter and must not pull in what its layer forbids."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pytest

import kubetraffic

FORBIDDEN = {
    "core": {"textual", "rich", "kubernetes", "scapy", "prometheus_api_client", "yaml", "orjson"},
    "adapters": {"textual"},
    "render": {"textual"},
    "cli": {"textual"},
    "demo": {"textual"},
}


def _modules(layer: str) -> list[str]:
    package = f"kubetraffic.{layer}"
    path = [f"{kubetraffic.__path__[0]}/{layer}"]
    found = [package]
    for info in pkgutil.walk_packages(path, prefix=package + "."):
        found.append(info.name)
    return sorted(found)


def _loaded_after_import(module: str | None) -> set[str]:
    code = (
        "import importlib, json, sys\n"
        + (f"importlib.import_module({module!r})\n" if module else "")
        + "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


CASES = [(layer, module) for layer in FORBIDDEN for module in _modules(layer)]


@pytest.mark.parametrize(("layer", "module"), CASES, ids=[m for _, m in CASES])
def test_module_respects_its_layer(layer: str, module: str) -> None:
    leaked = _loaded_after_import(module) & FORBIDDEN[layer]
    assert not leaked, f"{module} imports {sorted(leaked)}, forbidden in kubetraffic.{layer}"


def test_the_checker_notices_a_violation() -> None:
    """Guard against a vacuous check: importing rich from a module must be caught."""
    assert "rich" in _loaded_after_import("kubetraffic.render.text")


def test_help_and_commands_do_not_load_the_tui() -> None:
    code = (
        "import sys\n"
        "from kubetraffic.cli.main import cli\n"
        "try:\n    cli.main(['--help'], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('textual', 'kubernetes', 'scapy', 'rich', 'yaml_rs') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_core_is_stdlib_only() -> None:
    """Beyond the named libraries: core must not import any third-party package at all."""
    allowed = set(sys.stdlib_module_names) | {"kubetraffic"} | _loaded_after_import(None)
    for module in _modules("core"):
        third_party = _loaded_after_import(module) - allowed
        assert not third_party, f"{module} loads {sorted(third_party)}"
