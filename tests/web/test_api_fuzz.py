"""Generated requests to every route of the API against a live server on the loopback address:
no server error, no traceback, ever — in any response or in the server's own log.

- schemathesis, from the API's OpenAPI description: requests that fit it and requests that do
  not (its fuzzing), and its coverage phase (boundary values, missing and duplicate
  parameters, malformed and unsupported Content-Types, methods the route does not take);
- the same against a server with a token, whose description declares the token (header
  ``X-Lever-Token`` or query ``token``): schemathesis generates and drops it, and the gate
  must refuse every request it generates (401);
- headers mutated by hand, with Hypothesis, on a valid request to every route: the token
  (missing, wrong, doubled, control and non-ASCII bytes, very long), Content-Type,
  Content-Length (missing, absurd, not the body's length), Transfer-Encoding, Host, the file
  route's Range and conditional headers, and any header's value of any bytes or length.

Driven with Hypothesis directly: schemathesis's pytest plugin does not run under pytest 9.
Every request is a case of the fuzz corpus (tests/fuzzing.py), counted by its status."""

from __future__ import annotations

import contextlib
import http.client
import json
import queue
import re
import socket
from collections.abc import Iterator
from http import HTTPStatus

import pytest
import schemathesis
from fuzzing import LIMIT_S, SERVER_ERROR, TRACEBACK, bounded, record
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.config import GenerationConfig
from schemathesis.generation import GenerationMode

from lever.model.loading import template_names, to_toml
from lever.web import work
from tests.web.conftest import LIMITS, Server, small_field

pytestmark = pytest.mark.fuzz_corpus

#: Examples per route and mode: 17 routes, requests that fit the description and requests that
#: do not, so about 500 requests in all (half a minute).
EXAMPLES = 20
#: Examples per route and mode against the server with a token: the gate answers them all alike.
GATED_EXAMPLES = 5
#: Requests with mutated headers, over every route (about 10 s).
MUTATIONS = 1000
TOKEN = "a-token-of-twenty-chars"


def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                    database=None)  # fmt: skip


def outcome(status: int) -> str:
    if status >= 500:
        return SERVER_ERROR
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def answered(corpus: str, where: str, status: int, text: str) -> None:
    """Count a response; no server error, no traceback, and a refusal said in one line."""
    record(corpus, TRACEBACK if "Traceback" in text else outcome(status))
    assert status < 500, f"{where}: {status} {text[:300]}"
    assert "Traceback" not in text, where
    if status >= 400 and text.startswith("{"):
        detail = json.loads(text).get("detail")
        assert isinstance(detail, str) and detail and detail.isprintable(), f"{where}: {text[:300]}"


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
    assert routes == set(REQUESTS), "every route needs a valid request for the header mutations"


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_request_gets_a_server_error_or_a_traceback(operations, mode):
    for op in operations:
        if mode is GenerationMode.NEGATIVE and not op.path_parameters and not op.body and not op.query:
            continue  # nothing to get wrong

        @given(case=op.as_strategy(mode))
        @fuzz(EXAMPLES)
        def check(case) -> None:
            with bounded("api fuzz"):
                response = case.call(timeout=LIMIT_S)
            answered("api fuzz", f"{case.method} {case.formatted_path}", response.status_code, response.text)

        check()


def coverage_cases(schema, op) -> list:
    """schemathesis's coverage phase for one route, positive and negative: deterministic."""
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    return list(schema.iter_coverage_cases(op, generation_modes=modes, generation_config=GenerationConfig()))


def test_the_coverage_phase_gets_no_server_error_or_traceback(operations):
    """Boundaries, missing and duplicate parameters, malformed and unsupported Content-Types
    and methods a route does not take."""
    scenarios = set()
    for op in operations:
        for case in coverage_cases(op.schema, op):
            scenarios.add(case.meta.phase.data.scenario)
            with bounded("api coverage"):
                response = case.call(timeout=LIMIT_S)
            answered("api coverage", f"{case.method} {case.formatted_path}", response.status_code, response.text)
    assert {"malformed_content_type", "unsupported_content_type", "unspecified_http_method"} <= scenarios


# --- a server with a token, and a finished run in its store -------------------------------------


@pytest.fixture(scope="module")
def gated(tmp_path_factory):
    """A server with a token whose store holds a finished run (its files serve the Range
    headers), and that weighs at most one run (so no request here starts a weigh)."""
    store = tmp_path_factory.mktemp("gated")
    reports = queue.SimpleQueue()
    work.run_job(small_field().model_dump(mode="json"), str(store), "outside", 0, 2, reports)
    kinds = []
    while not reports.empty():
        kinds.append(reports.get()[0])
    assert kinds[-1] == "done", kinds
    running = Server(store, "--token", TOKEN, "--max-agents", "5000", "--max-runs", "1")
    running.experiment = next(p.name for p in store.iterdir() if p.is_dir())
    yield running
    running.stop()


@pytest.fixture(scope="module")
def gated_schema(gated):
    return schemathesis.openapi.from_url(gated.url.split("/?")[0] + "/api/openapi.json",
                                         headers={"X-Lever-Token": TOKEN})  # fmt: skip


def test_the_description_declares_the_token(gated_schema):
    raw = gated_schema.raw_schema
    schemes = raw["components"]["securitySchemes"]
    assert {(s["in"], s["name"]) for s in schemes.values()} == {("header", "X-Lever-Token"), ("query", "token")}
    assert raw["security"] == [{name: []} for name in schemes]


def test_the_gate_refuses_every_token_schemathesis_makes(gated_schema):
    """schemathesis sends the token it generates (or drops it, or sends it twice): none is
    the server's, so every request is a 401 — never a 5xx, never past the gate."""
    ops = [result.ok() for result in gated_schema.get_all_operations()]
    cases = [case for op in ops for case in coverage_cases(gated_schema, op)]
    for op in ops:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=op.as_strategy(mode))
            @fuzz(GATED_EXAMPLES)
            def gather(case) -> None:
                cases.append(case)

            gather()
    assert any("X-Lever-Token" in (case.headers or {}) for case in cases)
    assert any("token" in (case.query or {}) for case in cases)
    for case in cases:
        with bounded("api token"):
            response = case.call(timeout=LIMIT_S)
        where = f"{case.method} {case.formatted_path} {case.headers} {case.query}"
        answered("api token", where, response.status_code, response.text)
        assert response.status_code == 401, f"{where}: {response.status_code} {response.text[:300]}"


# --- headers mutated by hand -------------------------------------------------------------------

SMALL = small_field().model_dump(mode="json")
#: A request to every route that gets past the gate with its token (a route's answer may still
#: refuse it: no job is started, no weigh fits the server's one run).
REQUESTS = {
    ("GET", "/api/limits"): None,
    ("GET", "/api/schema"): None,
    ("GET", "/api/scenarios"): None,
    ("GET", "/api/scenarios/{name}"): None,
    ("GET", "/api/templates"): None,
    ("GET", "/api/templates/{name}"): None,
    ("GET", "/api/outcomes"): None,
    ("POST", "/api/scenario/check"): {"scenario": SMALL},
    ("POST", "/api/scenario/toml"): {"scenario": SMALL},
    ("POST", "/api/scenario/parse"): {"text": to_toml(small_field())},
    ("POST", "/api/runs"): {"scenario": SMALL, "strategy": "no-such-strategy"},
    ("POST", "/api/weighs"): {"scenario": SMALL, "samples": 1, "replications": 1},
    ("GET", "/api/jobs/{job_id}"): None,
    ("POST", "/api/jobs/{job_id}/cancel"): None,
    ("GET", "/api/experiments"): None,
    ("GET", "/api/experiments/{name}"): None,
    ("GET", "/api/experiments/{name}/files/{file}"): None,
}
NAMES = {"/api/scenarios/{name}": "britain-1933", "/api/templates/{name}": template_names()[0]}

#: Header values chosen to be awkward for each header, beside any bytes (VALUES).
CONTENT_TYPES = [b"text/plain", b"application/x-www-form-urlencoded", b"multipart/form-data",
                 b"multipart/form-data; boundary=", b"application/json; charset=utf-16",
                 b"application/json; charset=no-such", b"application/json;;;===", b"application/vnd.api+json", b"*/*",
                 b"", b"application/toml", b"application/json; charset=\xff"]  # fmt: skip
LENGTHS = [b"0", b"-1", b"abc", b"1e3", b"+5", b"5, 5", b"0x10", b" 7 ", b"99999999999999999999999",
           b"18446744073709551616"]  # fmt: skip
RANGES = [b"bytes=0-3", b"bytes=-5", b"bytes=0-1,3-4", b"bytes=abc", b"bytes=5-1", b"bytes=-0", b"bytes=0-0," * 200,
          b"bytes=99999999999999999999-", b"bytes=1000000-", b"items=0-1", b"bytes=0-1,1-2",
          b"bytes=-99999999999999999999", b"bytes=,,,", b"bytes=" + b"0-1," * 500]  # fmt: skip
DATES = [b"Thu, 01 Jan 1970 00:00:00 GMT", b"Fri, 31 Dec 9999 23:59:59 GMT", b"*", b'W/"x"', b'"x", W/"y"', b"\xff"]
AWKWARD = {
    "X-Lever-Token": [TOKEN.upper().encode(), TOKEN.encode()[:-1], TOKEN.encode() + b"\xff", b"\xff" + TOKEN.encode(),
                      TOKEN.encode() + b"\x00", TOKEN.encode() + b"\x01", TOKEN.encode() * 2, TOKEN.encode() + b" x",
                      b" " + TOKEN.encode()],
    "Content-Type": CONTENT_TYPES, "Accept": CONTENT_TYPES, "Content-Length": LENGTHS,
    "Transfer-Encoding": [b"chunked", b"gzip, chunked", b"identity", b"gzip", b"chunked, chunked"],
    "Range": RANGES, "If-Range": DATES, "If-None-Match": DATES, "If-Modified-Since": DATES, "If-Match": DATES,
    "Host": [b"[::1", b"127.0.0.1:99999", b"", b"a b", b"\xff"], "Expect": [b"100-continue", b"200-ok"],
    "Connection": [b"close", b"upgrade", b"upgrade, \xff", b"keep-alive, close"],
    "Upgrade": [b"websocket", b"h2c", b"\xff"], "Accept-Encoding": [b"gzip;q=abc, br;q=\xff", b"*;q=0"],
}  # fmt: skip
#: Header names: the server's, HTTP's own, and one of bytes beyond ASCII.
HEADERS = sorted(AWKWARD) + ["Cookie", "Origin", "Authorization", "X-Forwarded-For", "X-\xe9t\xe9"]
#: Any bytes a header can carry on the wire (no line break), or a length (of that many
#: letters, up to 200 KB: drawn as the number, so that Hypothesis's notes stay short).
VALUES = st.one_of(
    st.binary(max_size=48).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")),
    st.text(max_size=12).map(lambda t: t.encode().replace(b"\r", b"").replace(b"\n", b"")),
    st.integers(1, 14).map(lambda k: 1000 * k * k),
)


def _header(kind: str) -> st.SearchStrategy:
    return st.sampled_from(HEADERS).flatmap(
        lambda name: st.tuples(st.just(kind), st.just(name), st.sampled_from(AWKWARD.get(name, [b"x"])) | VALUES)
    )


MUTATIONS_OF = st.one_of(
    st.tuples(st.just("drop"), st.sampled_from(["X-Lever-Token", "Content-Type", "Content-Length", "Host"])),
    _header("set"),
    _header("add"),  # a second header of the name
    # the file route's own (Starlette's FileResponse reads them), as often as all the others
    st.tuples(
        st.just("set"),
        st.sampled_from(["Range", "If-Range", "If-None-Match", "If-Modified-Since"]),
        st.sampled_from(RANGES + DATES),
    ),  # fmt: skip
    st.tuples(st.just("length"), st.integers(-40, 40)),  # Content-Length off the body's by this
)


def mutate(headers: list[tuple[str, bytes]], mutation: tuple, body: bytes) -> list[tuple[str, bytes]]:
    kind, name = mutation[0], mutation[1]
    if kind == "length":
        return [h for h in headers if h[0] != "Content-Length"] + [("Content-Length", str(len(body) + name).encode())]
    kept = [h for h in headers if kind == "add" or h[0].lower() != name.lower()]
    if kind == "drop":
        return kept
    value = mutation[2]
    return [*kept, (name, b"a" * value if isinstance(value, int) else value)]


#: The most of a request's head (its line and headers) the server reads before it has them all
#: (h11's limit, uvicorn's HTTP layer): past it, the server answers 400 and closes while the
#: client may still be sending, and the client then sees the connection reset, not the 400.
HEAD_LIMIT = 16 * 1024

#: Bytes h11 refuses in a header's value, and the characters a header's name may hold (RFC 9110's token)
BAD_VALUE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
TOKEN_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


def malformed(headers: list[tuple[str, bytes]]) -> bool:
    """A head the HTTP layer refuses before it reads the body (no Host, more than one, a name or a
    value HTTP forbids): it answers 400 and closes, and where the body is still unread the
    operating system resets the connection, so the client may see the reset, not the 400."""
    hosts = [k for k, _ in headers if k.lower() == "host"]
    return len(hosts) != 1 or any(not TOKEN_NAME.match(k) or BAD_VALUE.search(v) for k, v in headers)


def send(url: str, method: str, path: str, headers: list[tuple[str, bytes]], body: bytes) -> tuple[int | None, str]:
    """Send exactly these headers and this body; (status, text), or (None, why) where the
    server closed the connection without an answer (only where it may: see below)."""
    host, port = url.removeprefix("http://").split("/")[0].rsplit(":", 1)
    # a request that promises more body than it sends (a longer Content-Length, chunks) is
    # ended by closing our side: else the server waits for the rest, as it should
    # (a length may be a list of equal ones: "5, 5" promises 5 bytes, as RFC 9110 allows)
    lengths = [[p.strip() for p in v.split(b",")] for k, v in headers if k.lower() == "content-length"]
    promised = any(k.lower() == "transfer-encoding" for k, _ in headers) or any(
        all(p.isdigit() for p in parts) and int(parts[0]) > len(body) for parts in lengths
    )
    oversized = len(method) + len(path) + sum(len(k) + len(v) + 4 for k, v in headers) > HEAD_LIMIT
    refused = malformed(headers)
    connection = http.client.HTTPConnection(host, int(port), timeout=LIMIT_S)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name.encode("latin-1"), value)
        connection.endheaders(body or None)
        if promised:
            assert connection.sock is not None
            with contextlib.suppress(OSError):  # the server may have answered and closed already
                connection.sock.shutdown(socket.SHUT_WR)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as err:
        assert promised or oversized or refused, f"closed without an answer to a request it had whole: {err!r}"
        return None, "promised" if promised else "oversized" if oversized else "malformed"
    finally:
        connection.close()


#: Every route, the file route four times over: its Range and conditional headers are Starlette's
ROUTES = sorted(REQUESTS) + 3 * [("GET", "/api/experiments/{name}/files/{file}")]


@given(route=st.sampled_from(ROUTES), mutations=st.lists(MUTATIONS_OF, min_size=1, max_size=4))
@fuzz(MUTATIONS)
def test_mutated_headers_get_no_server_error_or_traceback(gated, route, mutations):
    method, template = route
    path = (template.replace("{job_id}", "job1").replace("{file}", "summary.json")
            .replace("{name}", NAMES.get(template, gated.experiment)))  # fmt: skip
    data = REQUESTS[route]
    body = json.dumps(data).encode() if data is not None else b""
    base, _, _ = gated.url.partition("/?")
    headers = [("Host", base.removeprefix("http://").encode()), ("X-Lever-Token", TOKEN.encode())]
    if data is not None:
        headers += [("Content-Type", b"application/json"), ("Content-Length", str(len(body)).encode())]
    for mutation in mutations:
        headers = mutate(headers, mutation, body)
    with bounded("api headers"):
        status, text = send(base, method, path, headers, body)
    where = f"{method} {path} {[(k, v[:80]) for k, v in headers]}"
    if status is None:
        record("api headers", {"promised": "closed: the body it promised never came",
                               "oversized": "reset: a head over 16 KiB, refused while sending",
                               "malformed": "reset: a head HTTP forbids, refused before its body was read"}[text])  # fmt: skip
        return
    answered("api headers", where, status, text)
    tokens = [v.strip(b" \t") for k, v in headers if k.lower() == "x-lever-token"]
    if TOKEN.encode() not in tokens:  # refused at the gate, or before it by the HTTP layer
        assert status in (400, 401), f"{where}: {status} {text[:300]}"


def test_the_servers_logged_no_traceback(server, gated):
    """Last: whatever the requests above did, neither server wrote a traceback."""
    for running in (server, gated):
        log = "".join(running.log)
        assert not re.search(r"Traceback|Exception in ASGI", log), log[-3000:]
