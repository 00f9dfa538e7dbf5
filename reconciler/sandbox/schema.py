"""The SQLite schema of the sandbox's store, and its version.

A database whose ``PRAGMA user_version`` is below ``SCHEMA_VERSION`` is emptied
and recreated on open (``store.Store``): it only ever holds a seed.
"""

from __future__ import annotations

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY, name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    key_hash TEXT PRIMARY KEY, key_id TEXT NOT NULL, account_id TEXT NOT NULL,
    email TEXT NOT NULL, role TEXT NOT NULL, scopes TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS senders (
    pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, account_id TEXT NOT NULL,
    identifier TEXT, type TEXT NOT NULL, country TEXT NOT NULL, status TEXT NOT NULL,
    forwarding_number TEXT, version INTEGER NOT NULL, etag TEXT NOT NULL, created_at TEXT NOT NULL,
    registration_id TEXT
);
CREATE INDEX IF NOT EXISTS senders_by_account ON senders (account_id, pk);
CREATE INDEX IF NOT EXISTS senders_by_identifier ON senders (account_id, identifier);
CREATE INDEX IF NOT EXISTS senders_by_registration ON senders (registration_id);
CREATE TABLE IF NOT EXISTS configurations (
    account_id TEXT PRIMARY KEY, org_prefix TEXT NOT NULL, opt_out_language TEXT NOT NULL,
    status TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_events (
    seq INTEGER PRIMARY KEY, time TEXT NOT NULL, account_id TEXT NOT NULL, key_id TEXT NOT NULL,
    sender_id TEXT, sender_identifier TEXT, sender_country TEXT,
    before TEXT, after TEXT, requested TEXT, status INTEGER NOT NULL, outcome TEXT NOT NULL,
    by TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_account ON audit_events (account_id, seq);
"""

TABLES = ("accounts", "users", "senders", "configurations", "audit_events")
# 2: nullable senders.identifier, senders.registration_id, configurations.
# 3: audit_events.by (a write through the API or through the UI route).
SCHEMA_VERSION = 3
