"""Mechanism 1, the press: readers move toward what they read (docs/ODD.md §7.1)."""

from __future__ import annotations

import numba as nb
import numpy as np

from lever.kernels.draw import PRESS, keyed_at, person_key, step_key
from lever.kernels.inner import inner
from lever.kernels.opinion import agreement, overlap
from lever.kernels.resolution import split_off
from lever.kernels.threads import Threaded


def read_press(state, params, key, step: int) -> None:
    """Each reader of each organ may read an issue and move toward its line.

    An issue of organ ``o`` reaches a member of organization ``k`` with chance
    ``organ_reach[o, k]``; the group's own organ carries its line, and a host's organ carries
    it with chance ``organ_voice[o]`` while the group has people inside the owner; otherwise
    an issue carries its owner's platform. Bounded confidence applies: a reader farther than
    ``confidence`` from the line is unmoved; under relative agreement (issue 23) the step is
    blended as in conversation, the paper speaking with ``uncertainty_committed``
    (:func:`_pull`). The step is ``convergence`` times the reader's receptivity times their
    trust in the owner. A coarse agent moves as a whole toward its
    owner's platform, but the group's line reaches its persons one by one: with chance
    ``weight x reach x share of the group's line`` one of them is split off and moved (the
    group acts person by person). Draws are keyed by (step, reader, organ). Mutates
    ``state.opinion`` (and splits persons off).

    Persons read on all threads (each moves only their own opinion); coarse agents, which
    may split persons off, read after them on one, in index order: the same bits either way.
    Which coarse agents have anything to read is found beside the persons, on all threads
    (:func:`_coarse_reads`): issues reach a few percent of readers a week, and the pass in
    order, drawing for every coarse agent, had been two thirds of the press's time.
    """
    n = int(state.count[0])
    skey = np.uint64(step_key(key, PRESS, step))
    share = _shares(state, params)
    reads = np.empty(n, np.bool_)
    coarse = _READ_PERSONS(
        n, n, state.opinion, state.org, state.committed, state.weight, state.stratum, state.ident,
        params.organ_reach, params.organ_owner, share, _trusts(params), params.line, state.platform,
        params.receptivity, params.convergence, params.confidence, skey,
        state.uncertainty, params.relative_agreement, params.uncertainty_committed, reads,
    )  # fmt: skip
    if coarse:
        _read_coarse(state, params, skey, share, reads)


@nb.njit(cache=True)
def _shares(state, params) -> np.ndarray:
    """Per organ, the share of its issues carrying the group's line: all of the group's own,
    ``organ_voice`` of a host's while the group has people inside it (an expelled group has
    no voice left in the host's press), none otherwise."""
    K = params.n_orgs
    inside = np.zeros(K, np.bool_)
    for i in range(state.count[0]):
        if state.faction[i] and state.org[i] < K and state.org[i] != params.group:
            inside[state.org[i]] = True
    n_organs = params.organ_owner.shape[0]
    share = np.zeros(n_organs)
    for o in range(n_organs):
        owner = params.organ_owner[o]
        share[o] = 1.0 if owner == params.group else (params.organ_voice[o] if inside[owner] else 0.0)
    return share


def _trusts(params) -> np.ndarray:
    """``[o, k]``: a member of ``k``'s (``n_orgs``: none) trust in organ ``o``'s owner."""
    K = params.n_orgs
    table = np.empty((params.organ_owner.shape[0], K + 1))
    for o, owner in enumerate(params.organ_owner):
        for k in range(K + 1):
            if owner == k:
                table[o, k] = params.trust_inside
            elif owner == params.group and k < K:
                table[o, k] = params.trust_rival
            else:
                table[o, k] = params.trust_outside
    return table


@nb.njit(cache=True, inline="always")
def _reads_line(pkey, o: int, share) -> bool:
    """Whether a person reached by organ ``o`` reads the group's line in it (a ``share`` of
    its pages), not its owner's platform: the draw ``2o + 1`` of the person's key ``pkey``
    (:func:`lever.kernels.draw.person_key`)."""
    return share[o] >= 1.0 or (share[o] > 0.0 and keyed_at(pkey, 2 * o + 1) < share[o])


@nb.njit(cache=True, inline="always")
def _pull(d: float, bound: float, u_reader: float, u_organ: float, weight: float) -> tuple[float, float]:
    """How far an issue moves a reader ``d`` from what it carries, as a factor on the step
    ``mu x receptivity x trust``, and its relative agreement: under relative agreement of weight
    ``weight`` (issue 23) a paper speaks with its committed core's confidence ``u_organ`` and so
    reaches a reader of uncertainty ``u_reader`` from about ``u_reader`` away, as a confident
    speaker does in conversation (:func:`lever.kernels.opinion.mixed_exchange`)."""
    a = agreement(overlap(d, u_organ, u_reader), u_organ)
    return (1.0 - weight) * (1.0 if d < bound else 0.0) + weight * a, weight * a


def _read_persons_body(n, opinion, org, committed, weight, stratum, ident, reach, owner, share, trust, line,
                       platform, receptivity, mu, bound, skey, uncertainty, ra, u_organ, reads) -> int:  # fmt: skip
    """The readers of weight one (each moves only their own opinion); marks in ``reads`` the
    coarse agents that may read (:func:`_coarse_reads`) and returns how many."""
    coarse = 0
    for i in nb.prange(n):
        reads[i] = False
        if committed[i]:
            continue
        k = org[i]
        pkey = person_key(skey, ident[i])  # its draws, one per organ and line (keyed_at)
        if weight[i] > 1.0:
            reads[i] = _coarse_reads(pkey, k, weight[i], reach, share)
            coarse += 1 if reads[i] else 0
            continue
        for o in range(owner.shape[0]):
            if reach[o, k] <= 0.0 or keyed_at(pkey, 2 * o) >= reach[o, k]:
                continue
            if _reads_line(pkey, o, share):
                lx, ly = line[0], line[1]
            else:
                lx, ly = platform[owner[o], 0], platform[owner[o], 1]
            dx = lx - opinion[i, 0]
            dy = ly - opinion[i, 1]
            if ra > 0.0:  # relative agreement has weight (issue 23); at 0 the lines below, bit for bit
                pull, a = _pull(np.sqrt(dx * dx + dy * dy), bound, uncertainty[i], u_organ, ra)
                step = mu * receptivity[stratum[i]] * trust[o, k]
                opinion[i, 0] += step * pull * dx
                opinion[i, 1] += step * pull * dy
                uncertainty[i] += step * a * (u_organ - uncertainty[i])
            elif np.sqrt(dx * dx + dy * dy) < bound:
                step = mu * receptivity[stratum[i]] * trust[o, k]
                opinion[i, 0] += step * dx
                opinion[i, 1] += step * dy
    return coarse


_READ_PERSONS = Threaded(_read_persons_body)


@nb.njit(cache=True, inline="always")
def _coarse_reads(pkey, k, weight, reach, share) -> bool:
    """Whether a coarse agent of organization ``k`` and ``weight`` persons (its draws keyed
    ``pkey``) may read anything this week in :func:`_read_coarse`: an organ's first draw below
    its reach (the agent's reading takes ``reach x (1 - share)``, a person's ``reach``), or its
    second below ``weight x reach x share`` (a person split off to read the group's line; the
    agent's weight only falls while it reads). An agent not marked would draw there and do
    nothing."""
    for o in range(reach.shape[0]):
        r = reach[o, k]
        if r > 0.0 and (
            keyed_at(pkey, 2 * o) < r or (share[o] > 0.0 and keyed_at(pkey, 2 * o + 1) < weight * r * share[o])
        ):
            return True
    return False


@nb.njit(cache=True)
def _read_coarse(state, params, skey, share, reads) -> None:
    """The reading of the coarse agents ``reads`` marks, in index order (it may split persons
    off). An agent split down to one person by one organ reads the next ones as a person, as
    readers of weight one do in :func:`_read_persons_body`."""
    n_organs = params.organ_owner.shape[0]
    for i in range(reads.shape[0]):
        if not reads[i] or state.committed[i] or state.weight[i] <= 1.0:
            continue
        k = state.org[i]
        pkey = person_key(skey, state.ident[i])  # its draws, one per organ and line (keyed_at)
        for o in range(n_organs):
            reach = params.organ_reach[o, k]
            if reach <= 0.0:
                continue
            owner = params.organ_owner[o]
            u = keyed_at(pkey, 2 * o)
            if state.weight[i] <= 1.0:  # split down to one person by an earlier organ: reads as one
                if u < reach:
                    _read(state, params, i, k, owner, _reads_line(pkey, o, share))
                continue
            if u < reach * (1.0 - share[o]):
                _read(state, params, i, k, owner, np.False_)  # np.False_, np.True_: typed bool, not two literal types
            if (
                share[o] > 0.0
                and keyed_at(pkey, 2 * o + 1) < state.weight[i] * reach * share[o]
                and _near_line(state, params, i)
            ):
                j = split_off(state, i)
                if j >= 0:
                    _read(state, params, j, k, owner, np.True_)


@nb.njit(cache=True, inline="always")
def _near_line(state, params, i: int) -> bool:
    """Whether ``i`` lies within the confidence bound of the group's line (only then is a
    person split off to read it: one farther away would not move)."""
    dx = params.line[0] - state.opinion[i, 0]
    dy = params.line[1] - state.opinion[i, 1]
    d = np.sqrt(dx * dx + dy * dy)
    if params.relative_agreement > 0.0:
        return _pull(d, params.confidence, state.uncertainty[i], params.uncertainty_committed,
                     params.relative_agreement)[0] > 0.0  # fmt: skip
    return d < params.confidence


@nb.njit(cache=True, inline="always")
def _read(state, params, i: int, k: int, owner: int, line: bool | np.bool_) -> None:
    """Reader ``i`` of organization ``k`` reads an issue of ``owner``'s organ carrying the
    group's line or the owner's platform (:func:`_move`)."""
    if line:
        lx, ly = params.line[0], params.line[1]
    else:
        lx, ly = state.platform[owner, 0], state.platform[owner, 1]
    if owner == k:
        t = params.trust_inside
    elif owner == params.group and k < params.n_orgs:
        t = params.trust_rival
    else:
        t = params.trust_outside
    step = params.convergence * params.receptivity[state.stratum[i]] * t
    _move(state.opinion, state.uncertainty, i, lx, ly, step, params.confidence, params.relative_agreement,
          params.uncertainty_committed)  # fmt: skip


@inner
def _move(opinion, uncertainty, i: int, lx: float, ly: float, step: float, bound: float, ra: float,
          u_organ: float) -> None:  # fmt: skip
    """Reader ``i`` moves ``step`` of the way toward ``(lx, ly)`` if within ``bound`` (under
    relative agreement of weight ``ra``, as far as :func:`_pull` says). A call, not inlined:
    :func:`_read_coarse` reads in three places, and three inlined copies compiled three times
    as long; it takes plain arrays and numbers, since a call given the population and the
    parameters passes and counts references to each of their fifty arrays (the coarse agents'
    reading took three times as long, issue 28)."""
    dx = lx - opinion[i, 0]
    dy = ly - opinion[i, 1]
    pull, a = 1.0, 0.0
    if ra > 0.0:  # issue 23 (see _pull); at 0 the bounded-confidence test below
        pull, a = _pull(np.sqrt(dx * dx + dy * dy), bound, uncertainty[i], u_organ, ra)
        if pull <= 0.0:
            return
    elif np.sqrt(dx * dx + dy * dy) >= bound:
        return
    if ra > 0.0:
        uncertainty[i] += step * a * (u_organ - uncertainty[i])
        step *= pull
    opinion[i, 0] += step * dx
    opinion[i, 1] += step * dy
