"""The notice logger: lines for the person at the terminal, shown at default verbosity.

Library code (the API client's retries) logs here at WARNING; the CLI prints
these records as bare lines on stderr, without a level or logger name.
"""

from __future__ import annotations

import logging

NOTICE = "callfwd.notice"


def notice_logger() -> logging.Logger:
    return logging.getLogger(NOTICE)
