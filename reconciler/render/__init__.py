"""Renderers: pure functions from values to strings, one module per kind of output.

- ``diagnostics``  validation diagnostics as text, json or GitHub annotations
"""

from __future__ import annotations

from reconciler.render.diagnostics import FORMATS, Summary, render

__all__ = ["FORMATS", "Summary", "render"]
