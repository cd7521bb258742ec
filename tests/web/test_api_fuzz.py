"""Generated requests to every route of the API (schemathesis, from its OpenAPI description),
against a live server on the loopback address: no server error, no traceback, ever.

Driven with Hypothesis directly: schemathesis's pytest plugin does not run under pytest 9."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation import GenerationMode

from tests.web.conftest import LIMITS, Server

#: Examples per route and mode: 14 routes, requests that fit the description and requests that
#: do not, so about 500 requests in all (half a minute).
EXAMPLES = 20


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    """A server of its own: a generated request may start a job, which no other test should meet."""
    running = Server(tmp_path_factory.mktemp("fuzzed"), *LIMITS)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def operations(server) -> list:
    schema = schemathesis.openapi.from_url(server.url + "/api/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


def test_every_route_is_fuzzed(operations):
    routes = {(op.method.upper(), op.path) for op in operations}
    assert len(routes) >= 14
    assert ("POST", "/api/weighs") in routes and ("GET", "/api/experiments/{name}/files/{file}") in routes


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_request_gets_a_server_error_or_a_traceback(operations, mode):
    for op in operations:
        if mode is GenerationMode.NEGATIVE and not op.path_parameters and not op.body and not op.query:
            continue  # nothing to get wrong

        @given(case=op.as_strategy(mode))
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)  # fmt: skip
        def check(case) -> None:
            response = case.call(timeout=30)
            where = f"{case.method} {case.formatted_path}"
            assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:300]}"
            assert "Traceback" not in response.text, where

        check()
