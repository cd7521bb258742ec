"""SplitMix64 written out in plain Python: the reference for the compiled keyed draws."""

from __future__ import annotations

_M = 2**64


def splitmix64(seed: int, t: int) -> int:
    """Output ``t`` (from 1) of Steele, Lea & Flood's SplitMix64 seeded with ``seed``, as the
    published generator computes it: the state advanced ``t`` times by the golden gamma."""
    z = (seed + t * 0x9E3779B97F4A7C15) % _M
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) % _M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) % _M
    return z ^ (z >> 31)


def splitmix_uniform(seed: int, t: int) -> float:
    """The top 53 bits of that output as a float in [0, 1)."""
    return (splitmix64(seed, t) >> 11) / 2.0**53


def reference_pair(net, split: bool, key, t: int) -> tuple[int, int]:
    """Update ``t``'s pair as :mod:`lever.classic.pairs` defines it, in plain Python: a
    uniform node from draw ``2t`` of the keyed stream, and a uniform neighbour from the
    fraction left over (``split``) or from draw ``2t + 1``; on the complete graph a uniform
    other node from draw ``2t + 1``; ``-1`` for a node without neighbours."""
    n = net.n
    x = splitmix_uniform(int(key), 2 * t) * n
    i = min(int(x), n - 1)
    if net.is_complete:
        j = min(int(splitmix_uniform(int(key), 2 * t + 1) * (n - 1)), n - 2)
        return i, j + 1 if j >= i else j
    lo, d = int(net.indptr[i]), int(net.indptr[i + 1] - net.indptr[i])
    if d == 0:
        return i, -1
    u = x - i if split else splitmix_uniform(int(key), 2 * t + 1)
    return i, int(net.indices[lo + min(int(u * d), d - 1)])
