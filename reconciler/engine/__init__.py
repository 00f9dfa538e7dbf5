"""The I/O half of the pipeline: the only code that talks to settings APIs for plan and apply.

- ``session``       one command's run: one event loop, the origins' AsyncClients, each
                    account's client and pacers, one capability cache per API, key checks
- ``fanout``        many accounts at once, bounded, each failure kept as an AccountFailure
- ``preflight``     the key check and its messages that name the fix; what may stop a write
- ``capabilities``  what an API offers beyond the published reads, learned once a run
- ``planner``       per account: the senders, the diff, the notices (``plan``)
- ``apply``         executing a plan: thresholds, checks, writes, verify (the only writes)
- ``calls``         where a call to a sender goes, from the published reads (route-call)
- ``audit``         apply's local audit log (one JSON line per change)
- ``importer``      manifests rendered from what is live (``callfwd import``)
- ``inventory``     the accounts the manifests name (``callfwd accounts``)
"""
