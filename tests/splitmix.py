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
