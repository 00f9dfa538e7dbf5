"""The coverage report (``callfwd report``): inert data, built from a plan without I/O.

- ``model``  ``Report``, ``AccountReport``, ``SenderRow``, ``Ratio``: what the renderers show
- ``build``  a Plan + the manifests' declarations -> a Report (coverage, reasons, import commands)

``reconciler.engine.coverage`` collects one (a plan of every configured account);
``reconciler.render.report_*`` show it as text, json, markdown or one HTML page.
"""

from __future__ import annotations

from reconciler.report.build import build_report
from reconciler.report.model import (
    FORMAT_VERSION,
    AccountReport,
    Management,
    Ratio,
    Report,
    SenderRow,
    Standing,
    StatusCount,
    Vendor,
)

__all__ = [
    "FORMAT_VERSION",
    "AccountReport",
    "Management",
    "Ratio",
    "Report",
    "SenderRow",
    "Standing",
    "StatusCount",
    "Vendor",
    "build_report",
]
