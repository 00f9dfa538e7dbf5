"""Discovery: PATH arguments to a sorted, de-duplicated list, honouring callfwd.yaml's exclude."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.config import Config, load_config
from reconciler.manifest.discovery import discover


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for rel in (
        "manifests/b/two.yaml",
        "manifests/a/one.yml",
        "manifests/a/notes.txt",
        "manifests/.hidden/skip.yaml",
        "manifests/a/.swap.yaml",
        "manifests/sandbox-seed.yaml",
        "other/three.yaml",
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("version: 1\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _names(paths: list[str], config: Config | None = None) -> list[str]:
    files, diags = discover(paths, config or Config())
    assert not diags
    return [f.display for f in files]


def test_a_directory_means_every_yaml_below_it_sorted(tree: Path) -> None:
    assert _names(["manifests/"]) == [
        "manifests/a/one.yml",
        "manifests/b/two.yaml",
        "manifests/sandbox-seed.yaml",
    ]


def test_files_are_kept_as_given_and_deduplicated(tree: Path) -> None:
    assert _names(["other/three.yaml", "./manifests/b", "manifests/b/two.yaml"]) == [
        "manifests/b/two.yaml",
        "other/three.yaml",
    ]


def test_config_exclude_applies_to_directory_walks(tree: Path) -> None:
    (tree / "callfwd.yaml").write_text(
        "manifests: [manifests/]\nexclude: [manifests/sandbox-seed.yaml]\n"
    )
    config = load_config()
    assert _names([], config) == ["manifests/a/one.yml", "manifests/b/two.yaml"]
    # relative to the folder of callfwd.yaml, whatever the working directory
    (tree / "manifests" / "b").joinpath("x").mkdir()
    config = load_config(tree / "callfwd.yaml")
    files, _ = discover([str(tree / "manifests")], config)
    assert [Path(f.display).name for f in files] == ["one.yml", "two.yaml"]


def test_missing_path_and_empty_directory_are_diagnostics(tree: Path) -> None:
    (tree / "empty").mkdir()
    files, diags = discover(["nope.yaml", "empty"], Config())
    assert files == []
    assert [(d.code, d.position.path) for d in diags] == [
        ("CF001", "nope.yaml"),
        ("CF002", "empty"),
    ]


@pytest.mark.parametrize(
    ("pattern", "path", "excluded"),
    [
        ("manifests/sandbox-seed.yaml", "manifests/sandbox-seed.yaml", True),
        ("manifests/sandbox-seed.yaml", "other/sandbox-seed.yaml", False),
        ("sandbox-seed.yaml", "other/sandbox-seed.yaml", True),  # the file name
        ("*.seed.yaml", "deep/x.seed.yaml", True),
        ("sandbox-*", "deep/sandbox-1.yml", True),
        ("manifests/*/x.yaml", "manifests/a/x.yaml", True),
        ("manifests/*/x.yaml", "manifests/a/y.yaml", False),
        ("*", "a.yaml", True),
        ("b.yaml", "a.yaml", False),
    ],
)
def test_exclude_matches_the_path_and_the_file_name(
    pattern: str, path: str, excluded: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = Config(exclude=[pattern])
    assert config.is_excluded(path) is excluded
    assert config.excluder()(path) is excluded


def test_exclude_patterns_are_relative_to_callfwd_yaml(tmp_path: Path) -> None:
    """Run from anywhere: a pattern written in infra/callfwd.yaml is about infra/'s files."""
    config = Config(exclude=["manifests/seed.yaml"], source=str(tmp_path / "infra" / "c.yaml"))
    assert config.is_excluded(tmp_path / "infra" / "manifests" / "seed.yaml")
    assert not config.is_excluded(tmp_path / "manifests" / "seed.yaml")
