"""``callfwd schema``: print the manifest's JSON Schema."""

from __future__ import annotations

import click


@click.command(name="schema")
def command() -> int:
    """Print the JSON Schema of manifest format v1.

    schemas/manifest.v1.schema.json is this output; point your editor at it
    (see the README) to get completion and hover help in manifests.
    """
    import json

    from reconciler.manifest.model import json_schema
    from reconciler.output import write

    write(json.dumps(json_schema(), indent=2) + "\n")
    return 0
