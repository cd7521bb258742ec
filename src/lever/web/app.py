"""The page's web application: a FastAPI app over the scenario schema, the jobs and the store.

Routes under ``/api`` (described at ``/api/openapi.json``); the page itself at ``/`` with its
script and style from ``static/`` inside the package (nothing from the internet). Every request
is bounded (:class:`~lever.web.limits.Limits`); with a token, every ``/api`` request must
carry it (header ``X-Lever-Token`` or ``?token=``).
"""

from __future__ import annotations

import json
import secrets
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import unquote_to_bytes

from fastapi import FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field

from lever.experiments.bounds import MAX_REPLICATIONS, MAX_SAMPLES, MAX_SEED, MAX_STEPS
from lever.model.loading import builtin_names, builtin_text, load_template, parse, template_names, to_toml, validate
from lever.model.scenario import Scenario
from lever.sim.stored import run_spec
from lever.store import spec_name
from lever.store.reading import listing
from lever.web import reading, work
from lever.web.checks import Refused, agents_in, check_size, refusal, scenario_from, scenario_from_toml, sentence
from lever.web.jobs import JobBoard
from lever.web.limits import Limits
from lever.web.words import glossary
from lever.weigh.job import WeighSettings, experiment_name

STATIC = resources.files("lever") / "web" / "static"
Name = Annotated[str, PathParam(max_length=200, description="an experiment's name in the store")]
JobId = Annotated[str, PathParam(max_length=40, description="a job's id, as its start returned it")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScenarioBody(_Body):
    scenario: dict[str, Any] = Field(description="the scenario's fields, as /api/schema describes them")


class TomlBody(_Body):
    text: str = Field(description="a scenario as TOML (the content of a file the user chose)")


class RunBody(ScenarioBody):
    strategy: str | None = Field(None, max_length=200, description="strategy key (default: the scenario's)")
    seed: int = Field(0, ge=0, le=MAX_SEED, description="random seed")
    steps: int | None = Field(None, ge=1, le=MAX_STEPS, description="steps to run (default: the horizon)")


class WeighBody(ScenarioBody):
    samples: int = Field(8, ge=1, le=MAX_SAMPLES, description="Latin-hypercube draws of the uncertainties")
    replications: int = Field(2, ge=1, le=MAX_REPLICATIONS, description="replications per draw")
    seed: int = Field(0, ge=0, le=MAX_SEED, description="random seed")
    steps: int | None = Field(None, ge=1, le=MAX_STEPS, description="steps per run (default: the horizon)")


def make_app(store: Path, limits: Limits | None = None, token: str | None = None) -> FastAPI:
    """The application serving ``store`` (the results store every command writes)."""
    limits = limits or Limits()
    board = JobBoard(limits.jobs)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):  # noqa: ANN202
        yield
        board.stop_all()  # no child outlives the server

    app = FastAPI(title="Lever", version="1", lifespan=lifespan, openapi_url="/api/openapi.json",
                  docs_url=None, redoc_url=None,  # their pages load scripts from a CDN
                  description="Build a field, run it and weigh its strategies; read the results store.")  # fmt: skip
    app.add_middleware(TokenGate, token=token)
    if token is not None:
        _describe_token(app)
    app.add_middleware(BodyLimit, limit=limits.upload)
    _handlers(app)
    _scenario_routes(app, limits)
    _job_routes(app, board, Path(store), limits)
    _store_routes(app, Path(store))
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> HTMLResponse:
        return HTMLResponse((STATIC / "index.html").read_text(encoding="utf-8"))

    return app


#: How a request carries the token (either way): as the OpenAPI description names them.
TOKEN_SCHEMES = {
    "header": {"type": "apiKey", "in": "header", "name": "X-Lever-Token"},
    "query": {"type": "apiKey", "in": "query", "name": "token"},
}


def _describe_token(app: FastAPI) -> None:
    """Say in ``/api/openapi.json`` that every route wants the token (a client generated from
    the description then sends it; the gate itself is :class:`TokenGate`)."""
    plain = app.openapi

    def described() -> dict[str, Any]:
        schema = plain()  # built at the first call, the same dict after
        if "security" not in schema:
            schema.setdefault("components", {})["securitySchemes"] = TOKEN_SCHEMES
            schema["security"] = [{name: []} for name in TOKEN_SCHEMES]
        return schema

    app.openapi = described


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(Refused)
    async def refused(_request: Request, err: Refused) -> JSONResponse:
        return JSONResponse(err.body(), status_code=err.status)

    @app.exception_handler(RequestValidationError)
    async def malformed(request: Request, err: RequestValidationError) -> JSONResponse:
        errors = err.errors()
        about_body = bool(errors) and tuple(errors[0].get("loc", ()))[:1] == ("body",)
        if about_body and not _is_json(request.headers.get("content-type", "")):
            # the body was never read as JSON: no field of it is at fault, its label is
            given = request.headers.get("content-type")
            message = ("The body must be JSON, sent with Content-Type: application/json (it came "
                       f"{f'as {given[:100]!r}' if given is not None else 'without a Content-Type'}).")  # fmt: skip
            return JSONResponse(refusal(f"request: {message}", [{"field": "", "message": message}]), status_code=415)
        # as sentences beside the field that caused each (never the input it echoes: that may be
        # a megabyte deep); JSON that does not parse is the request's fault, not a field's (its
        # location is a character's position)
        problems = [{"field": "", "message": _not_json(e)} if e.get("type") == "json_invalid" else
                     {"field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"), "message": sentence(e)}
                    for e in errors[:20]]  # fmt: skip
        first = problems[0] if problems else {"field": "", "message": "The request could not be read."}
        return JSONResponse(refusal(f"{first['field'] or 'request'}: {first['message']}", problems), status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, err: Exception) -> JSONResponse:
        # one line for the page; the traceback stays on the server's side
        return JSONResponse({"detail": f"internal error ({type(err).__name__})", "errors": []}, status_code=500)


def _is_json(content_type: str) -> bool:
    """Whether FastAPI reads a body of this Content-Type as JSON (application/json, application/*+json)."""
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _not_json(e: dict[str, Any]) -> str:
    loc = tuple(e.get("loc", ()))
    at = f" at character {loc[-1]}" if loc and isinstance(loc[-1], int) else ""
    why = str((e.get("ctx") or {}).get("error", "")).strip()
    return f"The body is not JSON{at}{f' ({why})' if why else ''}."


def _scenario_routes(app: FastAPI, limits: Limits) -> None:
    @app.get("/api/limits", summary="What one request may ask for")
    def get_limits() -> dict[str, int]:
        return {"agents": limits.agents, "steps": limits.steps, "runs": limits.runs,
                "upload": limits.upload, "jobs": limits.jobs}  # fmt: skip

    @app.get("/api/schema", summary="The scenario schema (JSON Schema, with units)")
    def schema() -> dict[str, Any]:
        return Scenario.model_json_schema()

    @app.get("/api/scenarios", summary="The built-in scenarios' names")
    def scenarios() -> list[str]:
        return builtin_names()

    @app.get("/api/templates", summary="Starting points for a field of one's own (no history in them)")
    def templates() -> list[dict[str, str]]:
        out = []
        for name in template_names():
            field = load_template(name)
            out.append({"name": name, "title": field.title, "description": field.description})
        return out

    @app.get("/api/templates/{name}", summary="A template's fields")
    def template(name: Annotated[str, PathParam(max_length=200)]) -> dict[str, Any]:
        if name not in template_names():
            raise Refused(404, f"template: no template '{name}' (templates: {', '.join(template_names())})")
        return load_template(name).model_dump(mode="json")

    @app.get("/api/outcomes", summary="What each outcome is called and means, in plain words")
    def outcomes() -> dict[str, dict[str, Any]]:
        return glossary()

    @app.get("/api/scenarios/{name}", summary="A built-in scenario's fields")
    def scenario(name: Annotated[str, PathParam(max_length=200)]) -> dict[str, Any]:
        if name not in builtin_names():
            raise Refused(404, f"scenario: no built-in '{name}' (built-ins: {', '.join(builtin_names())})")
        return validate(parse(builtin_text(name), name), name).model_dump(mode="json")

    @app.post("/api/scenario/check", summary="Check a scenario: every field's problem, its size")
    def check(body: ScenarioBody) -> dict[str, Any]:
        field = scenario_from(body.scenario)
        check_size(field, None, limits)
        return {"ok": True, "agents": agents_in(field), "steps": field.steps, "strategies": list(field.strategies)}

    @app.post("/api/scenario/toml", summary="A scenario as a TOML file", response_class=PlainTextResponse)
    def as_toml(body: ScenarioBody) -> PlainTextResponse:
        field = scenario_from(body.scenario)
        return PlainTextResponse(
            to_toml(field),
            media_type="application/toml",
            headers={"Content-Disposition": f'attachment; filename="{_safe(field.name)}.toml"'},
        )

    @app.post("/api/scenario/parse", summary="Read a TOML file's scenario into fields")
    def from_toml(body: TomlBody) -> dict[str, Any]:
        return scenario_from_toml(body.text)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name)[:100] or "scenario"


def _job_routes(app: FastAPI, board: JobBoard, store: Path, limits: Limits) -> None:
    @app.post("/api/runs", status_code=202, summary="Start one run of a strategy (a background job)")
    def start_run(body: RunBody) -> dict[str, Any]:
        field = scenario_from(body.scenario)
        strategy = body.strategy or field.default_strategy
        if strategy not in field.strategies:
            raise Refused(
                422,
                f"strategy: '{strategy}' is not one of {', '.join(field.strategies)}",
                [{"field": "strategy", "message": "not a strategy of the scenario"}],
            )
        check_size(field, body.steps, limits)
        spec = run_spec(field, strategy, body.seed, body.steps)
        name = spec_name("run", field.name, spec)
        total = body.steps or field.steps
        job = board.start("run", name, total, work.run_job,
                          (body.scenario, str(store), strategy, body.seed, body.steps))  # fmt: skip
        return job.view() | {"columns": _columns(field)}

    @app.post("/api/weighs", status_code=202, summary="Start a weigh of every strategy (a background job)")
    def start_weigh(body: WeighBody) -> dict[str, Any]:
        field = scenario_from(body.scenario)
        runs = len(field.strategies) * body.samples * body.replications
        check_size(field, body.steps, limits, runs)
        settings = WeighSettings(samples=body.samples, replications=body.replications, seed=body.seed, steps=body.steps)
        name = experiment_name(field, settings)
        job = board.start(
            "weigh",
            name,
            runs,
            work.weigh_job,
            (body.scenario, str(store), body.samples, body.replications, body.seed, body.steps),
        )
        return job.view()

    @app.get("/api/jobs/{job_id}", summary="A job's progress (and a run's rows since the page's last look)")
    def job(job_id: JobId, since: Annotated[int, Query(ge=0, le=10**7)] = 0) -> dict[str, Any]:
        return board.get(job_id).view(since)

    @app.post("/api/jobs/{job_id}/cancel", summary="Cancel a job (a weigh keeps its finished runs)")
    def cancel(job_id: JobId) -> dict[str, Any]:
        return board.cancel(job_id).view()


def _columns(field: Scenario) -> list[str]:
    from lever.sim.engine import observed_columns

    return observed_columns(field)


def _store_routes(app: FastAPI, store: Path) -> None:
    @app.get("/api/experiments", summary="Every experiment in the results store")
    def experiments() -> list[dict[str, Any]]:
        return listing(store)

    @app.get("/api/experiments/{name}", summary="One experiment: settings, status, summary, ranking, files")
    def experiment(name: Name) -> dict[str, Any]:
        return reading.view(store, name)

    @app.get("/api/experiments/{name}/files/{file}", summary="One of an experiment's files (a fixed list)",
             response_class=FileResponse)  # fmt: skip
    def experiment_file(name: Name, file: reading.FileName) -> FileResponse:
        path = reading.file_path(store, name, file)
        return FileResponse(
            path, filename=file, content_disposition_type="inline" if file.endswith((".png", ".html")) else "attachment"
        )


def _json_error(message: str) -> bytes:
    return json.dumps({"detail": message, "errors": []}).encode()


async def _reply(send: Any, status: int, message: str) -> None:
    body = _json_error(message)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse a request body over ``limit`` bytes (413, one line) before the app reads it:
    the body is read here, up to the limit, and handed on whole."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers", [])).get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self.limit:
            return await self._too_large(send, int(declared))
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return None  # the client went away
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.limit:
                return await self._too_large(send, len(body))
        sent = False

        async def replay() -> dict:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return await self.app(scope, replay, send)

    async def _too_large(self, send: Any, size: int) -> None:
        await _reply(send, 413, f"request body: {size:,} bytes or more; this server takes at most "
                     f"{self.limit:,} (lever serve --max-upload)")  # fmt: skip


class TokenGate:
    """With a token, every ``/api`` request must carry it; the page's own files are public
    (they hold no data, and a browser fetches them without headers)."""

    def __init__(self, app: Any, token: str | None) -> None:
        self.app, self.token = app, token

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if self.token is None or scope["type"] != "http" or not scope["path"].startswith("/api"):
            return await self.app(scope, receive, send)
        # compared as bytes: a header or a query of any bytes is a wrong token (401), never a 500
        expected = self.token.encode()
        given = dict(scope.get("headers", [])).get(b"x-lever-token", b"")
        pairs = (p.partition(b"=") for p in scope.get("query_string", b"").split(b"&"))
        query = next((unquote_to_bytes(value) for key, _, value in pairs if key == b"token"), b"")
        if secrets.compare_digest(given, expected) or secrets.compare_digest(query, expected):
            return await self.app(scope, receive, send)
        return await _reply(
            send, 401, "token: missing or wrong (open the address lever serve printed, with its ?token=)"
        )
