"""The snapshot source: files, directories, stdin, Lists, JSON, templates, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubetraffic.adapters.manifests import parse_text, parse_yaml
from kubetraffic.adapters.snapshot import SnapshotError, SnapshotSource, load_paths

FIXTURES = Path(__file__).parent.parent / "fixtures"


def test_directory_is_read_recursively_with_lists_json_and_templates() -> None:
    state, report = load_paths([str(FIXTURES / "basic")])
    assert report.files == 4
    assert report.unknown_kinds == {"ConfigMap": 1}
    names = sorted(p.meta.ref for p in state.pods())
    assert names == ["batch/report-template", "shop/api-template", "shop/frontend-template"]
    assert {n.meta.name for n in state.namespaces()} == {"shop", "batch"}
    assert state.secret("shop", "shop-tls") is not None


def test_a_malformed_document_names_file_and_line_and_the_rest_loads() -> None:
    state, report = load_paths([str(FIXTURES / "basic" / "more" / "broken.yaml")])
    assert sorted(s.meta.name for s in state.services()) == ["after-the-errors", "good-one"]
    problems = [str(p) for p in report.problems]
    assert problems == [
        f"{FIXTURES}/basic/more/broken.yaml:14: invalid YAML: unclosed bracket '{{' (column 11)",
        f"{FIXTURES}/basic/more/broken.yaml:17: NetworkPolicy bad-operator: "
        "spec.podSelector.matchExpressions[0]: unknown operator 'Maybe'",
    ]


def test_secret_data_never_reaches_the_state() -> None:
    state, _ = load_paths([str(FIXTURES / "basic")])
    dumped = repr([state.objects(k) for k in state.kinds()])
    assert "c2VjcmV0LWtleS1tYXRlcmlhbA" not in dumped
    assert "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t" not in dumped


def test_missing_path_is_a_clear_error() -> None:
    with pytest.raises(SnapshotError, match="no-such-dir: no such file or directory"):
        SnapshotSource(["no-such-dir"]).open()


def test_default_namespace_applies_to_objects_without_one(tmp_path: Path) -> None:
    (tmp_path / "svc.yaml").write_text(
        "kind: Service\napiVersion: v1\nmetadata: {name: s}\nspec: {ports: [{port: 80}]}\n"
    )
    state = SnapshotSource([str(tmp_path)], default_namespace="team-a").open()
    assert state.service("team-a", "s") is not None


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("a: 1\n", 1),
        ("---\na: 1\n---\nb: 2\n...\n---\n# only a comment\n---\nc: 3\n", 3),
        ("--- {a: 1}\n--- {b: 2}\n", 2),
        ("", 0),
        ("- {kind: Pod}\n- {kind: Pod}\n", 1),
    ],
)
def test_yaml_streams(text: str, count: int) -> None:
    docs = parse_yaml(text)
    assert len(docs) == count
    assert all(d.error is None for d in docs)


def test_document_line_numbers_are_file_line_numbers() -> None:
    text = "a: 1\n---\nb: 2\n---\n\nc: [\n"
    docs = parse_yaml(text)
    assert [(d.line, d.error is None) for d in docs] == [(1, True), (3, True), (6, False)]


def test_json_lines_and_arrays() -> None:
    assert len(list(parse_text('{"kind": "A"}\n{"kind": "B"}\n'))) == 2
    assert len(list(parse_text('[{"kind": "A"}, {"kind": "B"}]'))) == 2
    bad = list(parse_text('{"kind": '))
    assert bad[0].error is not None
    assert bad[0].error.startswith("invalid JSON")


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    data = b"kind: Namespace\napiVersion: v1\nmetadata: {name: from-stdin}\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    state, report = load_paths(["-"])
    assert state.namespace("from-stdin") is not None
    assert report.files == 1


def test_binary_garbage_is_reported_not_raised(tmp_path: Path) -> None:
    (tmp_path / "junk.yaml").write_bytes(b"\xff\xfe\x00garbage")
    _, report = load_paths([str(tmp_path)])
    assert len(report.problems) == 1
    assert "not UTF-8" in report.problems[0].message


def test_big_streams_are_parsed_in_pieces_with_exact_line_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    from kubetraffic.adapters import manifests

    docs_text = [f"kind: Namespace\napiVersion: v1\nmetadata: {{name: ns-{i}}}\n" for i in range(40)]
    docs_text[25] = "kind: Namespace\nmetadata: {name: [broken\n"
    text = "---\n".join(docs_text)
    whole = [(d.line, d.error is None) for d in manifests.parse_yaml(text)]
    monkeypatch.setattr(manifests, "CHUNK_CHARS", 60)
    pieces = [(d.line, d.error is None) for d in manifests.parse_yaml(text)]
    assert pieces == whole
    assert len(pieces) == 40
    assert pieces[25] == (25 * 4 + 2, False)  # the error is reported on the broken line
    assert pieces[26] == (104, True)  # the broken document was two lines shorter


def test_progress_names_the_file_being_read_and_counts_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    import kubetraffic.adapters.snapshot as snapshot

    source = SnapshotSource([str(FIXTURES / "basic")])
    assert source.progress() == f"reading {FIXTURES / 'basic'}"
    seen: list[str] = []
    load_object = snapshot._load_object

    def watched(*args: object, **kwargs: object) -> None:
        seen.append(source.progress())  # what another thread would show right now
        load_object(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(snapshot, "_load_object", watched)
    state = source.open()
    assert seen[0].startswith(f"0 objects from 1 file, reading {FIXTURES / 'basic'}/")
    last = seen[-1]
    assert " objects from 4 files, reading " in last
    assert int(last.split()[0]) == source.report.objects - 1  # counted as it goes
    assert (source.report.objects, len(seen)) == (12, 14)  # + a ConfigMap and a policy that fails conversion
    assert state.pods()
    assert source.progress() == f"reading {FIXTURES / 'basic'}"  # done: no file is being read
