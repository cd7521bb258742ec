"""Lever's classic Deffuant and voter models (run with the project's own venv)."""

from __future__ import annotations

from common import args, measure, report, rss_mb

from lever.classic import Deffuant, Voter, barabasi_albert, from_edge_list
import numpy as np


def warm_up(model) -> None:
    """Three sweeps on the measured network, one call each, as the other peers' first step:
    the kernels are loaded, Numba's threads started, and the choice between all threads and
    one (``lever.classic.pairs.PathChoice``) has tried both ways once."""
    for _ in range(3):
        model.run(1)


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
        warm_up(m)

        def unit():
            m.run(sweeps)
            return sweeps * n
    else:
        state = {"m": Voter(net, rho=0.5, rng=rng, record=False)}
        warm_up(state["m"])

        def unit():
            m = state["m"]
            before = m.time
            m.run(sweeps)
            if m.consensus:  # absorbed: count only this call's updates up to consensus, start afresh
                state["m"] = Voter(net, rho=0.5, rng=rng, record=False)
                return int(round((m.consensus_time - before) * n))
            return sweeps * n
    updates, el = measure(unit, a.seconds)
    report(updates, el, base, n=n)


if __name__ == "__main__":
    main()
