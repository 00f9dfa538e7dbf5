"""Rules: functions that return diagnostics and never raise.

- ``codes``       the registry of every diagnostic code (docs/rules.md documents each)
- ``forwarding``  sender and forward_to numbers, duplicates and chains across files
- ``owners``      roles, emails, at least one allowed owner, the --actor check

Kept free of imports so that importing ``reconciler.rules.codes`` stays cheap.
"""
