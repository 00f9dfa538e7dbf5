"""The I/O half of the pipeline: the only code that talks to settings APIs for plan and apply.

- ``planner``    per account: the key check, the senders, the diff, the notices
- ``sharding``   ``--jobs N``: accounts over forked worker processes, one merged plan
- ``apply``      executing a plan: preflight, thresholds, writes, verify (the only writes)
- ``audit``      apply's local audit log (one JSON line per change)
- ``importer``   manifests rendered from what is live (``callfwd import``)
- ``inventory``  the accounts the manifests name (``callfwd accounts``)
"""
