"""What every request handler needs: the store, the limiter, faults, metrics."""

from __future__ import annotations

from dataclasses import dataclass, field

from reconciler.sandbox.edge import Metrics
from reconciler.sandbox.faults import Faults
from reconciler.sandbox.ratelimit import RateLimiter, RatePolicy
from reconciler.sandbox.store import Store


@dataclass
class Sandbox:
    store: Store
    limiter: RateLimiter
    startup_limits: RatePolicy
    admin: bool
    published_only: bool = False  # only what the vendor publishes: no extensions, no ETags
    us_territories: bool = False  # callfwd.yaml's numbers.us_territories: allow (CF310)
    faults: Faults = field(default_factory=Faults)
    metrics: Metrics = field(default_factory=Metrics)
