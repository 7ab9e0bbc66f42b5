"""Schemathesis against the platform's own OpenAPI document (/api): no 5xx for any generated request.

GET operations only, a few examples each, so the run stays bounded (the
writes have their own tests in test_injection.py and tests/ogcapi). The
document is read from the app under test, so a new collection or parameter
is fuzzed without touching this file. Schemathesis' pytest plugin
(`from_fixture`) does not run under pytest 9, so each operation's strategy
is driven by Hypothesis directly.
"""

from __future__ import annotations

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings

EXAMPLES_PER_OPERATION = 4


def test_no_generated_get_request_gets_a_server_error(accounts_app: Flask) -> None:
    schema = schemathesis.openapi.from_wsgi("/api?f=json", accounts_app).include(method="GET")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 10, "the OpenAPI document lists too few operations to mean anything"
    server_errors: list[str] = []
    calls = 0

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def fuzz(case) -> None:  # noqa: ANN001
            nonlocal calls
            response = case.call()
            calls += 1
            if response.status_code >= 500:
                server_errors.append(f"{case.method} {case.formatted_path} {case.query}: {response.status_code}")

        fuzz()
    assert server_errors == []
    assert calls >= len(operations)
