"""docs/benchmarks.md: hand-written prose around the tables and figures ``make bench`` writes.

The document marks everything that comes from a run:

    <!-- begin: NAME -->          a block: every line up to the matching
    ...                            end line is generated
    <!-- end: NAME -->

    ... took <!-- f:NAME -->2.58 s<!-- /f --> ...     a figure inside a sentence

``fill`` rewrites each block and figure from the function registered under its
name (``benchmarks.figures``) and leaves every other character as written. A
name with no function is an error, so no figure can be left behind unfilled;
``bare_figures`` finds measurements written into the prose by hand, which the
tests refuse.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

BLOCK = re.compile(
    r"^<!-- begin: (?P<name>[\w.-]+) -->\n(?P<body>.*?)^<!-- end: (?P=name) -->$",
    re.MULTILINE | re.DOTALL,
)
FIGURE = re.compile(r"<!-- f:(?P<name>[\w.-]+) -->(?P<body>.*?)<!-- /f -->")
CODE = re.compile(r"`[^`\n]*`")
# A quantity someone measured: a number with a unit of time, memory or share, or a ratio.
# Targets (after ≤ or ≥) are requirements, not measurements.
MEASURED = re.compile(
    r"(?<![≤≥] )(?<![\w.,/-])\d[\d,]*(?:\.\d+)?\s?(?:s|ms|µs|MiB|MB|GiB|GB|%)(?![\w/])|×\d"
)

Make = Callable[[], str]


class UnknownName(KeyError):
    """The document names a block or figure that no function makes."""


def fill(text: str, blocks: Mapping[str, Make], figures: Mapping[str, Make]) -> str:
    """``text`` with every block and figure made anew; everything else unchanged."""

    def block(m: re.Match[str]) -> str:
        name = m["name"]
        if name not in blocks:
            raise UnknownName(f"block {name!r}")
        body = blocks[name]().rstrip("\n")
        return f"<!-- begin: {name} -->\n{body}\n<!-- end: {name} -->"

    def figure(m: re.Match[str]) -> str:
        name = m["name"]
        if name not in figures:
            raise UnknownName(f"figure {name!r}")
        return f"<!-- f:{name} -->{figures[name]()}<!-- /f -->"

    return FIGURE.sub(figure, BLOCK.sub(block, text))


def names(text: str) -> tuple[list[str], list[str]]:
    """The blocks and the figures ``text`` names, in order."""
    return [m["name"] for m in BLOCK.finditer(text)], [m["name"] for m in FIGURE.finditer(text)]


def prose(text: str) -> str:
    """``text`` without its generated parts and code spans: what a person wrote."""
    return CODE.sub("", FIGURE.sub("", BLOCK.sub("", text)))


def bare_figures(text: str) -> list[str]:
    """Measurements written into the prose by hand (each line with one), for the tests."""
    return [line for line in prose(text).splitlines() if MEASURED.search(line)]
