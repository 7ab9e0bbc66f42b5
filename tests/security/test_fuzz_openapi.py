"""Schemathesis against the platform's own OpenAPI document (/api): no 5xx for any generated request.

GET operations only, a few examples each, so the run stays bounded (the
writes have their own tests in test_injection.py and tests/ogcapi). The
document is read from the app under test, so a new collection or parameter
is fuzzed without touching this file. Schemathesis' pytest plugin
(`from_fixture`) does not run under pytest 9, so each operation's strategy
is driven by Hypothesis directly.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from urllib.parse import quote, urlencode

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from sqlalchemy.engine import make_url

from geodata.cluster import drop_database, ensure_database
from layers.registry import get_registry
from tests.helpers.accounts import build_app

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


# ---------------------------------------------------------------- every operation, anonymous and admin (issue 16)

NUL = "a\x00b"
HUGE = 10**30  # larger than any integer or bigint column
ADMIN = {"Authorization": "Bearer test-token"}  # the config token of tests.helpers.accounts.build_app


@pytest.fixture(scope="module")
def fuzz_app(server_url: str, template_database_url: str) -> Iterator[Flask]:
    """An app on a database of its own: the generated writes as admin may change it."""
    name = f"medan_test_{uuid.uuid4().hex[:10]}"
    ensure_database(server_url, name, template=make_url(template_database_url).database)
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    yield build_app(url)
    from layers.db import engine_for

    engine_for(url).dispose()
    drop_database(server_url, name)


def _hostile_requests(operation) -> Iterator[tuple[str, str, dict]]:  # noqa: ANN001
    """(method, url, extra) with a NUL or an oversize integer in each parameter and body field."""
    path = operation.path.replace("{featureId}", "1")
    parts = path.split("/")
    layer_id = parts[2] if len(parts) > 3 and parts[1] == "collections" else None
    method = operation.method.upper()
    for parameter in operation.iter_parameters():
        name, location = parameter.name, parameter.location
        for value in (NUL, HUGE, -HUGE):
            if location == "query":
                yield method, f"{path}?{urlencode({name: value})}", {}
            elif location == "path":
                yield method, path.replace("/1", f"/{quote(str(value))}") if name == "featureId" else path, {}
    if method in ("POST", "PUT", "PATCH") and layer_id in get_registry():
        spec = get_registry().get(layer_id)
        for hostile in (NUL, HUGE):
            properties = {p.name: (hostile if p.type in ("string", "integer", "number") else None)
                          for p in spec.properties}
            feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [98.67, 3.59]},
                       "properties": properties}
            yield method, path, {"json": feature, "headers": {"If-Match": "*"}}


def _generated_cases(operation, headers: dict, server_errors: list[str]):  # noqa: ANN001, ANN202
    """A Hypothesis test calling this operation with generated cases as `headers` say."""

    @given(case=operation.as_strategy())
    @settings(max_examples=2, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def fuzz(case) -> None:  # noqa: ANN001
        response = case.call(headers=headers)
        if response.status_code >= 500:
            server_errors.append(f"{case.method} {case.formatted_path} {case.query} "
                                 f"{'admin' if headers else 'anonymous'}: {response.status_code}")

    return fuzz


def test_no_generated_request_of_any_operation_gets_a_server_error_anonymous_or_admin(fuzz_app: Flask) -> None:
    """Every operation of /api (reads and writes), generated cases plus hostile values (NUL bytes,
    integers beyond any column), as the anonymous public and as admin: never a 5xx."""
    schema = schemathesis.openapi.from_wsgi("/api?f=json", fuzz_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.method.upper() for op in operations} >= {"GET", "POST", "PUT", "PATCH", "DELETE"}
    server_errors: list[str] = []
    client = fuzz_app.test_client()
    for operation in operations:
        for headers in ({}, ADMIN):
            _generated_cases(operation, headers, server_errors)()
            for method, url, extra in _hostile_requests(operation):
                response = client.open(url, method=method, **{**extra, "headers": {**headers, **extra.get("headers", {})}})
                if response.status_code >= 500:
                    server_errors.append(f"{method} {url} {str(extra)[:80]}: {response.status_code}")
    assert server_errors == [], "\n".join(server_errors[:30])
