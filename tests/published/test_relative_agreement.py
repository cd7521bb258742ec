"""Published results for the relative-agreement model with extremists.

Source: Deffuant, Amblard, Weisbuch & Faure (2002), "How can extremism prevail? A study based on
the relative agreement interaction model", JASSS 5(4) 1. Opinions uniform on [-1, 1], the share
``pe`` with the most extreme opinions are extremists of uncertainty ``ue = 0.1``, the moderates
have ``U``; mu = 0.5. The paper tells three regimes apart by ``y = p'+^2 + p'-^2`` (``p'+``,
``p'-``: shares of the moderates that end near +1, -1): central convergence (y near 0),
both extremes (y near 0.5), a single extreme (y near 1, the side drawn at random when the
extremists are balanced).

Setup here: complete graph, N = 1000, run to convergence (no opinion moves more than 1e-6 in a
sweep; at most 5000 sweeps), a moderate counts near an extreme beyond +-0.8. The runs are cheap
(about 0.02 s each), so each regime gets 20 to 80 of them.
"""

from __future__ import annotations

import numpy as np

from lever.classic.relative_agreement import RelativeAgreement


def _runs(U: float, pe: float, runs: int, seed: int, delta: float = 0.0) -> np.ndarray:
    """Per run: (y, share of moderates beyond +0.8, beyond -0.8, within +-0.5)."""
    out = np.empty((runs, 4))
    for r, child in enumerate(np.random.SeedSequence(seed).spawn(runs)):
        m = RelativeAgreement(network=1000, U=U, pe=pe, ue=0.1, mu=0.5, delta=delta,
                              rng=np.random.default_rng(child))  # fmt: skip
        assert m.run_until_converged(5000)
        x = m.opinion[~m.extremist, 0]
        out[r] = m.y, np.mean(x > 0.8), np.mean(x < -0.8), np.mean(np.abs(x) < 0.5)
    return out


def test_central_convergence_for_small_uncertainty():
    """U = 0.4, pe = 0.2: the moderates converge to the centre; the extremists only win the
    moderates already near them. Expected y near 0. Tolerance: y < 0.2 in every one of 20
    runs (ours: 0.09 +- 0.004, the moderates within 0.4 of an extreme at the start, about a
    fifth on each side, go over to it) and over half the moderates end within 0.5 of the
    centre on average (ours: 0.57). Both extremes would give y near 0.5, one extreme near 1."""
    r = _runs(0.4, 0.2, 20, seed=1)
    assert np.all(r[:, 0] < 0.2), r[:, 0]
    assert r[:, 3].mean() > 0.5, r[:, 3]


def test_both_extremes_for_large_uncertainty_and_many_extremists():
    """U = 1.4, pe = 0.2: the moderates split between the two extremes (bipolarisation).
    Expected y near 0.5. Tolerance: mean y within 0.5 +- 0.05 over 20 runs (ours 0.499 +-
    0.001) and in every run each extreme holds at least 35 % of the moderates (ours: 43 % at
    the least), almost none left at the centre."""
    r = _runs(1.4, 0.2, 20, seed=2)
    assert abs(r[:, 0].mean() - 0.5) <= 0.05, r[:, 0]
    assert np.all(r[:, 1] >= 0.35) and np.all(r[:, 2] >= 0.35), r[:, 1:3]
    assert r[:, 3].mean() < 0.05


def test_single_extreme_for_large_uncertainty_and_few_extremists():
    """U = 1.4, pe = 0.05, balanced extremists (delta = 0): the moderates first gather at the
    centre, and the cluster then drifts as a whole to one extreme, chosen at random. Expected
    y near 1. Tolerance: a run counts as single-extreme when one extreme holds at least 75 %
    of the moderates (y then >= 0.56; ours mostly 0.8: about a tenth of the moderates, those
    that started near the other extremists, stay with them). At least half of 80 runs must be
    single-extreme (ours: 65-90 % over seeds; 76 % for this seed) and at most 5 % may end
    bipolar, both extremes >= 30 % (ours: 1 of 80; at pe = 0.2 every run does).
    The rest freeze at the centre: once the central cluster's uncertainty falls below its
    distance to the extremists nothing moves it (Meadows & Cliff 2012, JASSS 15(4) 4, found
    the 2002 paper's single-extreme region hard to reproduce; we claim the regime, not its
    every run). Both sides are chosen (no side is favoured)."""
    r = _runs(1.4, 0.05, 80, seed=3)
    single = np.maximum(r[:, 1], r[:, 2]) >= 0.75
    assert single.mean() >= 0.5, single.mean()
    assert np.mean((r[:, 1] >= 0.3) & (r[:, 2] >= 0.3)) <= 0.05
    assert np.any(single & (r[:, 1] > r[:, 2])) and np.any(single & (r[:, 2] > r[:, 1]))


def test_single_extreme_when_all_extremists_on_one_side():
    """U = 1.4, pe = 0.05, delta = 1 (every extremist at +1): the whole population ends at
    that extreme. Tolerance: y > 0.95 in every one of 20 runs (ours: 0.998 at the least)."""
    r = _runs(1.4, 0.05, 20, seed=4, delta=1.0)
    assert np.all(r[:, 0] > 0.95), r[:, 0]
    assert np.all(r[:, 1] > 0.95)


def test_same_seed_same_bits():
    a = RelativeAgreement(network=300, U=1.0, pe=0.1, rng=5).run(50)
    b = RelativeAgreement(network=300, U=1.0, pe=0.1, rng=5).run(30).run(20)
    assert np.array_equal(a.opinion, b.opinion) and np.array_equal(a.uncertainty, b.uncertainty)
