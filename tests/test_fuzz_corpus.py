"""The CI fuzz corpus as a whole (issue 27): at least 2,000 generated cases, none ending in a
traceback, a hang (30 s a case) or a server error. Run last (tests/conftest.py), and only
where every test of the corpus ran: ``./bin/test -m fuzz_corpus`` runs just the corpus and
prints its cases by class."""

from __future__ import annotations

import fuzzing
import pytest


@pytest.mark.fuzz_corpus
def test_the_fuzz_corpus_holds_2000_cases_and_no_traceback_hang_or_server_error(request):
    session = request.session
    ran = {item.nodeid.split("::")[0] for item in session.items if item.get_closest_marker("fuzz_corpus")}
    missing = [m for m in fuzzing.MODULES if f"tests/{m}" not in ran]
    if missing or fuzzing.DESELECTED:
        pytest.skip(f"only part of the fuzz corpus ran (left out: {', '.join(missing + fuzzing.DESELECTED)})")
    if session.testsfailed:
        pytest.skip("a test failed before: the corpus's count would be short for that")
    total = sum(fuzzing.COUNTS.values())
    failures = {f: sum(n for (_, o), n in fuzzing.COUNTS.items() if o == f) for f in fuzzing.FAILURES}
    table = "\n".join(fuzzing.table())
    assert failures == dict.fromkeys(fuzzing.FAILURES, 0), table
    assert total >= fuzzing.MINIMUM, f"the fuzz corpus held {total:,} cases, fewer than {fuzzing.MINIMUM:,}\n{table}"
