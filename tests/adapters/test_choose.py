"""One source choice for the CLI and the TUI: demo, snapshot or live, with exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubetraffic.adapters.choose import FlagConflict, kube_contexts, open_source, source_for_context
from kubetraffic.adapters.source import SourceError
from kubetraffic.cli.options import GlobalOptions

FIXTURES = Path(__file__).parent.parent / "fixtures"


def test_demo_and_snapshot_together_are_a_usage_error() -> None:
    with pytest.raises(FlagConflict) as err:
        open_source(GlobalOptions(demo=True, snapshot=("x",)))
    assert err.value.exit_code == 2


def test_snapshot_and_demo_choices() -> None:
    assert open_source(GlobalOptions(snapshot=(str(FIXTURES / "basic"),))).info.mode == "snapshot"
    assert open_source(GlobalOptions(demo=True)).info.mode == "demo"


def test_no_kubeconfig_is_exit_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(SourceError) as err:
        open_source(GlobalOptions())
    assert err.value.exit_code == 3


def test_contexts_come_from_the_merged_kubeconfig(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text("current-context: one\ncontexts: [{name: one, context: {cluster: c}}]\n")
    b.write_text("current-context: two\ncontexts: [{name: two, context: {cluster: c}}, {name: one, context: {}}]\n")
    assert kube_contexts(GlobalOptions(kubeconfig=f"{a}:{b}")) == (["one", "two"], "one")
    assert kube_contexts(GlobalOptions(kubeconfig=f"{a}:{b}", context="two")) == (["one", "two"], "two")


def test_switching_context_without_options_is_refused() -> None:
    with pytest.raises(FlagConflict):
        source_for_context(None, "prod")
