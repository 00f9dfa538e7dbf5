"""The vendor's wire protocol, written once: the client, the local API and the tests use it.

Source: the vendor's official SDK (``klaviyo-api`` 25.0.0, which pins revision
2026-10-15) and its API conventions (docs/api.md).
"""

from __future__ import annotations

REVISION = "2026-10-15"  # the stable revision callfwd speaks (the SDK pins the same)
REVISION_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(\.[A-Za-z0-9]+)?$"
MEDIA_TYPE = "application/vnd.api+json"  # JSON:API
AUTH_SCHEME = "Klaviyo-API-Key"  # Authorization: Klaviyo-API-Key <private key>

# Resource types.
SENDER = "text-messaging-sender"
REGISTRATION = "text-messaging-sender-registration"
CONFIGURATION = "text-messaging-configuration"
ACCOUNT = "account"

# Paths (below the API's origin).
SENDERS = "/api/text-messaging-senders"
ACCOUNTS = "/api/accounts"
ME = "/api/me"  # a local-API extension: the vendor publishes no such endpoint
PAGE_SIZE_MAX = 20  # page[size] of the senders list: 1 to 20, default 10

# Bounds on what a client reads. A page of 20 senders is about 10 KB, one sender or
# account under 1 KB: an answer of a few MiB is no answer of this API. JSON:API
# documents nest a few levels; 1,024 is orjson's own limit (its decode error).
MAX_ANSWER_BYTES = 4 * 1024 * 1024
MAX_ANSWER_DEPTH = 1024
# Pages of the senders list one listing may take before it stops with an error (an
# account's max_pages in callfwd.yaml, this by default): a server whose links never end
# cannot keep a client paging. 5,000 pages of 20 senders is 100,000 senders, far above
# any account seen.
MAX_PAGES = 5_000


def authorization(key: str) -> str:
    """The ``Authorization`` header's value for ``key``."""
    return f"{AUTH_SCHEME} {key}"


def revision_problem(revision: str | None) -> str:
    """What the API answers about a missing or malformed ``revision`` header."""
    if revision is None:
        return f"The revision header is required: a date such as {REVISION} (YYYY-MM-DD)."
    return f"The revision header must be a date such as {REVISION} (YYYY-MM-DD)."
