"""The usual hand-written alternative: push every declared forwarding, one call at a time.

    python -m benchmarks.naive [--config callfwd.yaml] [MANIFEST_DIR]

For every account in callfwd.yaml it lists the senders once (the API is keyed
by sender id, and a manifest knows only numbers), then for every declared
sender, sequentially: GET it, PATCH its forwarding number — whether or not it
already holds it. No diff, no ETags, no pacing beyond honouring a 429's
Retry-After. It is what a benchmark compares callfwd against, not a tool.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

SENDERS = "/api/text-messaging-senders"


def e164(text: str | None) -> str | None:
    if text is None:
        return None
    digits = re.sub(r"\D", "", str(text))
    return "+" + (digits if len(digits) == 11 else "1" + digits)


def request(api: httpx.Client, method: str, url: str, **kw: Any) -> httpx.Response:
    while True:
        r = api.request(method, url, **kw)
        if r.status_code != 429:
            r.raise_for_status()
            return r
        time.sleep(float(r.headers.get("Retry-After", "1")))


def push_account(url: str, key: str, wanted: dict[str, str | None]) -> int:
    headers = {
        "Authorization": f"Klaviyo-API-Key {key}",
        "revision": "2026-10-15",
        "Accept": "application/vnd.api+json",
    }
    with httpx.Client(base_url=url, headers=headers, timeout=30) as api:
        ids: dict[str, str] = {}
        nxt: str | None = f"{SENDERS}?page[size]=20"
        while nxt:
            doc = request(api, "GET", nxt).json()
            for s in doc["data"]:
                attrs = s["attributes"]
                if attrs["sender_details"]["country"] == "US":
                    ids[attrs["sender_identifier"]] = s["id"]
            nxt = doc["links"]["next"]
        for number, forward_to in wanted.items():
            sid = ids[number]
            request(api, "GET", f"{SENDERS}/{sid}")
            body = {
                "data": {
                    "type": "text-messaging-sender",
                    "id": sid,
                    "attributes": {"forwarding_number": forward_to},
                }
            }
            request(api, "PATCH", f"{SENDERS}/{sid}", json=body)
    return len(wanted)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifests", nargs="?", default="manifests", type=Path)
    parser.add_argument("--config", default="callfwd.yaml", type=Path)
    args = parser.parse_args(argv)
    config = yaml.safe_load(args.config.read_text(encoding="utf-8"))
    wanted: dict[str, dict[str, str | None]] = {}
    for path in sorted(args.manifests.rglob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for f in doc.get("forwarding") or []:
            wanted.setdefault(doc["account"], {})[e164(f["sender"]) or ""] = e164(f["forward_to"])
    default_url = (config.get("defaults") or {}).get("api_url")
    for name, acct in sorted(config["accounts"].items()):
        if name in wanted:
            push_account(
                acct.get("api_url", default_url), os.environ[acct["api_key_env"]], wanted[name]
            )
    sys.stderr.write(f"pushed {sum(len(w) for w in wanted.values())} forwardings\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
