"""Rules: functions that return diagnostics and never raise.

- ``check``       the whole validation run: files -> diagnostics and desired forwardings
- ``forwarding``  sender and forward_to numbers, duplicates and chains across files
- ``owners``      roles, emails, at least one allowed owner, the --actor check

The code registry lives in ``reconciler.diagnostics.codes``.
"""
