"""The page's jobs in their child process: the hold a test of cancelling puts on a weigh."""

from __future__ import annotations

import queue
import threading

from lever.web.work import HOLD, _progress


def _reported_in_a_thread(reports: queue.Queue, done: int) -> threading.Thread:
    """``report(done, 10)`` in a thread of its own, once its report is sent."""
    started = threading.Thread(target=lambda: _progress(reports)("runs").__enter__()(done, 10), daemon=True)
    started.start()
    assert reports.get(timeout=120) == ("progress", done, 10)  # sent before any hold
    return started


def test_a_weigh_waits_after_its_first_progress_while_the_hold_file_exists(tmp_path, monkeypatch):
    """Held at 1 done while the file exists, and let go once it is gone; never held at 0 done."""
    hold = tmp_path / "hold"
    hold.touch()
    monkeypatch.setenv(HOLD, str(hold))
    reports: queue.Queue = queue.Queue()
    start = _reported_in_a_thread(reports, 0)
    start.join(timeout=120)
    assert not start.is_alive()
    held = _reported_in_a_thread(reports, 1)
    held.join(timeout=0.5)
    assert held.is_alive()
    hold.unlink()
    held.join(timeout=120)
    assert not held.is_alive()


def test_no_hold_without_the_variable(monkeypatch, tmp_path):
    (tmp_path / "hold").touch()
    monkeypatch.delenv(HOLD, raising=False)
    reports: queue.Queue = queue.Queue()
    free = _reported_in_a_thread(reports, 1)
    free.join(timeout=120)
    assert not free.is_alive()
