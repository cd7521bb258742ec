"""``lever serve``: loopback by default, a token off it, and the token enforced."""

from __future__ import annotations

import httpx
import pytest
from typer.testing import CliRunner

from lever.cli.main import app
from lever.web.limits import BindRefused, check_bind, is_loopback
from tests.web.conftest import Server


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "::"])
def test_a_non_loopback_bind_without_a_token_is_refused(host, tmp_path):
    result = CliRunner().invoke(app, ["serve", "--host", host, "--store", str(tmp_path)])
    assert result.exit_code == 2
    assert f"--host: {host} is reachable from other machines, so the page needs a --token" in " ".join(
        result.output.split()
    )


def test_a_short_token_is_refused():
    with pytest.raises(BindRefused, match="at least 16 characters"):
        check_bind("0.0.0.0", "short")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.5.0.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("example.org", False),
    ],
)
def test_loopback_is_this_machine_only(host, loopback):
    assert is_loopback(host) is loopback


def test_with_a_token_every_api_request_must_carry_it(tmp_path):
    token = "a-token-of-twenty-chars"
    server = Server(tmp_path, "--token", token)
    try:
        assert server.url.endswith(f"/?token={token}")  # printed at start
        base = server.url.split("/?")[0]
        assert httpx.get(base + "/api/limits").status_code == 401
        assert httpx.get(base + "/api/limits", headers={"X-Lever-Token": "wrong-token-of-twenty"}).status_code == 401
        assert httpx.get(base + "/api/limits", headers={"X-Lever-Token": token}).status_code == 200
        assert httpx.get(base + "/api/limits", params={"token": token}).status_code == 200
        assert httpx.get(base + "/").status_code == 200  # the page's own files hold no data
    finally:
        server.stop()


def test_a_killed_server_leaves_no_job_computing(tmp_path):
    """SIGKILL runs none of the server's cleanup: its weigh's process must see its parent gone
    and end by itself (within 10 s, as the command line's workers do)."""
    import os
    import signal
    import time

    import httpx
    import psutil

    from tests.web.conftest import Server, small_field

    server = Server(tmp_path / "store")
    try:
        field = small_field().model_dump(mode="json")
        started = httpx.post(f"{server.url}/api/weighs", json={"scenario": field, "samples": 6, "steps": 1500},
                             timeout=60).json()  # fmt: skip
        deadline = time.monotonic() + 120
        while not (jobs := psutil.Process(server.process.pid).children(recursive=True)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert jobs, started
        os.kill(server.process.pid, signal.SIGKILL)
        gone, alive = psutil.wait_procs(jobs, timeout=10)
        assert alive == [], f"{len(alive)} of {len(jobs)} job processes still running 10 s after the server died"
    finally:
        server.stop()


def _status(url: str, head: bytes) -> int:
    """The status of one request of exactly these bytes (request line and headers)."""
    import socket

    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head + b"\r\n")
        return int(sock.makefile("rb").readline().split()[1])


def test_a_server_log_is_read_as_it_comes(tmp_path):
    """The server's output is drained as it comes: more warnings than a pipe holds (64 KiB)
    leave it answering, and every one is kept in ``log``."""
    server = Server(tmp_path)
    try:
        for _ in range(2000):  # "Invalid HTTP request received." each: about 80 KiB of warnings
            assert _status(server.url, b"GET /api/limits HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n") == 400
        assert _status(server.url, b"GET /api/limits HTTP/1.1\r\nHost: x\r\n") == 200
    finally:
        server.stop()
    assert sum("Invalid HTTP request received." in line for line in server.log) == 2000
