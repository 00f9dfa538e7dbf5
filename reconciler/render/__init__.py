"""Renderers: pure functions from values to strings, one module per kind of output.

- ``diagnostics``  validation diagnostics as text, json or GitHub annotations
- ``sarif``        validation diagnostics as SARIF 2.1.0 for code scanning
- ``plan``         a plan as text, markdown (PR comments), json or a checklist
- ``accounts``     the rows of ``callfwd accounts``
"""
