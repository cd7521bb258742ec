"""``lever serve``: the local page, on this machine only unless told otherwise."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lever.cli.common import fail
from lever.store import DEFAULT_STORE
from lever.web.limits import BindRefused, Limits, check_bind


def serve(
    host: Annotated[
        str, typer.Option(help="address to listen on (another than 127.0.0.1 needs --token)")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="port (0: any free one)")] = 8000,
    store: Annotated[
        Path | None, typer.Option("--store", help=f"results store folder (default: {DEFAULT_STORE})")
    ] = None,
    token: Annotated[
        str | None, typer.Option(help="a secret every request must carry (needed off this machine)")
    ] = None,
    max_agents: Annotated[int, typer.Option(min=1, max=100_000_000, help="agents in one field")] = Limits.agents,
    max_steps: Annotated[int, typer.Option(min=1, max=100_000, help="steps in one run")] = Limits.steps,
    max_runs: Annotated[int, typer.Option(min=1, max=1_000_000, help="runs in one weigh")] = Limits.runs,
    max_upload: Annotated[int, typer.Option(min=1024, max=1 << 30, help="bytes in one request")] = Limits.upload,
    max_jobs: Annotated[int, typer.Option(min=1, max=64, help="runs and weighs at once")] = Limits.jobs,
) -> None:
    """Start the page: build a field, run it and weigh it in a browser; it reads and writes
    the same results store as every command."""

    try:
        check_bind(host, token)
    except BindRefused as err:
        raise fail(str(err)) from None
    try:
        import uvicorn

        from lever.web.app import make_app
    except ImportError as err:
        raise fail(f"the page needs its extra: pip install 'lever-abm[serve]' ({err})") from None
    root = (store or DEFAULT_STORE).expanduser()
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise fail(f"--store: cannot use {root}: {err.strerror or err}") from None
    limits = Limits(max_agents, max_steps, max_runs, max_upload, max_jobs)
    config = uvicorn.Config(make_app(root, limits, token), host=host, port=port, log_level="warning")
    server = uvicorn.Server(config)
    _announce(server, host, token, root)
    server.run()


def _announce(server, host: str, token: str | None, root: Path) -> None:  # noqa: ANN001
    """Print the address once the socket is bound (the port may have been 0: any free one)."""
    started = server.startup

    async def startup(sockets=None) -> None:  # noqa: ANN001
        await started(sockets=sockets)
        for s in server.servers:
            for sock in s.sockets:
                port = sock.getsockname()[1]
                shown = f"[{host}]" if ":" in host else host
                query = f"/?token={token}" if token else "/"
                print(f"Lever's page: http://{shown}:{port}{query}  (store: {root}; Ctrl-C stops)", flush=True)
                return

    server.startup = startup
