"""A live ``lever serve`` on the loopback address, and a real Chromium to drive its page."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from lever.model.loading import load, with_values
from lever.model.scenario import Scenario
from lever.web.work import HOLD

#: Debian's browsers, in the order tried; bin/test installs the first when none is there.
BROWSERS = ("chromium-headless-shell", "chromium")
#: Seconds a server may take to say where it listens (a cold Numba cache does not delay it).
START_SECONDS = 60


def small_field(**values: float) -> Scenario:
    """britain-1933 shrunk to about 400 agents and 12 weeks: a run takes a blink."""
    base = {"organizations.labour.size": 600.0, "organizations.ilp.size": 200.0, "organizations.cpgb.size": 150.0,
            "organizations.group.size": 10.0, "unorganized.size": 500.0, "horizon_weeks": 12.0}  # fmt: skip
    return with_values(load("britain-1933"), base | values)


class Server:
    """``lever serve`` in a child process, stopped at the end."""

    def __init__(self, store: Path, *args: str, env: dict[str, str] | None = None) -> None:
        code = "from lever.cli.main import main; main()"
        self.process = subprocess.Popen([sys.executable, "-c", code, "serve", "--port", "0", "--store", str(store), *args],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True, env={**os.environ, **(env or {})})  # fmt: skip
        line = self.process.stdout.readline()  # the address, once the socket is bound
        found = re.search(r"http://\S+", line)
        if not found:
            self.stop()
            raise RuntimeError(f"lever serve did not start: {line}{self.process.stdout.read()[:2000]}")
        self.url = found.group(0).rstrip("/")
        # what it writes after (warnings, a traceback) is read as it comes, into ``log``: a pipe
        # nobody reads fills up and stops the server at its next write
        self.log: list[str] = []
        self._reader = threading.Thread(target=self.log.extend, args=(self.process.stdout,), daemon=True)
        self._reader.start()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the server and any job it started
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if hasattr(self, "_reader"):
            self._reader.join(timeout=20)
        self.process.stdout.close()


#: The page's server for the tests: small limits, so that a test can meet them.
LIMITS = ("--max-agents", "5000", "--max-runs", "40")


@pytest.fixture(scope="session")
def store(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("store")


@pytest.fixture(scope="session")
def hold_file(store) -> Path:
    """While this file exists, the server's weighs wait after each finished world
    (``lever.web.work.HOLD``)."""
    return store.parent / f"{store.name}.hold"


@pytest.fixture
def held(hold_file):
    """``with held():`` the server's weighs wait after each finished world until the block ends:
    a test of cancelling starts its weigh and cancels inside, so the weigh cannot end before the
    cancel lands, however slow the machine."""

    @contextmanager
    def holding() -> Iterator[None]:
        hold_file.touch()
        try:
            yield
        finally:
            hold_file.unlink(missing_ok=True)

    return holding


@pytest.fixture(scope="session")
def server(store, hold_file) -> Iterator[Server]:
    """One server for the page's tests (a start costs seconds): a test finds in its store what
    the others made, so it looks for its own experiments by name."""
    running = Server(store, *LIMITS, env={HOLD: str(hold_file)})
    yield running
    running.stop()


def browser_path() -> str:
    for name in BROWSERS:
        if path := shutil.which(name):
            return path
    pytest.fail(f"no Chromium here ({' or '.join(BROWSERS)}); bin/test installs Debian's chromium-headless-shell")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=browser_path(), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory) -> Path:
    """Where the page's tests put their screenshots: ``$LEVER_SCREENSHOTS`` when set (docs/screenshots/
    holds the ones the README shows), else a temporary folder."""
    folder = Path(os.environ.get("LEVER_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
