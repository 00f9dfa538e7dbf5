"""callfwd: call forwarding for US toll-free SMS senders, as code.

The repository's address is written once, in pyproject.toml's ``[project.urls]``,
and read back from the installed package's metadata: :func:`repository_url`.
``REPOSITORY_URL`` is the same value, computed on first use (``None`` when
callfwd runs from a source tree that was never installed: then no link is
printed rather than a made-up one).
"""

from __future__ import annotations

import functools

__version__ = "0.1.0"
DISTRIBUTION = "callfwd"
REPOSITORY_URL: str | None  # see __getattr__


@functools.cache
def repository_url() -> str | None:
    """The ``Source`` address of ``[project.urls]``, from the installed metadata.

    Only the metadata's header is read (not parsed as a whole message, README
    and all): about half a millisecond, as the manifest schema's ``$id`` needs
    it whenever manifests are validated.
    """
    import re
    from importlib import metadata

    try:
        dist = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
    header = text.split("\n\n", 1)[0]
    found = re.search(r"^Project-URL: *Source *, *(https://\S+?)/?$", header, re.M | re.I)
    return found[1] if found else None


def raw_file_url(path: str, ref: str = "main") -> str | None:
    """Where a file of the repository is served raw at ``ref`` (GitHub's raw host)."""
    repo = repository_url()
    prefix = "https://github.com/"
    if repo is None or not repo.startswith(prefix):
        return None
    return f"https://raw.githubusercontent.com/{repo[len(prefix) :]}/{ref}/{path}"


def __getattr__(name: str) -> str | None:
    # REPOSITORY_URL stays importable without reading metadata when reconciler is imported.
    if name == "REPOSITORY_URL":
        return repository_url()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
