"""The report tests' world: a seed with every status and kind of sender, its manifest, and
the figures a person computes from them by hand."""

from __future__ import annotations

from typing import Any

from workspace import manifest_text

ACME_KEY = "sandbox-report-acme"
GLOBEX_KEY = "sandbox-report-globex"
SCOPES = ["sender-config:read", "sender-config:write", "accounts:read"]


def _tf(number: str | None, status: str = "active", fwd: str | None = None, **kw: Any) -> dict:
    row: dict[str, Any] = {"number": number, "type": "toll_free", "country": "US", "status": status}
    if fwd is not None:
        row["forward_to"] = fwd
    return row | kw


SEED: dict[str, Any] = {
    "accounts": [
        {
            "id": "acme-us",
            "name": "Acme US",
            "users": [
                {
                    "email": "dana@acme.example",
                    "role": "manager",
                    "api_key": ACME_KEY,
                    "scopes": SCOPES,
                },
            ],
            "senders": [
                _tf("+18335550100", fwd="+12125550199"),  # managed, forwards, unchanged
                {"number": "+18335550100", "type": "toll_free", "country": "CA"},  # sibling
                _tf("+18445550111"),  # managed: the manifest asks for forwarding -> create
                _tf("+18775550144", fwd="+12065550100"),  # unmanaged, forwards
                _tf("+18885550155"),  # unmanaged, no forwarding
                _tf("+18555550122", "pending_registration"),  # managed, declared null
                _tf("+18665550133", "registering"),  # unmanaged, verified without forwarding
                _tf("+18005550166", "registration_failed", "+13125550100"),  # managed
                _tf("+18335550177", "suspended"),  # unmanaged
                _tf(None, "pending_registration"),  # no number yet
                {"number": "24680", "type": "short_code", "country": "US"},
                {"number": "+12125550123", "type": "long_code", "country": "US"},
            ],
        },
        {
            "id": "Gx7Lm2",
            "name": "Globex Corp",
            "users": [
                {
                    "email": "hank@globex.example",
                    "role": "owner",
                    "api_key": GLOBEX_KEY,
                    "scopes": SCOPES,
                },
            ],
            "senders": [
                _tf("+18005550161", fwd="+14155550100"),  # unmanaged, forwards
                _tf("+18885550160"),  # unmanaged, no forwarding (prune would not touch it)
                {"number": "+18885550160", "type": "toll_free", "country": "CA"},
                {"number": "+14165550100", "type": "long_code", "country": "CA"},
            ],
        },
    ]
}

CARE = manifest_text(
    "acme-us",
    {
        "+1 833 555 0100": "+1 212 555 0199",
        "+1 844 555 0111": "+1 212 555 0142",
        "+1 855 555 0122": None,
        "+1 800 555 0166": "+1 312 555 0100",
    },
    team="care",
)
CARE_PATH = "manifests/acme-us/care.yaml"
LINES = {"+18335550100": 8, "+18445550111": 10, "+18555550122": 12, "+18005550166": 14}

# By hand. acme-us: active US toll-free senders with a number are +18335550100 (forwards),
# +18445550111 (not yet), +18775550144 (forwards), +18885550155 (not): 2 of 4; the one
# create makes it 3 of 4. globex: +18005550161 (forwards), +18885550160 (not): 1 of 2.
ACME_COVERAGE = {"forwarding": 2, "eligible": 4, "ratio": 0.5}
ACME_AFTER = {"forwarding": 3, "eligible": 4, "ratio": 0.75}
GLOBEX_COVERAGE = {"forwarding": 1, "eligible": 2, "ratio": 0.5}
FLEET_COVERAGE = {"forwarding": 3, "eligible": 6, "ratio": 0.5}
FLEET_AFTER = {"forwarding": 4, "eligible": 6, "ratio": 0.6667}
ACME_BY_STATUS = {
    "active": {"senders": 4, "forwarding": 2},
    "pending_registration": {"senders": 2, "forwarding": 0},  # one with no number yet
    "registering": {"senders": 1, "forwarding": 0},
    "registration_failed": {"senders": 1, "forwarding": 1},
    "suspended": {"senders": 1, "forwarding": 0},
}
ACME_COUNTS = {
    "senders": 12,
    "forwarding": 3,  # 0100, 0144, 0166
    "not_forwarding": 5,  # 0111, 0155, 0122, 0133, 0177
    "cannot_forward": 3,  # the Canadian sibling, the short code, the long code
    "no_number": 1,
    "managed": 4,  # 0100, 0111, 0122, 0166
    "unmanaged": 4,  # 0144, 0155, 0133, 0177
    "verifying_without_forwarding": 1,
    "not_sending": 2,
    "changes": 1,
}
