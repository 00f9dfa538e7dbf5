"""What README and docs/ci.md tell another repository: install sources that exist, schema URLs."""

from __future__ import annotations

import json
import re

import pytest
from gitops_helpers import ROOT, load_workflow

DOCS = {name: (ROOT / name).read_text(encoding="utf-8") for name in ("README.md", "docs/ci.md")}
SCHEMA = json.loads((ROOT / "schemas" / "manifest.v1.schema.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(DOCS))
def test_no_install_from_a_package_index(name: str) -> None:
    # callfwd is not published: `pip install callfwd` / `callfwd==X` would install nothing or
    # someone else's package. A direct reference (`"callfwd[serve] @ git+..."`) is fine.
    text = DOCS[name]
    assert not re.search(r"callfwd\s*==", text)
    bare = r"pip install (--\S+ )*['\"]?callfwd\b(?!(\[\w+\])?\s*@\s*git\+)(?![-@\w/])"
    assert not re.search(bare, text)
    assert re.search(bare, 'pip install "callfwd[serve]"')  # the check itself works
    assert not re.search(bare, 'pip install "callfwd[serve] @ git+https://x/callfwd@v1.0.0"')


@pytest.mark.parametrize("name", sorted(DOCS))
def test_git_installs_are_pinned(name: str) -> None:
    for url in re.findall(r"git\+https://[^\s`\"]+(?: sha>)?", DOCS[name]):
        assert re.search(r"@(<commit sha>|<tag or commit sha>|v\d+\.\d+\.\d+|[0-9a-f]{40})", url), (
            url
        )


def test_the_wheel_artifact_the_docs_name_is_built_by_ci() -> None:
    steps = load_workflow("ci.yml")["jobs"]["test"]["steps"]
    names = [s.get("with", {}).get("name") for s in steps]
    assert "callfwd-wheel" in names
    assert all("callfwd-wheel" in text for text in DOCS.values())


def test_ci_md_opens_with_an_example_for_another_repository() -> None:
    example = re.search(r"```yaml\n(.*?)```", DOCS["docs/ci.md"], flags=re.S)
    assert example is not None
    assert example.start() < DOCS["docs/ci.md"].index("\n## ")
    lines = example[1].strip().splitlines()
    assert len(lines) <= 15
    assert any(re.search(r"uses: callfwd/callfwd@<commit sha>", line) for line in lines)


def test_schema_has_a_stable_id_and_hover_text_for_every_field() -> None:
    assert SCHEMA["$id"].endswith("/schemas/manifest.v1.schema.json")
    assert SCHEMA["title"] and SCHEMA["description"]

    def fields(node: object) -> list[tuple[str, dict[str, object]]]:
        found = []
        if isinstance(node, dict):
            for key, value in node.get("properties", {}).items():
                found.append((key, value))
            for value in node.values():
                found += fields(value)
        return found

    every = fields(SCHEMA)
    assert len(every) >= 9
    for key, spec in every:
        assert spec.get("title") and spec.get("description"), key


@pytest.mark.parametrize("name", sorted(DOCS))
def test_editor_settings_point_at_the_schema_pinned_in_this_repository(name: str) -> None:
    raw = SCHEMA["$id"].replace("/main/", "/<tag or commit sha>/")
    assert f"$schema={raw}" in DOCS[name]  # the modeline
    assert f'"{raw}"' in DOCS[name]  # the VS Code setting
