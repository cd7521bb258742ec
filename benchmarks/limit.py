"""The machine's limit on random reads, and Lever's Deffuant rate beside it.

    python benchmarks/limit.py SIZE READS DEFFUANT_NODES

Independent reads: a gather of READS random indices from a float64 array of SIZE elements
(NumPy fancy indexing, and a compiled loop). Dependent reads: pointer chasing READS steps
round one random cycle through SIZE int32 slots (each load's address is the previous load's
value). Then Lever's classic Deffuant on a Barabási-Albert graph (m = 5) of DEFFUANT_NODES.
"""

from __future__ import annotations

import json
import sys
import time

import numba as nb
import numpy as np

from lever.classic import Deffuant, barabasi_albert


@nb.njit(cache=True)
def _gather(a, idx):
    s = 0.0
    for k in range(idx.shape[0]):
        s += a[idx[k]]
    return s


@nb.njit(cache=True)
def _cycle(n, seed):
    """Sattolo's algorithm: a uniformly random single cycle through all n slots."""
    np.random.seed(seed)
    p = np.arange(n).astype(np.int32)
    for i in range(n - 1, 0, -1):
        j = np.random.randint(0, i)
        p[i], p[j] = p[j], p[i]
    return p


@nb.njit(cache=True)
def _chase(p, steps):
    x = 0
    for _ in range(steps):
        x = p[x]
    return x


def best(f, reps=3):
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        out.append(time.perf_counter() - t)
    return min(out)


def main() -> None:
    size, reads, dn = (int(float(x)) for x in sys.argv[1:4])
    rng = np.random.default_rng(0)
    a = rng.random(size)
    idx = rng.integers(0, size, reads)
    _gather(a[:10], idx[:10] % 10)
    t_np = best(lambda: a[idx])
    t_nb = best(lambda: _gather(a, idx))
    a = None  # free the array (a del would leave the closures above naming an unbound variable)
    p = _cycle(size, 1)
    _chase(p, 10)
    t_chase = best(lambda: _chase(p, reads), 2)
    p = idx = None  # free them, as above
    net = barabasi_albert(dn, 5, rng)
    m = Deffuant(net, bound=0.3, mu=0.5, rng=1, record=False)
    m.run(1)  # compile or load; the graph's first sweep
    sweeps = max(1, 20_000_000 // dn)
    t_d = best(lambda: m.run(sweeps), 2)
    print(
        json.dumps(
            {
                "size": size,
                "reads": reads,
                "gather_numpy_per_s": reads / t_np,
                "gather_loop_per_s": reads / t_nb,
                "chase_per_s": reads / t_chase,
                "deffuant_nodes": dn,
                "deffuant_per_s": sweeps * dn / t_d,
            }
        )
    )


if __name__ == "__main__":
    main()
