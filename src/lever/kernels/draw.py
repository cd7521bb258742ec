"""Fast draws inside kernels.

Numba's ``Generator.integers`` costs about 30 ns a call, ``Generator.random`` about 2 ns, so
kernels draw indices by scaling a uniform. With 53 random bits the bias for ``n < 2**31`` is
below 1e-6, far under any statistical test's reach.
"""

from __future__ import annotations

import numba as nb


@nb.njit(cache=True, inline="always")
def below(rng, n):
    """A uniform integer in ``[0, n)`` (``n >= 1``)."""
    return min(int(rng.random() * n), n - 1)
