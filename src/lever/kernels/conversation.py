"""Mechanism 2, conversation: bounded-confidence exchange weighted by trust (MODEL.md §4.2)."""

from __future__ import annotations

import numba as nb
import numpy as np

from lever.kernels.draw import below
from lever.kernels.opinion import deffuant_exchange
from lever.kernels.social import partner, trust_of, trust_table


#: conversations drawn before they are held (see :func:`_sweep`)
_BLOCK = 256


@nb.njit(cache=True)
def converse(state, params, net, rng) -> None:
    """One sweep of conversations, then the committed speak ``committed_talk`` times more.

    ``n`` times a random person talks with a partner (a branch mate or a social neighbour);
    when their opinions lie within ``confidence`` both move toward each other by
    ``convergence x receptivity x trust``; committed persons never move. Mutates
    ``state.opinion``.
    """
    # the loop and its helpers take plain arrays: a whole State or Params passed into a
    # helper is copied on every call
    _sweep(
        state.opinion, state.committed, state.stratum, state.org, state.faction,
        state.expelled_from, (state.branch, state.branch_start, state.branch_members,
                              net.indptr, net.indices),
        params.receptivity, trust_table(params), params.convergence, params.confidence,
        params.branch_talk, params.committed_talk, rng,
    )  # fmt: skip


@nb.njit(cache=True)
def _sweep(opinion, committed, stratum, org, faction, expelled, links, receptivity, table,
           mu, bound, talk, extra, rng) -> None:  # fmt: skip
    n = org.shape[0]
    # in blocks: first every pair of the block (the draws in the same order as one by one),
    # then their talks in order. Partners never depend on opinions, so this is the same
    # sweep; the short loops let the CPU overlap the random loads of many pairs at once.
    pairs = np.empty((_BLOCK, 2), np.int64)
    for lo in range(0, n, _BLOCK):
        m = min(_BLOCK, n - lo)
        for b in range(m):
            i = below(rng, n)
            pairs[b, 0] = i
            pairs[b, 1] = partner(links, talk, i, rng)
        for b in range(m):
            i = pairs[b, 0]
            j = pairs[b, 1]
            if j >= 0:
                _talk(opinion, committed, stratum, org, faction, expelled, receptivity, table, mu, bound, i, j)
    for i in range(n):
        if not committed[i]:
            continue
        talks = int(extra) + (1 if rng.random() < extra - int(extra) else 0)
        for _ in range(talks):
            j = partner(links, talk, i, rng)
            if j >= 0:
                _talk(opinion, committed, stratum, org, faction, expelled, receptivity, table, mu, bound, j, i)


@nb.njit(cache=True, inline="always")
def _talk(opinion, committed, stratum, org, faction, expelled, receptivity, table,
          mu, bound, i, j) -> None:  # fmt: skip
    mu_i = 0.0
    mu_j = 0.0
    if not committed[i]:
        mu_i = mu * receptivity[stratum[i]] * trust_of(org, faction, expelled, table, i, j)
    if not committed[j]:
        mu_j = mu * receptivity[stratum[j]] * trust_of(org, faction, expelled, table, j, i)
    if mu_i > 0.0 or mu_j > 0.0:
        deffuant_exchange(opinion, i, j, bound, mu_i, mu_j)
