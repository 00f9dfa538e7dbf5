"""The OpenAPI document of the local settings API, as committed in schemas/.

Regenerate with ``python -m reconciler.sandbox.openapi > schemas/settings-api.openapi.json``;
a test fails when the committed file and the app disagree.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from reconciler.sandbox.app import create_app
from reconciler.sandbox.ratelimit import DEFAULT_POLICY
from reconciler.sandbox.store import Store


def document() -> dict[str, Any]:
    store = Store(":memory:")
    try:
        return create_app(store, rate_limit=DEFAULT_POLICY, admin=False).openapi()
    finally:
        store.close()


def render() -> str:
    return json.dumps(document(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
