"""How long the property, fuzz and stateful tests may run: one switch, read in one place.

``CALLFWD_LONG=1 make test`` runs the long budgets (docs/reliability.md lists them);
the tests that scale with it carry the ``slow`` marker, so ``pytest -m "not slow"``
leaves them out of a quick local loop.
"""

from __future__ import annotations

import os

import pytest

LONG = os.environ.get("CALLFWD_LONG", "") not in ("", "0")


def budget(short: int, long: int) -> int:
    return long if LONG else short


slow = pytest.mark.slow  # conftest gives slow tests an hour each when LONG
