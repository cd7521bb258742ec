"""A crossover is stated on the factor and judged on both halves."""

from __future__ import annotations

import numpy as np

from lever.analysis.crossover import crossover

LEVELS = np.array([0.0, 1 / 3, 2 / 3, 1.0])


def _gaps(rng, effect, draws: int = 12, replications: int = 2):
    """A minus B per (level, world): ``effect(level)`` plus a draw's shared shift and noise."""
    factor, gap, draw = [], [], []
    for d in range(draws):
        shift = rng.normal(0, 3)
        for _ in range(replications):
            for h in LEVELS:
                factor.append(h)
                gap.append(effect(h) + shift + rng.normal(0, 3))
                draw.append(d)
    return np.array(factor), np.array(gap), np.array(draw)


def test_a_planted_crossover_is_found_between_the_right_levels_with_both_halves_on_their_sides():
    rng = np.random.default_rng(0)
    found = crossover(*_gaps(rng, lambda h: 20.0 if h < 0.5 else -20.0))
    assert found.holds and 1 / 3 < found.threshold < 2 / 3
    assert found.below[1] > 0 and found.above[2] < 0
    assert found.accuracy_out >= 0.9


def test_a_strategy_that_loses_everywhere_has_no_crossover():
    """The old rule finder reported 'holds where' for thesis 5 while entry lost in most worlds;
    here the half below the threshold must itself be won."""
    rng = np.random.default_rng(1)
    found = crossover(*_gaps(rng, lambda h: -15.0 - 10 * h))
    assert not found.holds


def test_a_win_at_low_levels_without_a_loss_at_high_ones_is_only_half_a_crossover():
    rng = np.random.default_rng(2)
    found = crossover(*_gaps(rng, lambda h: 20.0 if h < 0.5 else 0.0))
    assert not found.holds
