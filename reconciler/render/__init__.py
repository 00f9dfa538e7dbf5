"""Renderers: pure functions from values to strings, one module per kind of output.

- ``escape``       one escaping function per medium (terminal, markdown, annotations,
                   SARIF); every value a renderer did not write goes through one
- ``diagnostics``  validation diagnostics as text, json or GitHub annotations
- ``sarif``        validation diagnostics as SARIF 2.1.0 for code scanning
- ``plan``         a plan as text, json or a checklist (and markdown, from ``comment``)
- ``comment``      a plan as markdown for a PR comment, within a size budget
- ``apply``        what apply did
- ``accounts``     the rows of ``callfwd accounts``
"""
