"""The CI fuzz corpus's shared rules and its count.

Every generated case (a scenario file, a command line, a request) runs within ``LIMIT_S``
(:func:`bounded`: past it the case fails as a hang) and is counted by its outcome's class
(:func:`record`). The count is printed at the end of the session (tests/conftest.py) and
written as JSON where ``$LEVER_FUZZ_COUNTS`` says; tests/test_fuzz_corpus.py checks, when the
whole corpus ran, that it held at least ``MINIMUM`` cases and no traceback, hang or server error.
"""

from __future__ import annotations

import faulthandler
import json
import signal
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: every case finishes within this many seconds, or fails as a hang
LIMIT_S = 30.0
#: a case still running this long (stuck in compiled code, where the alarm cannot reach it)
#: ends the whole session, printing every thread's stack
WATCHDOG_S = 300.0
#: the corpus holds at least this many cases (issue 27)
MINIMUM = 2_000
#: the test modules whose tests marked ``fuzz_corpus`` make up the corpus
MODULES = ("cli/test_fuzz.py", "model/test_schema_runs.py", "web/test_api_fuzz.py")
#: outcomes that are failures: counted (so that the table shows them as 0), then failed
TRACEBACK, HANG, SERVER_ERROR = "traceback", "hang (over 30 s)", "server error (5xx)"
FAILURES = (TRACEBACK, HANG, SERVER_ERROR)

#: the test that checks the corpus's count (tests/test_fuzz_corpus.py; run last)
CHECK = "test_the_fuzz_corpus_holds_2000_cases_and_no_traceback_hang_or_server_error"

#: (corpus, class) -> cases, over the session
COUNTS: Counter[tuple[str, str]] = Counter()
#: tests of the corpus left out of this session (-k, -m): then its count is not the corpus's
DESELECTED: list[str] = []


def record(corpus: str, outcome: str) -> str:
    """Count one case of ``corpus`` as ``outcome``; return the outcome."""
    COUNTS[(corpus, outcome)] += 1
    return outcome


class Hang(BaseException):
    """A case ran past ``LIMIT_S``. A BaseException, so that no ``except Exception`` on its way
    (CliRunner catches those) takes it for the command's own error."""


@contextmanager
def bounded(corpus: str) -> Iterator[None]:
    """Run one case within ``LIMIT_S``: past it, the case is counted as a hang and fails.

    The alarm interrupts Python code; compiled code (a Numba kernel) sees it only when it
    returns, so a watchdog thread also ends the whole session after ``WATCHDOG_S``, with
    every thread's stack: a hang never stalls CI."""

    def alarm(_signum: int, _frame: object) -> None:
        record(corpus, HANG)
        raise Hang(f"{corpus}: a case ran past {LIMIT_S:.0f} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, LIMIT_S)
    faulthandler.dump_traceback_later(WATCHDOG_S, exit=True)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        faulthandler.cancel_dump_traceback_later()


def table() -> list[str]:
    """The counts as lines: per corpus, its classes, then the total."""
    lines = [f"{'corpus':<14} {'class':<58} {'cases':>6}"]
    corpora = sorted({c for c, _ in COUNTS})
    for corpus in corpora:
        classes = {o: n for (c, o), n in COUNTS.items() if c == corpus}
        for outcome in sorted(classes, key=lambda o: (-classes[o], o)):
            lines.append(f"{corpus:<14} {outcome:<58} {classes[outcome]:>6,}")
    for failure in FAILURES:
        lines.append(f"{'(all)':<14} {failure:<58} {sum(n for (_, o), n in COUNTS.items() if o == failure):>6,}")
    lines.append(f"{'(all)':<14} {'total':<58} {sum(COUNTS.values()):>6,}")
    return lines


def write(path: Path) -> None:
    counts: dict[str, dict[str, int]] = {}
    for (corpus, outcome), n in sorted(COUNTS.items()):
        counts.setdefault(corpus, {})[outcome] = n
    path.write_text(json.dumps({"total": sum(COUNTS.values()), "counts": counts}, indent=1) + "\n")
