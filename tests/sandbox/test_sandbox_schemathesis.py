"""Property-based run of the whole API against the live server: no 5xx, every answer conforms."""

from __future__ import annotations

import schemathesis
from budgets import LONG, budget, slow
from hypothesis import HealthCheck, settings
from sandbox_fixtures import ACME_MANAGER, Sandbox
from schemathesis.specs.openapi.checks import positive_data_acceptance

from reconciler.sandbox.openapi import document

pytestmark = slow

# Small by default; CALLFWD_LONG=1 (the long budgets) runs many more.
MAX_EXAMPLES = budget(25, 300)
COVERAGE = LONG

_config = schemathesis.Config.from_dict(
    {
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
        "suppress-health-check": ["too_slow"],
        # The security scheme's header value is the whole "Klaviyo-API-Key <key>".
        "auth": {"openapi": {"Klaviyo-API-Key": {"api_key": f"Klaviyo-API-Key {ACME_MANAGER}"}}},
        "phases": {"coverage": {"enabled": COVERAGE}, "stateful": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_dict(document(), config=_config)


@schema.parametrize()
# The sandbox is reset once per operation, not per example: that is intended.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_answer_conforms_and_none_is_a_5xx(case: schemathesis.Case, sandbox: Sandbox) -> None:
    response = case.call_and_validate(
        base_url=sandbox.url,
        # The API has rules a JSON schema cannot say (a number must be a US number, a
        # sender must exist...): a schema-valid request may rightly get a 4xx.
        excluded_checks=[positive_data_acceptance],
    )
    assert response.status_code < 500
