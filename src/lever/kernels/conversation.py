"""Mechanism 2, conversation: bounded-confidence exchange weighted by trust (docs/ODD.md §7.2)."""

from __future__ import annotations

import numba as nb
import numpy as np

from lever.kernels.draw import CONVERSE, ENCAPSULATE, HOMOPHILY, keyed, keyed_below, step_key
from lever.kernels.inner import inner
from lever.kernels.opinion import agreement, deffuant_exchange, distance, mixed_exchange, overlap
from lever.kernels.prefetch import prefetch
from lever.kernels.resolution import split_off
from lever.kernels.social import trust_between, trust_table
from lever.kernels.threads import Threaded

#: conversations drawn before they are held (see :func:`_sweep_body`)
_BLOCK = 4096

#: how many talks ahead a stage asks for what it will read (16 to 64 measured alike at 10^6)
_AHEAD = 32


def converse(state, params, net, key, step: int) -> None:
    """One sweep of conversations, then the committed speak ``committed_talk`` times more.

    Every person alive at the start of the sweep, in index order (agents are laid out in a
    random order at step 0), talks once with a partner (a branch mate or a social neighbour);
    when their opinions lie within ``confidence`` both move toward each other by
    ``convergence x receptivity x trust``; committed persons never move. Under
    ``relative_agreement`` w > 0 the step is (1 - w) times that and w times the relative-agreement
    step (:func:`lever.kernels.opinion.mixed_exchange`), which also moves uncertainties; w = 0
    is the bounded-confidence exchange alone, bit for bit, and draws nothing more. The group acts
    person by person: when one of its people would move a coarse agent, one person is split
    off that agent and moves instead. In the twin world (``params.active`` false) the
    group's people neither move nor move anyone. Draws are keyed by (step, talker, slot), so
    a talk is the same in a run and its twin unless the group changed it. Mutates
    ``state.opinion`` (and splits persons off).
    """
    # all threads or one: chosen by measurement (Threaded), since on a busy machine threads
    # can stall; the kernels take plain arrays: a whole State or Params passed into a helper
    # is copied on every call
    n = int(state.count[0])
    # issue 23's choices of partner, each off at 0 and drawn from a stream of its own: recruits in
    # training meet the group's cadre (encapsulation), and people seek those like them (homophily)
    choice = (
        np.uint64(step_key(key, ENCAPSULATE, step)), params.encapsulation,
        np.flatnonzero(state.faction[:n] & state.committed[:n]) if params.encapsulation > 0.0 else _NOBODY,
        np.uint64(step_key(key, HOMOPHILY, step)), params.homophily,
    )  # fmt: skip
    _SWEEP(
        n, state, state.opinion, state.uncertainty, state.committed, state.stratum, state.org,
        state.faction, state.expelled_from, state.ident, (state.branch, state.branch_start,
                                           state.branch_members, net.indptr, net.indices,
                                           state.social),
        params.receptivity, trust_table(params), params.convergence, params.confidence,
        params.branch_talk, params.committed_talk, params.active,
        np.uint64(step_key(key, CONVERSE, step)), params.relative_agreement, choice,
    )  # fmt: skip


_NOBODY = np.zeros(0, np.int64)


def _sweep_body(state, opinion, uncertainty, committed, stratum, org, faction, expelled, ident, links,
                receptivity, table, mu, bound, talk, extra, active, skey, weight, choice) -> None:  # fmt: skip
    """One sweep (:func:`converse`); run through ``_SWEEP``, on all threads or on one."""
    n = state.count[0]
    # what a talk reads of each person, packed in one word (none of it changes in a sweep):
    # one random load per person instead of five
    who = np.empty(n, np.int64)
    for i in range(n):
        who[i] = _pack(org[i], expelled[i], stratum[i], committed[i], faction[i])
    kinds = _trust_of_kinds(table)
    # in blocks of conversations, stage by stage: the draws, then each level of the partner's
    # lookup for the whole block, then the talks in order. Every load of a stage is
    # independent of the others in it, so the CPU overlaps many random loads at once instead
    # of waiting for each. Partners never depend on opinions: the talks see the same sweep.
    pi = np.empty(_BLOCK, np.int64)
    ps = np.zeros(_BLOCK, np.int64)
    pj = np.empty(_BLOCK, np.int64)
    pq = np.empty(_BLOCK, np.int64)
    pr = np.empty(_BLOCK, np.int64)
    pu = np.empty(_BLOCK)
    pv = np.empty(_BLOCK)
    pw = np.empty(_BLOCK)
    for lo in range(0, n, _BLOCK):
        m = min(_BLOCK, n - lo)
        for b in range(m):
            pi[b] = lo + b
        _talks(state, opinion, uncertainty, who, ident, links, receptivity, kinds, mu, bound, talk,
               active, skey, weight, pi, ps, pj, pq, pr, pu, pv, pw, np.int64(m), choice)  # fmt: skip
    # the committed speak again, in the same blocks (a talk is symmetric in its two persons);
    # slot 2 decides how many times, slots 3, 4, ... their talks
    m = 0
    for i in range(n):
        if not committed[i] or (faction[i] and not active):
            continue
        talks = int(extra) + (1 if keyed(skey, ident[i], 2) < extra - int(extra) else 0)
        for t in range(talks):
            pi[m] = i
            ps[m] = 3 + 2 * t
            m += 1
            if m == _BLOCK:
                _talks(state, opinion, uncertainty, who, ident, links, receptivity, kinds, mu, bound,
                       talk, active, skey, weight, pi, ps, pj, pq, pr, pu, pv, pw, np.int64(m), choice)  # fmt: skip
                m = 0
    if m:
        _talks(state, opinion, uncertainty, who, ident, links, receptivity, kinds, mu, bound, talk,
               active, skey, weight, pi, ps, pj, pq, pr, pu, pv, pw, np.int64(m), choice)  # fmt: skip


@inner(parallel=True)
def _talks(state, opinion, uncertainty, who, ident, links, receptivity, kinds, mu, bound, talk, active,
           skey, weight, pi, ps, pj, pq, pr, pu, pv, pw, m, choice):  # fmt: skip
    """Conversations of ``pi[:m]`` (their draws in slots ``ps[:m]``) with partners drawn for
    them, stage by stage.

    The draws are keyed and the lookups read nothing a sweep changes, so both run on all of
    Numba's threads; the exchanges then run in order. So the same seed gives the same bits
    whatever the number of threads.
    """
    # the arrays go to the helpers one by one: with the tuple passed into them, the sweep took a
    # third more time (issue 23: 7.8 against 5.5 ms at britain-1933's week 50, on one thread)
    branch, branch_start, branch_members, indptr, indices, social = links
    ekey, encapsulation, cadre, hkey, homophily = choice
    for b in nb.prange(m):  # the draws (branch or network, which one); a branch mate's slot
        if b + _AHEAD < m:
            prefetch(branch, pi[b + _AHEAD])  # the branch of each
        i = pi[b]
        pu[b] = keyed(skey, ident[i], ps[b])
        pv[b] = keyed(skey, ident[i], ps[b] + 1)
        pq[b] = _mate_slot(branch, branch_start, i, pu[b], pv[b], talk)
        if homophily > 0.0:  # issue 23: a second partner drawn as the first
            pw[b], pr[b] = _second_slot(branch, branch_start, ident, hkey, talk, i, ps[b])
    for b in nb.prange(m):  # the person: the mate, or else a social neighbour (and the second)
        i = pi[b]
        pj[b] = _partner(branch, branch_start, branch_members, indptr, indices, social, i, pq[b], pv[b])
        if homophily > 0.0:
            pr[b] = _second(branch, branch_start, branch_members, indptr, indices, social, i, pr[b], pw[b], pj[b])
    if encapsulation > 0.0 and active and cadre.shape[0] > 0:  # issue 23: off, not a draw is taken
        _encapsulate(who, ident, pi, ps, pj, pr, m, ekey, encapsulation, cadre)
    if homophily > 0.0:
        _choose_nearer(opinion, ident, pi, ps, pj, pr, m, hkey, homophily)
    for b in nb.prange(m):  # how far each would move (who they are does not change)
        if b + _AHEAD < m:
            prefetch(who, pi[b + _AHEAD])
            prefetch(who, max(pj[b + _AHEAD], 0))
        j = pj[b]
        if j >= 0:
            pu[b], pv[b] = _steps(who, receptivity, kinds, mu, active, pi[b], j)
    for b in range(m):
        if b + _AHEAD < m:  # the rows of a talk some talks ahead (see lever.kernels.prefetch)
            prefetch(opinion, pi[b + _AHEAD])
            prefetch(opinion, max(pj[b + _AHEAD], 0))
            if weight > 0.0:  # relative agreement reads and writes the uncertainties too
                prefetch(uncertainty, pi[b + _AHEAD])
                prefetch(uncertainty, max(pj[b + _AHEAD], 0))
        if pj[b] >= 0 and (pu[b] > 0.0 or pv[b] > 0.0):
            i, j = pi[b], pj[b]
            if active and (who[i] >> 41) & 1 != (who[j] >> 41) & 1:
                i, j = _persons(state, opinion, uncertainty, who, i, j, pu[b], pv[b], bound, weight)
                if i < 0:
                    continue
            if weight == 0.0:  # bounded confidence alone: the engine before issue 23, bit for bit
                deffuant_exchange(opinion, i, j, bound, pu[b], pv[b])
            else:
                mixed_exchange(opinion, uncertainty, i, j, bound, pu[b], pv[b], weight)


@nb.njit(cache=True, inline="always")
def _mate_slot(branch, branch_start, i, u, v, talk):
    """The slot of ``branch_members`` where a partner of ``i`` drawn from the uniforms ``u``
    (branch or ties) and ``v`` (which one) stands, or -1 when the draw goes to the ties (or the
    branch has no one else). A branch draw skips one slot, which :func:`_partner` resolves.

    Both outcomes are computed and one is kept, with no branch: whether a talk goes to the
    branch is a coin flip the CPU cannot predict, and its mispredictions were half the stage's
    time (issue 23: 15 against 8 ns a talk at britain-1933's size)."""
    br = branch[i]
    at = min(max(br, 0), branch_start.shape[0] - 2)  # a branch that exists, even for br = -1
    first = branch_start[at]
    size = branch_start[at + 1] - first
    slot = first + min(int(v * (size - 1)), size - 2)
    return slot if (br >= 0) & (u < talk) & (size >= 2) else -1


@nb.njit(cache=True, inline="always")
def _partner(branch, branch_start, branch_members, indptr, indices, social, i, slot, v):
    """The partner of ``i`` at the branch slot :func:`_mate_slot` gave (a draw that fell on ``i``
    itself takes the branch's last member, the slot it skipped), or else the social neighbour
    ``v`` picks; -1 for nobody.

    Both are looked up and one kept, as in :func:`_mate_slot`: the loads overlap, where a
    mispredicted branch made the CPU wait for each (33 against 4.5 ns a talk). The lookup not
    kept reads a row that exists (slot 0, the last member of branch 0, or row 0 when branch 0 is
    empty); its value is never used."""
    mate = branch_members[max(slot, 0)]
    last = branch_members[max(branch_start[min(max(branch[i], 0) + 1, branch_start.shape[0] - 1)] - 1, 0)]
    mate = last if mate == i else mate
    row = social[i]
    first = indptr[row]
    deg = indptr[row + 1] - first
    tie = indices[first + min(int(v * deg), deg - 1)] if deg > 0 else -1
    return mate if slot >= 0 else tie


@nb.njit(cache=True, inline="always")
def _second_slot(branch, branch_start, ident, hkey, talk, i, slot):
    """Homophily's second partner of ``i`` in the talk of slot ``slot``, drawn as the first was
    (:func:`_mate_slot`) from homophily's own stream, slots ``3 slot`` and ``3 slot + 1``: the
    uniform that picks it and its branch slot."""
    w = keyed(hkey, ident[i], 3 * slot + 1)
    return w, _mate_slot(branch, branch_start, i, keyed(hkey, ident[i], 3 * slot), w, talk)


@nb.njit(cache=True, inline="always")
def _second(branch, branch_start, members, indptr, indices, social, i, slot, w, first):
    """The second partner at :func:`_second_slot`'s draw; -1 when it is ``i`` or the talk has no
    first partner."""
    other = _partner(branch, branch_start, members, indptr, indices, social, i, slot, w)
    return other if other != i and first >= 0 else -1


@nb.njit(cache=True, inline="always")
def _encapsulate(who, ident, pi, ps, pj, pr, m, ekey, encapsulation, cadre):
    """Encapsulation (Greil & Rudy 1984; McAdam 1986): a recruit in training (one of the group's
    people, not committed) talks with one of the group's cadre with chance ``encapsulation``,
    in place of the partner drawn (and of homophily's second). From its own stream, slots
    ``3 slot`` and ``3 slot + 1``."""
    for b in nb.prange(m):
        i = pi[b]
        wi = who[i]
        if (wi >> 41) & 1 and not (wi >> 40) & 1 and keyed(ekey, ident[i], 3 * ps[b]) < encapsulation:
            pj[b] = cadre[keyed_below(ekey, ident[i], 3 * ps[b] + 1, cadre.shape[0])]
            pr[b] = -1


@nb.njit(cache=True, inline="always")
def _choose_nearer(opinion, ident, pi, ps, pj, pr, m, hkey, homophily):
    """Homophily (McPherson, Smith-Lovin & Cook 2001): of the partner drawn and a second drawn
    as it was (``pr``, -1 for none), the second is taken instead when nearer ``i``'s opinion,
    with chance ``1 - exp(-homophily x (d_1 - d_2))`` (opinions as the block's talks find them),
    the draw slot ``3 slot + 2`` of its own stream. It reads nothing the talks change, so it
    runs on all threads."""
    for b in nb.prange(m):
        if b + _AHEAD < m:
            # pj ahead may be another thread's, written as it is read: any value there is a
            # person or -1, and a prefetch reads nothing, so only the timing can change
            prefetch(opinion, max(pr[b + _AHEAD], 0))
            prefetch(opinion, max(pj[b + _AHEAD], 0))
        other = pr[b]
        if other >= 0:
            i = pi[b]
            gap = distance(opinion, i, pj[b]) - distance(opinion, i, other)
            if gap > 0.0 and keyed(hkey, ident[i], 3 * ps[b] + 2) < 1.0 - np.exp(-homophily * gap):
                pj[b] = other


@inner
def _persons(state, opinion, uncertainty, who, i, j, mu_i, mu_j, bound, weight):
    """A talk between one of the group's people and someone else: if the other is a coarse
    agent the talk would move, a person split off it takes the talk. Returns the two
    talkers (-1, -1 when there is no room to split)."""
    if not _reach(opinion, uncertainty, i, j, bound, weight):
        return i, j
    if (who[j] >> 41) & 1:  # i is the other one
        if mu_i > 0.0 and state.weight[i] > 1.0:
            i = split_off(state, i)
    elif mu_j > 0.0 and state.weight[j] > 1.0:
        j = split_off(state, j)
    if i < 0 or j < 0:
        return -1, -1
    return i, j


@nb.njit(cache=True, inline="always")
def _reach(opinion, uncertainty, i, j, bound, weight):
    """Whether a talk of ``i`` and ``j`` can move either: within the bound (bounded
    confidence has weight), or overlapping beyond one's uncertainty (relative agreement has)."""
    d = distance(opinion, i, j)
    if weight < 1.0 and d < bound:
        return True
    if weight == 0.0:
        return False
    h = overlap(d, uncertainty[i], uncertainty[j])
    return agreement(h, uncertainty[i]) > 0.0 or agreement(h, uncertainty[j]) > 0.0


@nb.njit(cache=True, inline="always")
def _pack(org, expelled, stratum, committed, faction):
    """org (16 bits), expelled_from + 1 (16), stratum (8), committed (1), faction (1)."""
    return (
        np.int64(org)
        | (np.int64(expelled + 1) << 16)
        | (np.int64(stratum) << 32)
        | (np.int64(committed) << 40)
        | (np.int64(faction) << 41)
    )


@nb.njit(cache=True)
def _trust_of_kinds(table):
    """:func:`lever.kernels.social.trust_between` for every kind of listener and speaker:
    ``[listener's organization, speaker's organization, speaker one of the group's, organization
    that expelled the speaker + 1]``. A sweep reads it instead of working the rule out in each
    talk: its branches, and even a call kept for a rare case, cost 25-30 ns a talk at britain-1933's
    size, the lookup 3 (issue 23). (K + 1)^3 x 2 numbers: 250 for four organizations,
    some 2 million (16 MB, tens of ms a sweep to fill) for a hundred."""
    K = table[0]
    kinds = np.empty((K + 1, K + 1, 2, K + 1))
    for k in range(K + 1):
        for org in range(K + 1):
            for faction in range(2):
                for expelled in range(K + 1):
                    kinds[k, org, faction, expelled] = trust_between(table, k, org, faction, expelled - 1)
    return kinds


@nb.njit(cache=True, inline="always")
def _trust(kinds, listener, speaker):
    """:func:`lever.kernels.social.trust_between` on packed persons (:func:`_trust_of_kinds`)."""
    return kinds[listener & 0xFFFF, speaker & 0xFFFF, (speaker >> 41) & 1, (speaker >> 16) & 0xFFFF]


@nb.njit(cache=True, inline="always")
def _steps(who, receptivity, kinds, mu, active, i, j):
    """The shares of the gap ``i`` and ``j`` would move: ``mu x receptivity x trust``, zero for
    the committed, and for both when one of them is the group's in the twin world."""
    wi = who[i]
    wj = who[j]
    if not active and ((wi >> 41) & 1 or (wj >> 41) & 1):
        return 0.0, 0.0
    mu_i = 0.0
    mu_j = 0.0
    if not (wi >> 40) & 1:
        mu_i = mu * receptivity[(wi >> 32) & 0xFF] * _trust(kinds, wi, wj)
    if not (wj >> 40) & 1:
        mu_j = mu * receptivity[(wj >> 32) & 0xFF] * _trust(kinds, wj, wi)
    return mu_i, mu_j


#: the sweep, on all threads or on one: itself compiled serial (it has no ``prange`` of its own),
#: its stages (``_talks``) compiled parallel and run on one thread in the one-thread way. Not a
#: copy compiled serial, as the other kernels have (lever.kernels.threads): issue 23 measured
#: the stages so compiled at 1.6 times the time on one thread (britain-1933 at week 50: 9.0
#: against 5.5 ms a sweep), as loops of one kernel or as kernels of their own alike
_SWEEP = Threaded(kernel=nb.njit(cache=True)(_sweep_body))
