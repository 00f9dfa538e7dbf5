"""The pydantic model is the one source of the JSON Schema, and editors can use it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import get_args

import jsonschema
import pytest
import yaml
from workspace import run_process

from reconciler.domain import roles
from reconciler.manifest.model import Role, json_schema

REPO = Path(__file__).parent.parent.parent
SCHEMA_FILE = REPO / "schemas" / "manifest.v1.schema.json"
EXAMPLES = sorted(p for p in (REPO / "manifests").rglob("*.y*ml") if p.name != "sandbox-seed.yaml")


def test_schema_file_is_the_output_of_callfwd_schema() -> None:
    proc = run_process("schema", cwd=REPO)
    assert proc.code == 0, proc.stderr
    assert proc.stdout == SCHEMA_FILE.read_text(encoding="utf-8"), (
        "schemas/manifest.v1.schema.json is stale: run `callfwd schema > "
        "schemas/manifest.v1.schema.json`"
    )


def test_schema_is_valid_draft7_with_hover_text() -> None:
    schema = json_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["title"] and schema["description"]
    for name, prop in schema["properties"].items():
        assert prop.get("description"), name
    for definition in schema["$defs"].values():
        for name, prop in definition["properties"].items():
            assert prop.get("description"), name


def test_role_literal_is_the_one_list_of_roles() -> None:
    assert get_args(Role) == roles.ROLES


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_examples_validate_against_the_schema_and_carry_the_modeline(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    first = text.splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    target = (path.parent / first.split("$schema=")[1]).resolve()
    assert target == SCHEMA_FILE.resolve()
    jsonschema.Draft7Validator(json.loads(SCHEMA_FILE.read_text())).validate(yaml.safe_load(text))


def test_there_are_example_manifests() -> None:
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize(
    "manifest",
    [
        {
            "version": 1,
            "account": "a",
            "team": "t",
            "owners": [],
            "forwarding": [{"sender": 18335550100, "forward_to": None}],
        },
        {"version": 1, "account": "a", "team": "t", "owners": [], "forwarding": [], "extra": 1},
        {
            "version": 1,
            "account": "a",
            "team": "t",
            "owners": [{"email": "x@y.z", "role": "boss"}],
            "forwarding": [],
        },
        {"version": 2, "account": "a", "team": "t", "owners": [], "forwarding": []},
        {"version": 1, "account": "Not A Slug", "team": "t", "owners": [], "forwarding": []},
        {"version": 1, "account": "a", "team": "t", "owners": [], "forwarding": [{"sender": "x"}]},
    ],
)
def test_an_editor_flags_what_the_validator_flags(manifest: dict[str, object]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(json_schema()).validate(manifest)
