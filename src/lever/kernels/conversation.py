"""Mechanism 2, conversation: bounded-confidence exchange weighted by trust (MODEL.md §4.2)."""

from __future__ import annotations

import numba as nb

from lever.kernels.draw import below
from lever.kernels.opinion import deffuant_exchange
from lever.kernels.social import partner, ties, trust_of, trust_table


@nb.njit(cache=True)
def _talk(people, receptivity, table, mu: float, bound: float, i: int, j: int) -> None:
    # helpers take the few arrays they read: passing a whole State or Params tuple into a
    # helper costs a copy of it per call (measured: 2-3x slower conversations)
    opinion, committed, stratum, org, faction, expelled = people
    mu_i = 0.0
    mu_j = 0.0
    if not committed[i]:
        mu_i = mu * receptivity[stratum[i]] * trust_of(org, faction, expelled, table, i, j)
    if not committed[j]:
        mu_j = mu * receptivity[stratum[j]] * trust_of(org, faction, expelled, table, j, i)
    if mu_i > 0.0 or mu_j > 0.0:
        deffuant_exchange(opinion, i, j, bound, mu_i, mu_j)


@nb.njit(cache=True)
def converse(state, params, net, rng) -> None:
    """One sweep of conversations, then the committed speak ``committed_talk`` times more.

    ``n`` times a random person talks with a partner (a branch mate or a social neighbour);
    when their opinions lie within ``confidence`` both move toward each other by
    ``convergence x receptivity x trust``; committed persons never move. Mutates
    ``state.opinion``.
    """
    n = state.org.shape[0]
    table = trust_table(params)
    rec, mu, bound, talk = params.receptivity, params.convergence, params.confidence, params.branch_talk
    links = ties(state, net)
    people = (state.opinion, state.committed, state.stratum, state.org, state.faction, state.expelled_from)
    for _ in range(n):
        i = below(rng, n)
        j = partner(links, talk, i, rng)
        if j >= 0:
            _talk(people, rec, table, mu, bound, i, j)
    extra = params.committed_talk
    for i in range(n):
        if not state.committed[i]:
            continue
        talks = int(extra) + (1 if rng.random() < extra - int(extra) else 0)
        for _ in range(talks):
            j = partner(links, talk, i, rng)
            if j >= 0:
                _talk(people, rec, table, mu, bound, j, i)
