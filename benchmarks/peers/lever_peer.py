"""Lever's classic Deffuant and voter models (run with the project's own venv)."""

from __future__ import annotations

import time

import numpy as np
from common import args, measure, report, rss_mb

from lever.classic import Deffuant, Voter, barabasi_albert, from_edge_list

#: seconds of sweeps before the measured ones (see :func:`warm_up`)
WARM_SECONDS = 0.3


def warm_up(unit) -> None:
    """The measured unit of work, on the measured network, for at least four calls and
    ``WARM_SECONDS``, as the other peers take a first step: the kernels are loaded, Numba's
    threads started, and the choice between all threads and one
    (``lever.kernels.threads.PathChoice``, one per size of network and of call) has tried both
    ways on calls of the measured size and settled. Measured with one core kept busy, 8 pairs
    of 1-second windows in ABBA order, all threads over one thread: after three one-sweep
    calls of warm-up 0.993 (all below 1), after 0.3 s 1.002 (0.995-1.010): a cost early in
    the process, not in the steady state. Idle, a warm-up of one-sweep calls alone left the
    choice on one thread for the measured twenty-sweep calls in 3 of 5 repetitions (a short
    call pays the parallel region's start for few updates), hence the measured unit here."""
    start = time.perf_counter()
    calls = 0
    while calls < 4 or time.perf_counter() - start < WARM_SECONDS:
        unit()
        calls += 1


def main() -> None:
    a = args()
    # compile (or load the cache) on a small graph before anything is measured
    small = barabasi_albert(100, 5, np.random.default_rng(0))
    Deffuant(small, bound=0.3, mu=0.5, rng=0, record=False).run(2)
    Voter(small, rho=0.5, rng=0, record=False).run(2)
    base = rss_mb()
    net = from_edge_list(a.edges)
    n = net.n
    rng = np.random.default_rng(a.seed)
    sweeps = max(1, 2_000_000 // n)
    if a.model == "deffuant":
        m = Deffuant(net, bound=0.3, mu=0.5, rng=rng, record=False)

        def unit():
            m.run(sweeps)
            return sweeps * n
    else:
        state = {"m": Voter(net, rho=0.5, rng=rng, record=False)}

        def unit():
            m = state["m"]
            before = m.time
            m.run(sweeps)
            if m.consensus:  # absorbed: count only this call's updates up to consensus, start afresh
                state["m"] = Voter(net, rho=0.5, rng=rng, record=False)
                return int(round((m.consensus_time - before) * n))
            return sweeps * n

    warm_up(unit)
    updates, el = measure(unit, a.seconds)
    report(updates, el, base, n=n)


if __name__ == "__main__":
    main()
