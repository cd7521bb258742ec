"""Run many tasks through a process pool or Dask and stream every result to a sink.

The driver keeps a bounded number of runs in flight (so its memory does not grow with the
sweep), hands each finished run to a sink (the store, or a list for a small in-memory sweep)
and reports progress. A run that raises is data when ``catch`` is set: its error is kept
beside its task. Workers ignore Ctrl-C (the driver stops them) and exit on their own within
a second when the driver dies, whatever killed it.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import pickle
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, Self, cast

import numpy as np

from lever.experiments.tasks import TRACKED
from lever.model.scenario import Scenario
from lever.store import Experiment, output_rows
from lever.store.outputs import RunTask, TaskOutput

if TYPE_CHECKING:
    from concurrent.futures._base import DoneAndNotDoneFutures

#: Finished runs kept in the driver before they are written, and the longest they wait.
BATCH_RUNS = int(os.environ.get("LEVER_BATCH_RUNS", "256"))
BATCH_SECONDS = float(os.environ.get("LEVER_BATCH_SECONDS", "2"))
#: A pool whose worker process died is started again at most this many times per sweep.
RESTARTS = 3

_context: tuple[Scenario, int | None] | None = None
_context_key = -1
#: numbers the fields and steps a driver sends its workers (see :func:`_attempt_here`)
_CONTEXTS = itertools.count()


class Tasks(Protocol):
    """What a sweep reads of its tasks: how many, and each by its number (a list, or an
    exploration that makes each task when asked)."""

    def __len__(self) -> int: ...

    def __getitem__(self, i: int, /) -> RunTask: ...


def attempt_world(scenario: Scenario, steps: int | None, tasks: Sequence[RunTask], catch: bool) -> list[TaskOutput]:
    """Run the tasks of one world in turn (they share its build and its twin)."""
    return [attempt(scenario, steps, task, catch) for task in tasks]


def attempt(scenario: Scenario, steps: int | None, task: RunTask, catch: bool) -> TaskOutput:
    """Run one task (weigh's, or any that knows how to run itself: calibration's probes);
    with ``catch``, an exception becomes a failed output naming it."""
    if not catch:
        return task.run(scenario, steps)
    try:
        return task.run(scenario, steps)
    except Exception as err:  # noqa: BLE001 (a failing run is data: the sweep goes on)
        return TaskOutput.failed(task, f"{type(err).__name__}: {err}")


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:  # the driver died (even by SIGKILL): leave no orphan
            os._exit(1)


def watch_parent(parent: int) -> None:
    """End this process within a second of ``parent``'s death, whatever killed it (a thread)."""
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _init_worker(parent: int, key: int, pickled: bytes | None) -> None:
    global _context, _context_key
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver decides what Ctrl-C stops
    if pickled is not None:  # the pool's own field (none for a pool kept to be lent)
        _context, _context_key = pickle.loads(pickled), key
    watch_parent(parent)


def _attempt_here(context: tuple[int, bytes | None], tasks: Sequence[RunTask], catch: bool) -> list[TaskOutput]:
    """Run a world's tasks in the field and steps of ``context`` (its number, and pickled
    unless it is the pool's own, which each worker was started with): read only when it
    differs from the last this worker was given."""
    global _context, _context_key
    key, pickled = context
    if key != _context_key:
        assert pickled is not None, "a field this worker was never given"
        _context, _context_key = pickle.loads(pickled), key
    assert _context is not None
    return attempt_world(*_context, tasks, catch)


class ExecutorError(RuntimeError):
    """An executor that cannot be used (a scheduler out of reach), said in one line."""


class Pool(Protocol):
    """What the driver needs from an executor; ``window`` worlds are kept in flight. A
    submission is the tasks of one world; its future's result is their outputs in order."""

    window: int

    def submit(self, tasks: Sequence[RunTask]) -> Any: ...
    def wait(self, futures: Sequence[Any]) -> Sequence[Any]: ...
    def restart(self) -> None: ...
    def stop(self) -> None: ...
    def __enter__(self) -> Pool: ...
    def __exit__(self, *exc: object) -> None: ...


class _Stopped:
    """A pool is a context manager: leaving the block stops it, however the block ends."""

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class InProcess(_Stopped):
    """Runs each task when submitted, in the driver itself."""

    def __init__(self, scenario: Scenario, steps: int | None, catch: bool) -> None:
        self.args = (scenario, steps)
        self.catch = catch

    window = 1

    def submit(self, tasks: Sequence[RunTask]) -> Future:
        fut: Future = Future()
        fut.set_result(attempt_world(*self.args, tasks, self.catch))
        return fut

    def wait(self, futures: Sequence[Future]) -> Sequence[Future]:
        return list(futures)

    def restart(self) -> None:
        pass

    def stop(self) -> None:
        pass


class LocalPool(_Stopped):
    """``jobs`` spawned worker processes, each started with the pool's field. A pool kept across
    sweeps (:meth:`kept`: the theses' looks, a calibration's waves) has none of its own and
    serves each sweep in turn through :meth:`lend`: that sweep's field goes with each world it
    hands out (pickled once; a worker reads it when it changes), so the workers start and warm
    up once."""

    def __init__(self, scenario: Scenario | None, steps: int | None, jobs: int, catch: bool) -> None:
        self.jobs, self.catch = jobs, catch
        self.window = 2 * jobs
        self.own = None if scenario is None else self.context_of(scenario, steps)
        self.pool = self._start()

    @classmethod
    def kept(cls, jobs: int) -> LocalPool:
        """Workers kept for many sweeps, each lent them in turn (:meth:`lend`)."""
        return cls(None, None, jobs, catch=True)

    @staticmethod
    def context_of(scenario: Scenario, steps: int | None) -> tuple[int, bytes]:
        return next(_CONTEXTS), pickle.dumps((scenario, steps), protocol=pickle.HIGHEST_PROTOCOL)

    def _start(self) -> ProcessPoolExecutor:
        key, pickled = self.own or (-1, None)
        return ProcessPoolExecutor(max_workers=self.jobs, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker, initargs=(os.getpid(), key, pickled))  # fmt: skip

    def lend(self, scenario: Scenario, steps: int | None, catch: bool) -> Pool:
        """These workers, for one sweep of ``scenario``: leaving it does not stop them."""
        return _Lent(self, self.context_of(scenario, steps), catch)

    def submit(self, tasks: Sequence[RunTask]) -> Future:
        if self.own is None:
            raise RuntimeError("a kept pool runs only the sweeps it lends itself to (LocalPool.lend)")
        return self.submit_in((self.own[0], None), tasks, self.catch)

    def submit_in(self, context: tuple[int, bytes | None], tasks: Sequence[RunTask], catch: bool) -> Future:
        try:
            with _sigint_held():  # the pool starts a worker inside submit while none is idle
                return self.pool.submit(_attempt_here, context, tasks, catch)
        except BrokenProcessPool as err:  # a worker died since the last wait: the driver restarts on the next
            broken: Future = Future()
            broken.set_exception(err)
            return broken

    def wait(self, futures: Sequence[Future]) -> Sequence[Future]:
        return list(wait(futures, return_when=FIRST_COMPLETED).done)

    def restart(self) -> None:
        self.stop()
        self.pool = self._start()

    def stop(self) -> None:
        processes = list((self.pool._processes or {}).values())  # noqa: SLF001 - no public handle
        for p in processes:
            if p.is_alive():
                p.kill()
        self.pool.shutdown(wait=False, cancel_futures=True)
        for p in processes:
            p.join(5)


class _Lent(_Stopped):
    """A :class:`LocalPool`'s workers lent to one sweep (:meth:`LocalPool.lend`)."""

    def __init__(self, owner: LocalPool, context: tuple[int, bytes | None], catch: bool) -> None:
        self.owner, self.context, self.catch = owner, context, catch
        self.window = owner.window

    def submit(self, tasks: Sequence[RunTask]) -> Future:
        return self.owner.submit_in(self.context, tasks, self.catch)

    def wait(self, futures: Sequence[Future]) -> Sequence[Future]:
        return self.owner.wait(futures)

    def restart(self) -> None:
        self.owner.restart()

    def stop(self) -> None:
        pass  # the owner stops its workers when its own block ends


class ForeignExecutor(_Stopped):
    """Any ``concurrent.futures`` executor the caller owns (it is not shut down here)."""

    def __init__(self, executor: Executor, scenario: Scenario, steps: int | None, catch: bool) -> None:
        self.executor, self.args, self.catch = executor, (scenario, steps), catch

    def submit(self, tasks: Sequence[RunTask]) -> Future:
        return self.executor.submit(attempt_world, *self.args, tasks, self.catch)

    def wait(self, futures: Sequence[Future]) -> Sequence[Future]:
        return list(wait(futures, return_when=FIRST_COMPLETED).done)

    window = 64

    def restart(self) -> None:
        raise BrokenProcessPool("a worker of the given executor died")

    def stop(self) -> None:
        pass  # the caller owns it; the driver cancels what it submitted


class DaskPool(_Stopped):
    """A Dask cluster: a local one of ``jobs`` worker processes, or the scheduler at
    ``address``. The scheduler retries the runs of a worker that dies."""

    def __init__(self, scenario: Scenario, steps: int | None, jobs: int, catch: bool, address: str | None) -> None:
        from distributed import Client, LocalCluster

        self.cluster = None
        if address is None:
            with _sigint_held():  # its workers inherit that: Ctrl-C is the driver's to handle
                # the ignore: distributed annotates dashboard_address as a str; None, as its docs
                # say, serves no dashboard
                self.cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                            dashboard_address=None, silence_logs=50)  # fmt: skip # pyright: ignore[reportArgumentType]
            self.client = Client(self.cluster)
        else:
            try:
                self.client = Client(address, timeout="20s")
            except (OSError, TimeoutError) as err:
                raise ExecutorError(f"--executor: cannot reach the Dask scheduler at {address}: {err}") from None
        self.context = self.client.scatter((scenario, steps), broadcast=True, hash=False)
        self.catch, self.token = catch, uuid.uuid4().hex[:8]
        # a Client made without asynchronous=True answers at once, not with a coroutine
        self.window = max(64, 4 * sum(cast(dict[str, int], self.client.nthreads()).values()))

    def submit(self, tasks: Sequence[RunTask]) -> Any:
        fut = self.client.submit(_attempt_dask, self.context, tasks, self.catch,
                                 key=f"lever-{self.token}-{tasks[0].index}", retries=0)  # fmt: skip
        return fut

    def wait(self, futures: Sequence[Any]) -> Sequence[Any]:
        from distributed import wait as dask_wait

        # outside an event loop wait blocks and returns (done, not_done), not a coroutine
        return list(cast("DoneAndNotDoneFutures", dask_wait(list(futures), return_when="FIRST_COMPLETED")).done)

    def restart(self) -> None:
        raise BrokenProcessPool("the Dask cluster lost a run")

    def stop(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


@contextmanager
def _sigint_held() -> Iterator[list[int]]:
    """Processes started inside never see SIGINT: it is blocked in this thread, and a blocked
    signal stays blocked across fork and exec, so a worker is out of reach of Ctrl-C from its
    first instruction, before its initializer could ignore it (a terminal sends it to the whole
    process group). A Ctrl-C meanwhile is held and delivered when this ends: another thread
    (Rich's progress bar, a Dask client's) may take the signal while this one blocks it, so on
    the main thread its handler only notes it here (in the list it yields), and it is raised
    again on the way out."""
    main = threading.current_thread() is threading.main_thread()
    before = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    noted: list[int] = []
    handler = signal.signal(signal.SIGINT, lambda signum, _frame: noted.append(signum)) if main else None
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        yield noted
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)
        if main:
            # None: a handler set outside Python, which cannot be put back; the default instead
            signal.signal(signal.SIGINT, signal.SIG_DFL if handler is None else handler)
            if noted:
                signal.raise_signal(signal.SIGINT)  # to the handler it had: KeyboardInterrupt, as a rule


def _attempt_dask(context: tuple[Scenario, int | None], tasks: Sequence[RunTask], catch: bool) -> list[TaskOutput]:
    return attempt_world(*context, tasks, catch)


@contextmanager
def kept_pool(jobs: int, executor: str | Executor | LocalPool | None = None) -> Iterator[Any]:
    """What to hand sweep after sweep of one command: one local pool kept for all of them (its
    workers start and warm up once) where each would start its own, else ``executor`` as given
    (in-process for one job, Dask, a caller's)."""
    if executor not in (None, "local") or jobs <= 1:
        yield executor
        return
    with LocalPool.kept(jobs) as pool:
        yield pool


def make_pool(scenario: Scenario, steps: int | None, *, jobs: int, catch: bool,
              executor: str | Executor | LocalPool | None = None) -> Pool:  # fmt: skip
    """``executor``: None or ``"local"`` (in-process for one job, else a process pool),
    ``"dask"`` (a local Dask cluster), ``"dask://HOST:PORT"`` (join a scheduler), a
    :class:`LocalPool` the caller keeps across sweeps, or any ``concurrent.futures`` executor."""
    if isinstance(executor, LocalPool):
        return executor.lend(scenario, steps, catch)
    if isinstance(executor, Executor):
        return ForeignExecutor(executor, scenario, steps, catch)
    if executor in (None, "local"):
        return InProcess(scenario, steps, catch) if jobs == 1 else LocalPool(scenario, steps, jobs, catch)
    if executor == "dask":
        return DaskPool(scenario, steps, jobs, catch, None)
    assert isinstance(executor, str) and executor.startswith("dask://")
    return DaskPool(scenario, steps, jobs, catch, "tcp://" + executor.removeprefix("dask://"))


def execute(
    tasks: Tasks,
    pool: Pool,
    sink: Callable[[TaskOutput], None],
    *,
    todo: Iterator[int],
    catch: bool,
    on_done: Callable[[], None] | None = None,
) -> None:
    """Run the tasks numbered by ``todo``, a world at a time (the tasks of one world go to
    one worker, which builds the world and runs its twin once: :func:`worlds`), at most
    ``pool.window`` worlds at once, handing each output to ``sink``. A worker process that
    dies has its runs started again (``RESTARTS`` times); with ``catch``, a run whose worker
    died every time is recorded as failed."""
    in_flight: dict[Any, list[int]] = {}
    units = worlds(tasks, todo)

    def top_up() -> None:
        while len(in_flight) < pool.window and (unit := next(units, None)) is not None:
            in_flight[pool.submit([tasks[i] for i in unit])] = unit

    try:
        _drain(tasks, pool, sink, in_flight, top_up, catch, on_done)
    except BaseException:
        for fut in in_flight:
            fut.cancel()
        raise


#: Tasks looked at together when gathering the runs of one world (see :func:`worlds`).
WORLD_WINDOW = 4096


def worlds(tasks: Tasks, todo: Iterator[int]) -> Iterator[list[int]]:
    """The indices of ``todo`` gathered by world: tasks whose field differs only in its
    strategies, with the same draw, replication and seed, go to one worker together, which
    builds the world and runs its twin once (:func:`lever.experiments.tasks._world`). A
    thesis whose levels change only a strategy (thesis 7's allocation) shares one twin across
    its levels. Gathered within windows of ``WORLD_WINDOW`` tasks, in order of first
    appearance, so that a sweep of millions is never held whole."""
    while window := list(itertools.islice(todo, WORLD_WINDOW)):
        units: dict[tuple, list[int]] = {}
        for i in window:
            units.setdefault(_world_of(tasks[i]), []).append(i)
        yield from units.values()


def _world_of(task: RunTask) -> tuple:
    """What makes a task's world: its draw, replication and seed, and every value it sets but
    the strategies' (a strategy acts on the world; it does not make it)."""
    shared = sorted((k, repr(v)) for k, v in task.values.items() if not k.startswith("strategies."))
    return task.draw, task.replication, task.seed, tuple(shared)


def _drain(tasks, pool, sink, in_flight, top_up, catch, on_done) -> None:  # noqa: ANN001
    restarts = 0
    top_up()
    while in_flight:
        for fut in pool.wait(list(in_flight)):
            try:
                outs = fut.result()
            except BrokenProcessPool as err:
                restarts += 1
                if restarts > RESTARTS and not catch:
                    raise
                lost = sorted(in_flight.values())
                pool.restart()
                in_flight.clear()
                if restarts > RESTARTS:  # a run that kills its worker every time: record the batch
                    restarts = 0
                    for i in (i for unit in lost for i in unit):
                        sink(TaskOutput.failed(tasks[i], f"BrokenProcessPool: a worker process died ({err})"))
                    break
                in_flight.update({pool.submit([tasks[i] for i in unit]): unit for unit in lost})
                break
            except Exception as err:  # e.g. Dask's KilledWorker: the run's worker died every time
                if not catch:
                    raise
                outs = [TaskOutput.failed(tasks[i], f"{type(err).__name__}: {err}") for i in in_flight[fut]]
            del in_flight[fut]
            for out in outs:
                sink(out)
                if on_done:
                    on_done()
        top_up()


class StoreSink:
    """Streams outputs to an experiment in batches (``BATCH_RUNS`` runs or ``BATCH_SECONDS``)."""

    def __init__(self, experiment: Experiment, tracked: Sequence[str]) -> None:
        self.experiment, self.tracked = experiment, tracked
        self.buffer: list[TaskOutput] = []
        self.ok = self.failed = 0
        self.last = time.monotonic()

    def __call__(self, out: TaskOutput) -> None:
        self.buffer.append(out)
        if out.error:
            self.failed += 1
        else:
            self.ok += 1
        if len(self.buffer) >= BATCH_RUNS or time.monotonic() - self.last >= BATCH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            self.experiment.append(*output_rows(self.buffer, self.tracked))
            self.buffer.clear()
        self.last = time.monotonic()


class Interrupted(Exception):
    """The sweep was stopped (Ctrl-C, SIGTERM); ``kept`` of ``total`` runs are in the store."""

    def __init__(self, kept: int, total: int, where: str = "") -> None:
        super().__init__(f"kept {kept} of {total} runs")
        #: the experiment's folder, where the caller knows it (to say where to resume)
        self.kept, self.total, self.where = kept, total, where


@dataclass(frozen=True)
class Swept:
    """How a sweep into the store ended: ``before`` runs were there already."""

    total: int
    before: int
    ok: int
    failed: int


def sweep(
    tasks: Tasks,
    scenario: Scenario,
    steps: int | None,
    experiment: Experiment,
    *,
    jobs: int = 1,
    executor: str | Executor | LocalPool | None = None,
    on_done: Callable[[int, int], None] | None = None,
) -> Swept:
    """Run every task not yet stored ok, streaming results to ``experiment``; write its
    marker when all are in. Ctrl-C or SIGTERM (as KeyboardInterrupt) stops the workers,
    keeps every finished run and raises :class:`Interrupted`."""
    total = len(tasks)
    todo = np.flatnonzero(~experiment.done(total))
    before = total - len(todo)
    sink = StoreSink(experiment, TRACKED)
    if on_done:
        on_done(before, total)

    def tick() -> None:
        if on_done:
            on_done(before + sink.ok + sink.failed, total)

    try:
        if len(todo):
            with make_pool(scenario, steps, jobs=jobs, catch=True, executor=executor) as pool:
                execute(tasks, pool, sink, todo=(int(i) for i in todo), catch=True, on_done=tick)
    except KeyboardInterrupt:
        raise Interrupted(before + sink.ok + sink.failed, total) from None
    finally:
        sink.flush()
    experiment.finish({"runs": total, "ok": before + sink.ok, "failed": sink.failed})
    return Swept(total, before, before + sink.ok, sink.failed)


@contextmanager
def stoppable() -> Iterator[None]:
    """SIGTERM is handled like Ctrl-C (KeyboardInterrupt) inside the block, so a sweep stopped
    either way keeps its finished runs and stops its workers."""

    def on_term(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)
