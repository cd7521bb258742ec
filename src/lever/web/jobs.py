"""Background jobs of the page: each run or weigh is one child process, watched from here.

A child reports through a queue: ``("row", t, values)`` as a run goes, ``("progress", done,
total)`` as a weigh goes, then ``("done", result)`` or ``("failed", message)``. Cancelling
sends SIGTERM, which the child takes as Ctrl-C: a weigh keeps its finished runs in the store
(rerun it to resume), as ``lever weigh`` does. A process, not a thread, because Numba's
parallel kernels may not be entered from two threads of one process at once, and because a
process can always be stopped.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lever.web.checks import Refused

#: Jobs kept for reading after they end (the oldest finished are forgotten first).
KEPT = 50
_SPAWN = multiprocessing.get_context("spawn")  # safe beside Numba's threads and the server's own


@dataclass
class Job:
    """What the page shows of a job; updated by its watcher thread only."""

    id: str
    kind: str
    experiment: str
    state: str = "running"  # running, done, failed, cancelled
    done: int = 0
    total: int = 0
    rows: list[list[float]] = field(default_factory=list)
    result: dict[str, Any] | None = None
    message: str = ""
    started: float = field(default_factory=time.time)

    def view(self, since: int = 0) -> dict[str, Any]:
        """The job as JSON; ``since`` skips the rows the page already drew."""
        return {"id": self.id, "kind": self.kind, "experiment": self.experiment, "state": self.state,
                "done": self.done, "total": self.total, "since": since, "rows": self.rows[since:],
                "result": self.result, "message": self.message}  # fmt: skip


class JobBoard:
    """At most ``limit`` jobs at once; the rest are refused (HTTP 429) with a clear line."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.jobs: dict[str, Job] = {}
        self.processes: dict[str, Any] = {}
        self.lock = threading.Lock()
        self.counter = itertools.count(1)

    def running(self) -> int:
        return sum(1 for j in self.jobs.values() if j.state == "running")

    def start(self, kind: str, experiment: str, total: int, target: Callable[..., None], args: tuple) -> Job:
        """Start ``target(*args, reports)`` in a child process and watch it."""
        with self.lock:
            if self.running() >= self.limit:
                raise Refused(429, f"{self.limit} jobs are running already (the most at once); "
                              "wait for one to end or cancel it")  # fmt: skip
            if any(j.state == "running" and j.experiment == experiment for j in self.jobs.values()):
                raise Refused(409, f"experiment '{experiment}' is being made by a job already")
            job = Job(f"job{next(self.counter)}", kind, experiment, total=total)
            reports = _SPAWN.Queue()
            process = _SPAWN.Process(target=_child, args=(os.getpid(), target, *args, reports), daemon=True)
            process.start()
            self.jobs[job.id], self.processes[job.id] = job, process
            self._forget_old()
        threading.Thread(target=self._watch, args=(job, process, reports), daemon=True).start()
        return job

    def get(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise Refused(404, f"no job '{job_id}' (jobs are kept while the server runs)")
        return job

    def cancel(self, job_id: str) -> Job:
        job = self.get(job_id)
        process = self.processes.get(job_id)
        if job.state == "running" and process is not None and process.is_alive():
            job.message = "cancelling"
            process.terminate()  # SIGTERM: the child stops as after Ctrl-C
        return job

    def stop_all(self) -> None:
        """End every child (the server is stopping)."""
        for job_id, process in list(self.processes.items()):
            if process.is_alive():
                self.cancel(job_id)
        for process in list(self.processes.values()):
            process.join(timeout=10)
            if process.is_alive():
                process.kill()

    def _forget_old(self) -> None:
        ended = [j for j in self.jobs.values() if j.state != "running"]
        for job in sorted(ended, key=lambda j: j.started)[: max(0, len(self.jobs) - KEPT)]:
            del self.jobs[job.id]
            self.processes.pop(job.id, None)

    def _watch(self, job: Job, process: Any, reports: Any) -> None:
        """Fold the child's reports into ``job`` until it ends."""
        while True:
            try:
                report = reports.get(timeout=0.2)
            except queue.Empty:
                if not process.is_alive():
                    break
                continue
            if _apply(job, report):
                break
        process.join(timeout=30)
        if job.state == "running":  # ended without a word: cancelled, or died
            cancelled = job.message == "cancelling"
            job.state = "cancelled" if cancelled else "failed"
            job.message = ("cancelled; the runs finished are in the store" if cancelled
                           else f"the job's process ended (exit code {process.exitcode})")  # fmt: skip


def _child(server: int, target: Callable[..., None], *args: Any) -> None:
    """A job's process: it ends with the server, however the server ends (a SIGKILL runs no
    cleanup of the server's own), as the command line's workers end with their driver."""
    from lever.experiments.execute import watch_parent

    watch_parent(server)
    target(*args)


def _apply(job: Job, report: tuple) -> bool:
    """One report into the job; whether it was the last."""
    kind = report[0]
    if kind == "row":
        job.rows.append(report[2])
        job.done = report[1]
    elif kind == "progress":
        job.done, job.total = report[1], report[2]
    elif kind == "done":
        job.state, job.result, job.done, job.message = "done", report[1], job.total, ""
        return True
    elif kind == "failed":
        job.state, job.message = ("cancelled" if job.message == "cancelling" else "failed"), report[1]
        return True
    return False
