"""callfwd: call forwarding for US toll-free SMS senders, as code."""

from __future__ import annotations

__version__ = "0.1.0"
# Where callfwd lives: SARIF's informationUri and rule help links point here.
REPOSITORY_URL = "https://github.com/ORG/callfwd"
