"""The benchmark world: a fleet (manifests, callfwd.yaml, keys), a seed with drift, a server.

    fleet = Fleet(accounts=1000, per_account=10)
    with Server(tmp, rate_limit="off") as server:
        fleet.write(tmp / "ws", server.url)
        server.reset(fleet.seed(drift=0.01))
        run = run_cli(["plan"], cwd=tmp / "ws", env=fleet.env())
        calls = server.calls()

Sender ``n`` (numbered across the whole fleet) is ``+1 TF n`` and wants to
forward to ``+1 212 …n``. Drift ``d`` makes every ``round(1/d)``-th sender hold
something else live: every other drifted sender forwards elsewhere (an update
``~``), the rest have no forwarding (a create ``+``). Same arguments, same bytes.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from reconciler.sandbox.process import ServeError, ServeProcess
from reconciler.sandbox.ratelimit import vendor_limits

TOLL_FREE = ("800", "833", "844", "855", "866", "877", "888")
PAGE = 20  # the API's largest page of senders
MAX_FILE = 1000  # senders per manifest file when an account has many
PAGES = "GET /api/text-messaging-senders"  # the list endpoint's bucket
ACCOUNTS = "GET /api/accounts"
ME = "GET /api/me"
WRITE = "PATCH /api/text-messaging-senders/{sender_id}"
GET_ONE = "GET /api/text-messaging-senders/{sender_id}"


def sender(n: int) -> str:
    return f"+1{TOLL_FREE[n % 7]}{2000000 + n:07d}"


def target(n: int) -> str:
    return f"+1212{2000000 + n:07d}"


def elsewhere(n: int) -> str:
    return f"+1415{2000000 + n:07d}"


def styled(n: int, e164: str) -> str:
    """The same number written four common ways, as people do in manifests."""
    d = e164[2:]
    a, e, line = d[:3], d[3:6], d[6:]
    return (f"+1 ({a}) {e}-{line}", f"{a}-{e}-{line}", e164, f"1 {a} {e} {line}")[n % 4]


def drifted(n: int, drift: float) -> bool:
    if drift <= 0:
        return False
    step = max(1, round(1 / drift))
    return n % step == step - 1 if step > 1 else True


@dataclass(frozen=True)
class Fleet:
    accounts: int
    per_account: int

    @property
    def senders(self) -> int:
        return self.accounts * self.per_account

    @property
    def shape(self) -> str:
        return "one account" if self.accounts == 1 else f"{self.per_account} per account"

    def name(self, i: int) -> str:
        return f"bench-{i:05d}"

    def key(self, i: int) -> str:
        return f"sandbox-bench-key-{i:05d}"

    def key_env(self, i: int) -> str:
        return f"BENCH_KEY_{i:05d}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_KEY_")}
        env.update({self.key_env(i): self.key(i) for i in range(self.accounts)})
        return env

    def changes(self, drift: float) -> int:
        return sum(1 for n in range(self.senders) if drifted(n, drift))

    def changed_accounts(self, drift: float) -> int:
        return sum(
            1
            for i in range(self.accounts)
            if any(
                drifted(n, drift) for n in range(i * self.per_account, (i + 1) * self.per_account)
            )
        )

    def min_read_calls(self, drift: float = 0.0, *, published_only: bool = False) -> int:
        """Per account ``GET /api/accounts`` and every list page; ``GET /api/me`` for each
        account with changes where the API offers it. The write probes (one ``OPTIONS``
        per process with changes) are counted on their own."""
        me = 0 if published_only else self.changed_accounts(drift)
        return self.accounts * (1 + math.ceil(self.per_account / PAGE)) + me

    def write(self, ws: Path, api_url: str) -> Path:
        """Manifests under ``ws/manifests`` and ``ws/callfwd.yaml``; returns ``ws``."""
        out = ws / "manifests"
        out.mkdir(parents=True, exist_ok=True)
        for i in range(self.accounts):
            first = i * self.per_account
            for part, start in enumerate(range(0, self.per_account, MAX_FILE)):
                stop = min(self.per_account, start + MAX_FILE)
                text = self._manifest(i, range(first + start, first + stop))
                (out / f"{self.name(i)}-{part:03d}.yaml").write_text(text, encoding="utf-8")
        lines = [
            "manifests: [manifests/]\n",
            f"defaults:\n  api_url: {api_url}\n",
            "retry: {max_attempts: 8, max_total: 300}\n",
            "accounts:\n",
        ]
        lines += [
            f"  {self.name(i)}: {{api_key_env: {self.key_env(i)}}}\n" for i in range(self.accounts)
        ]
        (ws / "callfwd.yaml").write_text("".join(lines), encoding="utf-8")
        return ws

    def _manifest(self, i: int, numbers: range) -> str:
        lines = [
            "version: 1\n",
            f"account: {self.name(i)}\n",
            f"team: team-{i:05d}\n",
            "owners:\n",
            f"  - email: ops@{self.name(i)}.example\n",
            "    role: manager\n",
            "forwarding:\n",
        ]
        for n in numbers:
            lines.append(f'  - sender: "{styled(n, sender(n))}"\n')
            lines.append(f'    forward_to: "{styled(n + 1, target(n))}"\n')
        return "".join(lines)

    def seed(self, drift: float) -> dict[str, Any]:
        """The live state: every declared sender, ``drift`` of them not as declared."""
        accounts = []
        for i in range(self.accounts):
            rows = []
            for n in range(i * self.per_account, (i + 1) * self.per_account):
                row: dict[str, Any] = {"number": sender(n), "type": "toll_free", "country": "US"}
                if not drifted(n, drift):
                    row["forward_to"] = target(n)
                elif n % 2 == 0:
                    row["forward_to"] = elsewhere(n)
                rows.append(row)
            user = {
                "email": f"ops@{self.name(i)}.example",
                "role": "owner",
                "api_key": self.key(i),
                "scopes": ["sender-config:read", "sender-config:write", "accounts:read"],
            }
            accounts.append(
                {"id": self.name(i), "name": self.name(i), "users": [user], "senders": rows}
            )
        return {"accounts": accounts}


class Server:
    """``callfwd serve --admin`` on a temp database, stopped on exit."""

    def __init__(
        self,
        tmp: Path,
        *,
        rate_limit: str = "off",
        name: str = "server",
        published_only: bool = False,
        latency: str = "0",
    ) -> None:
        self.limits = rate_limit  # a reset puts the server back to this
        self.published_only = published_only
        self.latency = latency
        extra = ["--published-only"] if published_only else []
        extra += ["--latency", latency] if latency != "0" else []
        self.args = " ".join(["--rate-limit", rate_limit, *extra])
        self.log = (tmp / f"{name}.log").open("ab")
        try:
            self.server = ServeProcess.start(
                "--admin", "--quiet", "--db", str(tmp / f"{name}.db"),
                "--rate-limit", rate_limit, *extra, stderr=self.log,
            )  # fmt: skip
        except ServeError as exc:
            self.log.close()
            raise SystemExit(f"callfwd serve did not start: {exc}") from None
        self.proc = self.server.proc
        self.url = self.server.url
        self.admin = httpx.Client(base_url=self.url, timeout=600)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.server.stop()
        if hasattr(self, "admin"):
            self.admin.close()
        self.log.close()

    def reset(self, seed: Mapping[str, Any]) -> None:
        body = json.dumps(seed).encode()
        r = self.admin.post(
            "/_sandbox/reset", content=body, headers={"Content-Type": "application/json"}
        )
        r.raise_for_status()

    def reset_metrics(self) -> None:
        self.admin.delete("/_sandbox/metrics").raise_for_status()

    def calls(self) -> Calls:
        return Calls.of(self.admin.get("/_sandbox/metrics").json())

    def forwardings(self) -> dict[str, str | None]:
        state = self.admin.get("/_sandbox/state").json()
        return {
            s["number"]: s.get("forward_to")
            for a in state["accounts"]
            for s in a["senders"]
            if s["country"] == "US"
        }


@dataclass
class Calls:
    """Requests the server answered, by kind (from /_sandbox/metrics)."""

    preflight: int = 0  # GET /api/accounts, GET /api/me
    pages: int = 0  # GET /api/text-messaging-senders
    gets: int = 0  # GET /api/text-messaging-senders/{id}
    writes: int = 0  # PATCH
    throttled: int = 0  # 429 answers
    failed: int = 0  # other non-2xx answers
    other: int = 0
    options: int = 0  # OPTIONS write probes (in "other")
    buckets: dict[str, int] = field(default_factory=dict)  # answered, by "METHOD route"

    @property
    def total(self) -> int:
        return self.preflight + self.pages + self.gets + self.writes + self.other

    @classmethod
    def of(cls, metrics: Mapping[str, Any]) -> Calls:
        c = cls()
        kinds: Counter[str] = Counter()
        for r in metrics["requests"]:
            n, status, method, route = r["count"], r["status"], r["method"], r["route"]
            if status == 429:
                c.throttled += n
                continue
            bucket = f"{method} {route}"
            c.buckets[bucket] = c.buckets.get(bucket, 0) + n
            if method == "OPTIONS":
                c.options += n
            if status >= 400:
                c.failed += n
            if route in ("/api/accounts", "/api/me"):
                kinds["preflight"] += n
            elif method == "GET" and route == "/api/text-messaging-senders":
                kinds["pages"] += n
            elif method == "GET" and route.startswith("/api/text-messaging-senders/"):
                kinds["gets"] += n
            elif method == "PATCH":
                kinds["writes"] += n
            else:
                kinds["other"] += n
        for k, v in kinds.items():
            setattr(c, k, v)
        return c


@dataclass
class Run:
    wall: float
    rss_mb: float
    code: int
    stderr: str
    cpu: float = 0.0  # user + system seconds of the process and its children


def callfwd() -> list[str]:
    script = Path(sys.executable).with_name("callfwd")
    return [str(script)] if script.exists() else [sys.executable, "-m", "reconciler"]


TIME = Path("/usr/bin/time")


def run_cmd(cmd: Sequence[str], *, cwd: Path, env: Mapping[str, str] | None = None) -> Run:
    """Run a whole process; its wall time and peak RSS.

    The peak RSS comes from ``/usr/bin/time`` when there is one: a child forked
    straight from this (large) benchmark process is charged the parent's resident
    pages until it execs, which ``ru_maxrss`` from ``wait4`` would report.
    """
    err, rss_file = cwd / ".bench-stderr", cwd / ".bench-rss"
    prefix = [str(TIME), "-f", "%M", "-o", str(rss_file)] if TIME.exists() else []
    with err.open("wb") as fh:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [*prefix, *cmd],
            cwd=cwd,
            env=dict(env or os.environ),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=fh,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    rss_kb = float(usage.ru_maxrss)
    if prefix:
        lines = rss_file.read_text(encoding="utf-8").split()
        rss_kb = float(lines[-1]) if lines and lines[-1].isdigit() else rss_kb
    return Run(
        wall,
        rss_kb / 1024,
        os.waitstatus_to_exitcode(status),
        err.read_text(encoding="utf-8", errors="replace")[-2000:],
        usage.ru_utime + usage.ru_stime,
    )


def run_cli(args: Sequence[str], *, cwd: Path, env: Mapping[str, str] | None = None) -> Run:
    return run_cmd([*callfwd(), *args], cwd=cwd, env=env)


Buckets = Mapping[str, int]  # requests per endpoint bucket ("GET /api/accounts": 1, ...)


def limits_for(bucket: str, limits: str = "vendor") -> tuple[int, int] | None:
    """(burst per 1 s, steady per 60 s) of one endpoint bucket under ``callfwd serve
    --rate-limit LIMITS``: ``vendor`` (the server's default: the vendor's published
    figures, per endpoint, from ``reconciler.sandbox.ratelimit``), ``B/S``, or ``off``."""
    if limits == "off":
        return None
    if limits != "vendor":
        burst, steady = limits.split("/")
        return int(burst), int(steady)
    if bucket.startswith("OPTIONS "):
        return None  # never limited
    method, route = bucket.split(" ", 1)
    got = vendor_limits(method, route)
    return got.burst, got.steady


def floor_seconds(
    calls: int | Buckets, limits: str = "vendor", *, then: Buckets | None = None
) -> float:
    """The earliest the last of one account's requests can start under fixed windows.

    ``calls`` are that account's requests per endpoint bucket (the vendor limits
    every (account, method, route) on its own); an ``int`` is that many requests
    in one bucket of the text-messaging reads (list pages). Buckets fill at the
    same time, so the floor is the slowest bucket's; steps that must follow one
    another (apply's writes after its reads) can only add to it: a lower bound.

    In one bucket with burst ``b``/s and steady ``s``/min each window opens at the
    first request after the previous one ended: ``n`` requests fill ``ceil(n/s)``
    steady windows, a new one opening 60 s after the last opened; in the last
    steady window its ``r`` requests need ``ceil(r/b)`` burst windows of 1 s.
    """
    buckets = {PAGES: calls} if isinstance(calls, int) else calls
    worst = 0.0
    for bucket, n in buckets.items():
        lim = limits_for(bucket, limits)
        if lim is None or n <= 0:
            continue
        burst, steady = lim
        windows = math.ceil(n / steady)
        last = n - steady * (windows - 1)
        worst = max(worst, 60.0 * (windows - 1) + math.ceil(last / burst) - 1)
    return worst + (floor_seconds(then, limits) if then else 0.0)
