"""Fast draws inside kernels.

Numba's ``Generator.integers`` costs about 30 ns a call, ``Generator.random`` about 2 ns, so
kernels draw indices by scaling a uniform. With 53 random bits the bias for ``n < 2**31`` is
below 1e-6, far under any statistical test's reach.
"""

from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(cache=True, inline="always")
def below(rng, n):
    """A uniform integer in ``[0, n)`` (``n >= 1``)."""
    return min(int(rng.random() * n), n - 1)


@nb.njit(cache=True, inline="always")
def keyed_uniform(key, t):
    """Output ``t`` of the SplitMix64 stream (Steele, Lea & Flood 2014) that starts at
    ``key``, as a uniform in [0, 1) with 53 random bits.

    A draw that depends only on its index can be made anywhere: the draws of a block are
    computed on all threads and still give the same bits for any number of them. SplitMix64
    passes BigCrush; ``key`` comes from the run's ``Generator`` (:func:`fresh_key`), once
    per model. Two draws an update are outputs ``2t`` and ``2t + 1`` of the one stream:
    two streams with the same increment would be shifted copies of each other.
    """
    z = key + np.uint64(t) * np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return float(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


def fresh_key(rng) -> np.uint64:
    """A stream key for :func:`keyed_uniform`, drawn from ``rng``."""
    return rng.integers(0, 2**64, dtype=np.uint64)


# -- draws keyed by what they decide -------------------------------------------------------
#
# The engine's draws are not taken in turn from one stream: each is a hash of the run's key,
# the mechanism, the step, the person and a slot (which draw of that person in that
# mechanism). A change in one place (the group entering, one more person split off) changes
# only the draws it touches, so a run and its twin stay identical wherever the group had no
# effect, and the same seed gives the same bits for any number of threads.

#: mechanism numbers, one per kind of decision
PRESS, CONVERSE, MOBILITY, APPARATUS, RECRUIT, ENTRY, CAPITULATE = 1, 2, 3, 4, 5, 6, 7
#: issue 23's draws, each a stream of its own so that switching one on shifts no other: whom
#: cadre target, whom recruits in training talk with, homophilous partner choice
TARGET, ENCAPSULATE, HOMOPHILY = 8, 9, 10

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@nb.njit(cache=True, inline="always")
def mix64(z):
    """SplitMix64's finalizer: a bijection of 64-bit words whose outputs look independent
    for inputs that differ in a single bit."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@nb.njit(cache=True, inline="always")
def step_key(key, mechanism, step):
    """The key of one mechanism at one step of a run keyed ``key``."""
    return mix64(key + np.uint64(mechanism) * _GOLDEN + mix64(np.uint64(step) + _GOLDEN))


@nb.njit(cache=True, inline="always")
def keyed(skey, ident, slot):
    """A uniform in [0, 1) (53 bits) for draw ``slot`` of the person ``ident`` under the
    mechanism-and-step key ``skey`` (:func:`step_key`)."""
    return keyed_at(person_key(skey, ident), slot)


@nb.njit(cache=True, inline="always")
def person_key(skey, ident):
    """The key of the person ``ident``'s draws under ``skey``: a kernel that draws several times
    for one person takes it once (:func:`keyed_at`), where the compiler cannot see that the
    person stays the same between draws (the loop writes the population's arrays)."""
    return mix64(skey ^ np.uint64(ident))


@nb.njit(cache=True, inline="always")
def keyed_at(pkey, slot):
    """:func:`keyed`'s draw ``slot`` from the person's key (:func:`person_key`): the same bits."""
    z = mix64(pkey + np.uint64(slot) * _GOLDEN)
    return float(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@nb.njit(cache=True, inline="always")
def keyed_below(skey, ident, slot, n):
    """A uniform integer in ``[0, n)`` keyed like :func:`keyed` (``n >= 1``)."""
    return min(int(keyed(skey, ident, slot) * n), n - 1)


def run_key(seed: int) -> np.uint64:
    """The key of a run seeded ``seed``: its own child of ``SeedSequence(seed)``, apart
    from the stream that builds the field."""
    return np.uint64(np.random.SeedSequence(seed, spawn_key=(7,)).generate_state(1, np.uint64)[0])
