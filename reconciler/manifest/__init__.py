"""Manifests: discovery, YAML loading with positions, the pydantic model, shape checks.

- ``discovery``  PATH arguments -> the sorted list of files to read
- ``loader``     bytes -> nodes with line and column (refusing YAML's traps)
- ``model``      the pydantic models, the single source of the JSON Schema
- ``parse``      nodes -> model, every pydantic error at its line and column

Submodules are imported explicitly so that cheap ones stay cheap.
"""
