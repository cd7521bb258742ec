"""The page's API over a live loopback server: requests bounded, refusals clear, no way out of the store."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from lever.model.loading import load, to_toml
from lever.web.app import make_app
from tests.web.conftest import small_field


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def field() -> dict:
    return small_field().model_dump(mode="json")


def finished(client, job: dict, seconds: float = 240) -> dict:
    end = time.monotonic() + seconds
    while job["state"] == "running" and time.monotonic() < end:
        time.sleep(0.2)
        job = client.get(f"/api/jobs/{job['id']}").json()
    return job


def test_an_over_large_body_is_refused_with_its_size_and_the_limit(client, field):
    padded = {"scenario": field | {"description": "x" * (2 << 20)}}
    r = client.post("/api/scenario/check", json=padded)
    assert r.status_code == 413
    assert r.json()["detail"].startswith("request body: ")
    assert "at most 1,048,576 (lever serve --max-upload)" in r.json()["detail"]


def test_a_field_over_the_servers_agents_is_refused_before_any_run(client):
    big = load("britain-1933").model_dump(mode="json")  # 43,620 agents; this server takes 5,000
    r = client.post("/api/runs", json={"scenario": big})
    assert r.status_code == 422
    assert r.json()["detail"] == (
        "scenario: 43,620 agents; this server runs at most 5,000 "
        "(raise persons_per_agent, lower sizes, or restart with --max-agents)"
    )


def test_too_many_steps_or_runs_are_refused(client, field):
    r = client.post("/api/runs", json={"scenario": field, "steps": 3000})
    assert r.status_code == 422 and "at most 2,000" in r.json()["detail"]
    r = client.post("/api/runs", json={"scenario": field, "steps": 10**9})  # past the schema's own bound
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "steps"
    r = client.post("/api/weighs", json={"scenario": field, "samples": 4, "replications": 2})
    assert r.status_code == 422
    assert r.json()["detail"].startswith("48 runs; this server weighs at most 40 at once")


def test_every_bad_field_is_named(client, field):
    bad = field | {"dynamics": field["dynamics"] | {"gravity": 9}, "horizon_weeks": -1}
    r = client.post("/api/scenario/check", json={"scenario": bad})
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"dynamics.gravity", "horizon_weeks"}
    assert "Traceback" not in r.text


def test_a_file_path_cannot_come_from_the_browser(client, field):
    with_edges = field | {"network": field["network"] | {"edges": "/etc/passwd"}}
    r = client.post("/api/runs", json={"scenario": with_edges})
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "network.edges", "message": "a file path cannot come from the browser"}]


def test_a_second_client_reads_nothing_outside_the_store(client, store):
    secret = "not for the page"
    (store.parent / "secret.txt").write_text(secret)
    (store.parent / "outside").mkdir(exist_ok=True)
    (store.parent / "outside" / "experiment.json").write_text("{}")
    (store.parent / "outside" / "files").mkdir(exist_ok=True)
    (store.parent / "outside" / "files" / "summary.json").write_text(secret)
    tries = [
        "/api/experiments/..",
        "/api/experiments/..%2Foutside",
        "/api/experiments/%2e%2e/files/summary.json",
        "/api/experiments/..%2Foutside/files/summary.json",
        "/api/experiments/outside/files/summary.json",
        "/api/experiments/x/files/..%2F..%2Fsecret.txt",
        "/api/experiments/x/files/%2Fetc%2Fpasswd",
        "/static/..%2F..%2F..%2Fsecret.txt",
        "/static/../../secret.txt",
        "/api/scenarios/..%2F..%2Fsecret",
    ]
    for path in tries:
        with httpx.Client(base_url=client.base_url) as second:
            r = second.get(path)
        assert r.status_code in (404, 422), path
        assert secret not in r.text and "root:" not in r.text, path


def test_a_toml_file_round_trips_through_the_page(client):
    text = to_toml(small_field())
    data = client.post("/api/scenario/parse", json={"text": text}).json()
    r = client.post("/api/scenario/toml", json={"scenario": data})
    assert r.status_code == 200 and r.text == text
    assert r.headers["content-disposition"] == 'attachment; filename="britain-1933.toml"'
    bad = client.post("/api/scenario/parse", json={"text": "name = "})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("the file: malformed TOML")


def test_a_run_sends_its_rows_as_it_goes_and_lands_in_the_store(client, field):
    job = client.post("/api/runs", json={"scenario": field, "steps": 6, "seed": 3}).json()
    assert job["total"] == 6 and "group_members" in job["columns"]
    done = finished(client, job)
    assert done["state"] == "done", done["message"]
    assert len(done["rows"]) == 7  # step 0 and six steps
    assert client.get(f"/api/jobs/{job['id']}", params={"since": 5}).json()["rows"] == done["rows"][5:]
    opened = client.get(f"/api/experiments/{done['experiment']}").json()
    assert opened["status"] == "complete" and len(opened["series"]["week"]) == 7
    assert client.get(f"/api/experiments/{done['experiment']}/files/flows.csv").text.startswith("from,")


def test_a_cancelled_weigh_keeps_what_it_finished(client, field, held):
    # held after its first finished world until the cancel has landed: the weigh cannot end first
    with held():
        job = client.post("/api/weighs", json={"scenario": field, "samples": 6, "replications": 1, "steps": 60}).json()
        while job["state"] == "running" and job["done"] == 0:
            time.sleep(0.1)
            job = client.get(f"/api/jobs/{job['id']}").json()
        client.post(f"/api/jobs/{job['id']}/cancel")
        done = finished(client, job)
    assert done["state"] == "cancelled", done
    assert done["message"].startswith("cancelled; kept ")
    listed = {e["name"]: e for e in client.get("/api/experiments").json()}
    assert listed[done["experiment"]]["status"] == "unfinished"


def test_unknown_jobs_and_experiments_are_404_with_a_line(client):
    assert client.get("/api/jobs/job999").json()["detail"].startswith("no job 'job999'")
    r = client.get("/api/experiments/nothing-here")
    assert r.status_code == 404 and r.json()["detail"].startswith("experiment: no experiment 'nothing-here'")


def test_the_api_is_described(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/runs", "/api/weighs", "/api/jobs/{job_id}", "/api/experiments/{name}/files/{file}"} <= set(paths)


@pytest.mark.parametrize("nest", [("[", "]"), ('{"a":', "}")])
def test_a_deeply_nested_body_is_refused_not_crashed(client, nest):
    opening, closing = nest
    deep = '{"scenario": ' + opening * 20_000 + "1" * (opening == '{"a":') + closing * 20_000 + "}"
    r = client.post("/api/scenario/check", content=deep, headers={"content-type": "application/json"})
    assert r.status_code in (400, 422), r.text[:300]
    assert "Traceback" not in r.text


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded", "\x01;;"])
def test_a_body_not_labelled_json_is_refused_for_its_label_not_a_field(client, field, content_type):
    """Found by the header fuzz: the page said 'request: Must be a table of fields.' of a
    scenario sent without its Content-Type, blaming the body's fields."""
    headers = {"content-type": content_type} if content_type is not None else {}
    r = client.post("/api/scenario/check", content=json.dumps({"scenario": field}), headers=headers)
    assert r.status_code == 415, r.text[:300]
    detail = r.json()["detail"]
    assert detail.startswith("request: The body must be JSON, sent with Content-Type: application/json (it came ")
    assert "\n" not in detail and r.json()["errors"] == [{"field": "", "message": detail.removeprefix("request: ")}]
    said = "without a Content-Type" if content_type is None else f"as {content_type!r}"
    assert detail.endswith(f"{said}).")


@pytest.mark.parametrize("path", ["/api/templates/a%0Ab", "/api/scenarios/a%0D%0Ab", "/api/jobs/a%0Ab",
                                  "/api/jobs/a%E2%80%A8b", "/api/experiments/a%0Ab/files/summary.json"])  # fmt: skip
def test_a_name_with_a_line_break_is_echoed_in_one_line(client, path):
    """Found by the fuzz: 'template: no template 'a<newline>b'' broke the refusal's one line."""
    r = client.get(path)
    assert r.status_code == 404, r.text[:300]
    detail = r.json()["detail"]
    assert detail.isprintable() and ("a\\nb" in detail or "a\\r\\nb" in detail or "a\\u2028b" in detail), detail


def test_a_strategy_with_a_line_break_is_echoed_in_one_line(client, field):
    r = client.post("/api/runs", json={"scenario": field, "strategy": "a\nb"})
    assert r.status_code == 422, r.text[:300]
    body = r.json()
    assert body["detail"].isprintable() and "'a\\nb'" in body["detail"], body["detail"]
    assert all(e["message"].isprintable() for e in body["errors"])


@pytest.mark.parametrize("cut", [1, 10, 200])
def test_a_body_that_is_not_json_is_refused_as_the_requests_not_a_fields(client, field, cut):
    """Found by the header fuzz (a Content-Length short of the body): the page said
    '1: JSON decode error.', naming as a field the character where parsing stopped."""
    text = json.dumps({"scenario": field})[:cut]
    r = client.post("/api/scenario/check", content=text, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text[:300]
    assert r.json()["detail"].startswith("request: The body is not JSON at character "), r.text[:300]
    assert [e["field"] for e in r.json()["errors"]] == [""]


def test_every_problem_of_a_field_comes_at_once_each_at_its_field_in_a_sentence(client):
    data = client.get("/api/templates/join-or-stay").json()
    data["host"] = "nobody"
    data["strategies"]["join"]["allocation"] = {"nowhere": 1.0}
    data["dynamics"]["gravity"] = 9
    data["network"]["workplace_size"] = 2.5
    del data["organizations"]["group"]["size"]
    r = client.post("/api/scenario/check", json={"scenario": data})
    assert r.status_code == 422
    said = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert said == {
        "organizations.group.size": "This is required: fill it in.",
        "network.workplace_size": "Must be a whole number (it is 2.5).",
        "dynamics.gravity": "Must be at most 5 (it is 9).",
        "host": "'nobody' is not one of the organizations (they are: group, larger, rival).",
        "strategies.join.allocation.nowhere": "'nowhere' is not one of the organizations (they are: group, larger, rival).",
    }


def test_templates_and_the_outcomes_glossary_are_served(client):
    assert [t["name"] for t in client.get("/api/templates").json()] == ["join-or-stay", "join-or-stay-alone"]
    assert client.get("/api/templates/britain-1933").status_code == 404
    words = client.get("/api/outcomes").json()
    assert words["newly_won"]["name"] == "people newly won" and "twin" not in words["newly_won"]["meaning"]
    assert all("_" not in w["name"] for w in words.values())


@pytest.mark.parametrize(
    "headers, query",
    [([(b"x-lever-token", "é".encode())], ""), ([(b"x-lever-token", b"\xff\x00")], ""), ([], "?token=%E9%00&x")],
)
def test_a_token_of_odd_bytes_is_a_wrong_token_not_a_server_error(tmp_path, headers, query):
    """A header or query the browser never sends (non-ASCII, NUL) is refused like any wrong
    token: 401 with a sentence, never a 500."""
    import asyncio

    import httpx

    async def ask() -> httpx.Response:
        transport = httpx.ASGITransport(app=make_app(tmp_path, token="t" * 32))
        async with httpx.AsyncClient(transport=transport, base_url="http://lever") as client:
            return await client.get(f"/api/scenarios{query}", headers=headers)

    r = asyncio.run(ask())
    assert r.status_code == 401 and "token" in r.json()["detail"]


@pytest.mark.parametrize("token", [None, "t" * 32])
def test_the_description_declares_the_token_where_there_is_one(tmp_path, token):
    """A client generated from /api/openapi.json (schemathesis, for one) learns there that every
    route wants the token, in the header or the query; without a token, nothing is declared."""
    import asyncio

    import httpx

    async def ask() -> httpx.Response:
        transport = httpx.ASGITransport(app=make_app(tmp_path, token=token))
        async with httpx.AsyncClient(transport=transport, base_url="http://lever") as client:
            return await client.get("/api/openapi.json", headers={"X-Lever-Token": token or ""})

    described = asyncio.run(ask()).json()
    if token is None:
        assert "security" not in described and "securitySchemes" not in described.get("components", {})
        return
    schemes = described["components"]["securitySchemes"]
    assert {(s["type"], s["in"], s["name"]) for s in schemes.values()} == {
        ("apiKey", "header", "X-Lever-Token"),
        ("apiKey", "query", "token"),
    }
    assert described["security"] == [{name: []} for name in schemes]  # either one will do


@pytest.mark.parametrize("token", ["é" * 20, "a token with spaces in it", "x" * 15 + "\x00"])
def test_a_token_that_cannot_travel_in_a_header_is_refused_at_the_start(token):
    from lever.web.limits import BindRefused, check_bind

    with pytest.raises(BindRefused, match="--token"):
        check_bind("127.0.0.1", token)
