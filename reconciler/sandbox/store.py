"""The sandbox's state in SQLite: accounts, users (key hashes), senders, configurations, audit.

One connection, WAL journal, ``synchronous=NORMAL``: a committed write is in
the WAL file before the HTTP answer leaves, so it survives the process being
killed (kill -9); only a power cut could lose the last commits. Every write is
one transaction, and a forwarding change commits together with its audit event.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from reconciler.sandbox.schema import SCHEMA, SCHEMA_VERSION, TABLES
from reconciler.sandbox.seed import Seed, UserRow

_SENDER_COLUMNS = (
    "pk, id, account_id, identifier, type, country, status, forwarding_number, etag, created_at, "
    "registration_id"
)


class Sender(NamedTuple):
    pk: int
    id: str
    account_id: str
    identifier: str | None  # None while pending registration
    type: str
    country: str
    status: str
    forwarding_number: str | None
    etag: str
    created_at: str
    registration_id: str | None

    def view(self) -> dict[str, Any]:
        """The sender as the admin routes show it (``GET /_sandbox/state``)."""
        return {
            "id": self.id,
            "number": self.identifier,
            "type": self.type,
            "country": self.country,
            "status": self.status,
            "forward_to": self.forwarding_number,
            "etag": self.etag,
        }


class Configuration(NamedTuple):
    account_id: str
    org_prefix: str
    opt_out_language: str
    status: str
    created_at: str
    updated_at: str


class AuditEvent(NamedTuple):  # the one statement of an audit row's shape
    seq: int
    time: str
    account_id: str
    key_id: str
    sender_id: str | None
    sender_identifier: str | None
    sender_country: str | None
    before: str | None
    after: str | None
    requested: str | None
    status: int
    outcome: str
    by: str  # "api" (a PATCH with a key) or "ui" (the sandbox's stand-in for the vendor's UI)

    def as_dict(self) -> dict[str, Any]:
        return self._asdict()


_AUDIT_COLUMNS = ", ".join(AuditEvent._fields)


@dataclass(frozen=True, slots=True)
class User:
    key_hash: str
    key_id: str
    account_id: str
    account_name: str
    email: str
    role: str
    scopes: frozenset[str]


def make_etag(sender_id: str, version: int, forwarding: str | None) -> str:
    digest = hashlib.sha256(f"{sender_id}|{version}|{forwarding}".encode()).hexdigest()
    return f'"{digest[:20]}"'


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Store:
    """All state access; callers never write SQL."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._lock = threading.RLock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._migrate()
        self._db.executescript(SCHEMA)
        self._users: dict[str, User] = {}
        self._load_users()

    def close(self) -> None:
        with self._lock:
            try:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                self._db.close()

    def _migrate(self) -> None:
        """A database from before SCHEMA_VERSION is emptied: it holds only a sandbox's seed."""
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        if version < SCHEMA_VERSION:
            for table in TABLES:
                self._db.execute(f"DROP TABLE IF EXISTS {table}")
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    # -- seeding ---------------------------------------------------------
    def replace_all(self, seed: Seed) -> dict[str, int]:
        """Make the database hold exactly ``seed`` (audit log emptied), in one transaction."""
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                for table in TABLES:
                    db.execute(f"DELETE FROM {table}")
                db.executemany("INSERT INTO accounts (id, name) VALUES (?, ?)", seed.accounts)
                db.executemany(
                    "INSERT INTO users VALUES (?, ?, ?, ?, ?, ?)",
                    [_user_values(u) for u in seed.users],
                )
                db.executemany(
                    "INSERT INTO senders (id, account_id, identifier, type, country, status, "
                    "forwarding_number, version, etag, created_at, registration_id) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    [
                        (
                            s.id,
                            s.account_id,
                            s.identifier,
                            s.type,
                            s.country,
                            s.status,
                            s.forwarding_number,
                            1,
                            make_etag(s.id, 1, s.forwarding_number),
                            s.created_at,
                            s.registration_id,
                        )
                        for s in seed.senders
                    ],
                )
                stamp = now_iso()
                db.executemany(
                    "INSERT INTO configurations VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        (c.account_id, c.org_prefix, c.opt_out_language, c.status, stamp, stamp)
                        for c in seed.configurations
                    ],
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            self._load_users()
        return {
            "accounts": len(seed.accounts),
            "users": len(seed.users),
            "senders": len(seed.senders),
        }

    def _load_users(self) -> None:
        names = dict(self._db.execute("SELECT id, name FROM accounts").fetchall())
        users = {}
        for key_hash, kid, account, email, role, scopes in self._db.execute(
            "SELECT key_hash, key_id, account_id, email, role, scopes FROM users"
        ):
            users[key_hash] = User(
                key_hash,
                kid,
                account,
                names.get(account, account),
                email,
                role,
                frozenset(scopes.split()),
            )
        self._users = users

    # -- reads -----------------------------------------------------------
    def user_by_key_hash(self, key_hash: str) -> User | None:
        return self._users.get(key_hash)

    def list_senders(
        self, account_id: str, after_pk: int, limit: int, sort: str | None = None
    ) -> list[Sender]:
        """A page of senders after the one with ``after_pk`` (0: from the start).

        ``sort``: None (creation order of the rows), ``created_at`` or ``-created_at``
        (ties broken by row order).
        """
        if sort is None:
            sql = "WHERE account_id = ? AND pk > ? ORDER BY pk LIMIT ?"
            args: tuple[Any, ...] = (account_id, after_pk, limit)
        else:
            op, way = ("<", "DESC") if sort.startswith("-") else (">", "ASC")
            after = (
                f"AND (created_at, pk) {op} (SELECT created_at, pk FROM senders WHERE pk = ?)"
                if after_pk
                else "AND ? = 0"
            )
            sql = f"WHERE account_id = ? {after} ORDER BY created_at {way}, pk {way} LIMIT ?"
            args = (account_id, after_pk, limit)
        with self._lock:
            rows = self._db.execute(f"SELECT {_SENDER_COLUMNS} FROM senders {sql}", args).fetchall()
        return [Sender(*r) for r in rows]

    def get_sender(self, account_id: str, sender_id: str) -> Sender | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {_SENDER_COLUMNS} FROM senders WHERE id = ? AND account_id = ?",
                (sender_id, account_id),
            ).fetchone()
        return Sender(*row) if row else None

    def sender_by_registration(self, account_id: str, registration: str) -> Sender | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {_SENDER_COLUMNS} FROM senders "
                "WHERE registration_id = ? AND account_id = ?",
                (registration, account_id),
            ).fetchone()
        return Sender(*row) if row else None

    def sender_by_id(self, sender_id: str) -> Sender | None:
        """A sender by its id alone (ids are unique across accounts): for the admin routes."""
        with self._lock:
            row = self._db.execute(
                f"SELECT {_SENDER_COLUMNS} FROM senders WHERE id = ?", (sender_id,)
            ).fetchone()
        return Sender(*row) if row else None

    def configuration(self, account_id: str) -> Configuration | None:
        with self._lock:
            row = self._db.execute(
                "SELECT account_id, org_prefix, opt_out_language, status, created_at, updated_at "
                "FROM configurations WHERE account_id = ?",
                (account_id,),
            ).fetchone()
        return Configuration(*row) if row else None

    def senders_by_identifier(self, account_id: str, identifier: str) -> list[Sender]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_SENDER_COLUMNS} FROM senders "
                "WHERE account_id = ? AND identifier = ? ORDER BY pk",
                (account_id, identifier),
            ).fetchall()
        return [Sender(*r) for r in rows]

    def audit_events(
        self, account_id: str | None, after_seq: int = 0, limit: int = -1
    ) -> list[AuditEvent]:
        where = "WHERE seq > ?"
        args: list[int | str] = [after_seq]
        if account_id is not None:
            where += " AND account_id = ?"
            args.append(account_id)
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_AUDIT_COLUMNS} FROM audit_events {where} ORDER BY seq LIMIT ?",
                (*args, limit),
            ).fetchall()
        return [AuditEvent(*r) for r in rows]

    def dump(self) -> dict[str, Any]:
        """Everything but the keys: for tests that check invariants over the whole state."""
        with self._lock:
            accounts = self._db.execute("SELECT id, name FROM accounts ORDER BY rowid").fetchall()
            senders = self._db.execute(
                f"SELECT {_SENDER_COLUMNS} FROM senders ORDER BY pk"
            ).fetchall()
        by_account: dict[str, list[dict[str, Any]]] = {a: [] for a, _ in accounts}
        for row in senders:
            s = Sender(*row)
            by_account.setdefault(s.account_id, []).append(s.view())
        users: dict[str, list[dict[str, Any]]] = {}
        for u in self._users.values():
            users.setdefault(u.account_id, []).append(
                {"email": u.email, "role": u.role, "scopes": sorted(u.scopes), "key_id": u.key_id}
            )
        return {
            "accounts": [
                {"id": a, "name": n, "users": users.get(a, []), "senders": by_account[a]}
                for a, n in accounts
            ]
        }

    # -- writes ----------------------------------------------------------
    def set_forwarding(
        self,
        sender: Sender,
        new: str | None,
        *,
        key_id: str,
        requested: str | None,
        by: str = "api",
    ) -> tuple[Sender, AuditEvent]:
        """Set (or clear) a forwarding number; the audit event commits in the same transaction.

        Setting the value the sender already has changes nothing (same etag) but
        is still recorded, with outcome ``unchanged``. ``by``: who wrote, ``api`` or ``ui``.
        """
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute(
                    "SELECT forwarding_number, version, etag FROM senders WHERE pk = ?",
                    (sender.pk,),
                ).fetchone()
                before, version, etag = row
                outcome = "unchanged"
                if new != before:
                    version += 1
                    etag = make_etag(sender.id, version, new)
                    db.execute(
                        "UPDATE senders SET forwarding_number = ?, version = ?, etag = ? "
                        "WHERE pk = ?",
                        (new, version, etag, sender.pk),
                    )
                    outcome = "updated"
                event = self._insert_audit(
                    account_id=sender.account_id,
                    key_id=key_id,
                    sender_id=sender.id,
                    sender_identifier=sender.identifier,
                    sender_country=sender.country,
                    before=before,
                    after=new,
                    requested=requested,
                    status=200,
                    outcome=outcome,
                    by=by,
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return sender._replace(forwarding_number=new, etag=etag), event

    def record_refused(
        self,
        *,
        account_id: str,
        key_id: str,
        sender_id: str,
        sender: Sender | None,
        requested: str | None,
        status: int,
        outcome: str,
    ) -> AuditEvent:
        """Record a write that was refused (4xx): nothing changed, but the call happened."""
        current = sender.forwarding_number if sender else None
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                event = self._insert_audit(
                    account_id=account_id,
                    key_id=key_id,
                    sender_id=sender_id,
                    sender_identifier=sender.identifier if sender else None,
                    sender_country=sender.country if sender else None,
                    before=current,
                    after=current,
                    requested=requested,
                    status=status,
                    outcome=outcome,
                    by="api",
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return event

    def _insert_audit(self, **fields: Any) -> AuditEvent:
        """One audit row; its columns are AuditEvent's fields (the one statement of its shape)."""
        row = {"time": now_iso(), **fields}
        columns = AuditEvent._fields[1:]  # all but seq, which SQLite assigns
        cur = self._db.execute(
            f"INSERT INTO audit_events ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})",
            tuple(row[c] for c in columns),
        )
        return AuditEvent(cur.lastrowid or 0, **row)


def _user_values(u: UserRow) -> tuple[str, str, str, str, str, str]:
    return (u.key_hash, u.key_id, u.account_id, u.email, u.role, " ".join(u.scopes))
