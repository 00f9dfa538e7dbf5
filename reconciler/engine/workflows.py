"""The GitHub workflows callfwd ships: one set of templates, two renderings.

``reconciler/engine/templates/*.yml`` are the source. ``callfwd init`` renders
them for an adopter's repository, with each callfwd step ``uses:`` this
release of the action (``callfwd/callfwd@v0.1.0``); ``make workflows`` renders
them for callfwd's own repository (``uses: ./``, the checked-out action), and a
test checks that ``.github/workflows/`` is exactly that.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from reconciler import __version__, repository_url

WORKFLOWS = ("pull-request.yml", "apply.yml", "drift.yml")
PLACEHOLDER = "@ACTION@"
SELF = "./"


def template(name: str) -> str:
    return (resources.files("reconciler.engine") / "templates" / name).read_text(encoding="utf-8")


def render(name: str, action: str) -> str:
    """Workflow ``name`` with every callfwd step using ``action`` (``owner/repo@ref`` or ``./``)."""
    return template(name).replace(PLACEHOLDER, action)


def release_action(version: str = __version__) -> str | None:
    """``owner/repo@vX.Y.Z``: the action of this callfwd's release, from the package's URL."""
    url = repository_url()
    prefix = "https://github.com/"
    if url is None or not url.startswith(prefix):
        return None
    return f"{url[len(prefix) :]}@v{version}"


def main(argv: Sequence[str]) -> int:
    """``python -m reconciler.engine.workflows DIR``: this repository's copies, in DIR."""
    if len(argv) != 1:
        sys.stderr.write("usage: python -m reconciler.engine.workflows DIR\n")
        return 64
    folder = Path(argv[0])
    for name in WORKFLOWS:
        (folder / name).write_text(render(name, SELF), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
