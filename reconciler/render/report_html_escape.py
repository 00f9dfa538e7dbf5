"""HTML escaping for the coverage report's page and charts: the one function they use.

Every value that came from a manifest, ``callfwd.yaml`` or a server (account
names, numbers, ids, file paths, messages) goes through ``html_escape`` before
it is written into HTML or inline SVG, as text or as a double-quoted attribute.
(To be folded into the renderers' shared escaping module, one function per medium.)
"""

from __future__ import annotations

import html
import re

# Characters HTML forbids or that no one types: controls (but tab and newline) and
# the noncharacters; shown as U+FFFD so the page stays well-formed.
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")


def html_escape(value: object) -> str:
    """``value`` as HTML text, safe in element content and in a double-quoted attribute.

    ``& < > " '`` become character references (as markupsafe does); characters
    HTML does not allow become U+FFFD.
    """
    return html.escape(_INVALID.sub("\ufffd", str(value)), quote=True)
