"""Bass diffusion: ODE helpers, agent bookkeeping, seeding, networks."""

from __future__ import annotations

import numpy as np
import pytest

from lever.classic.bass import Bass, bass_closed_form, bass_ode, bass_peak
from lever.classic.network import erdos_renyi


def test_ode_matches_closed_form():
    t = np.linspace(0.1, 30, 300)
    assert np.allclose(bass_ode(0.03, 0.38, t), bass_closed_form(0.03, 0.38, t), atol=1e-8)


def test_peak_formula():
    t_star, f_star = bass_peak(0.03, 0.38)
    assert t_star == pytest.approx(np.log(0.38 / 0.03) / 0.41)
    assert f_star == pytest.approx(0.35 / 0.76)


def test_adoption_bookkeeping():
    m = Bass(network=5000, rng=1).run(10)
    assert m.adopted.sum() == round(m.adopted_share * 5000)
    assert np.all(np.isnan(m.adoption_time) == ~m.adopted)
    assert np.all(np.diff(m.series) >= 0)  # nobody un-adopts
    times = m.adoption_time[m.adopted]
    assert times.min() >= 0.01 and times.max() <= 10 + 1e-9
    # The series at time t counts exactly the agents who adopted by t.
    k = 400  # t = 4 years
    assert m.series[k] * 5000 == pytest.approx(np.sum(times <= m.times[k] + 1e-9))


def test_seeded():
    a = Bass(network=2000, rng=3).run(5)
    b = Bass(network=2000, rng=3).run(5)
    assert np.array_equal(a.adopted, b.adopted)


def test_pure_innovation_is_exponential():
    # q = 0: each agent adopts at rate p independently, so F(t) = 1 - exp(-p t) exactly in
    # expectation (the discrete step uses the exact per-step probability). sd ~ 1/sqrt(4n).
    m = Bass(network=200_000, p=0.2, q=0.0, rng=4).run(5)
    assert m.adopted_share == pytest.approx(1 - np.exp(-1.0), abs=5 / np.sqrt(4 * 200_000))


def test_until_saturated_and_network():
    m = Bass(network=200, p=0.5, q=0.5, dt=0.05, rng=5)
    assert m.run_until_saturated(200)
    assert m.adopted.all() and m.time == m.stop_time
    net = erdos_renyi(2000, 6, np.random.default_rng(0))
    g = Bass(network=net, rng=6).run(15)
    assert 0.5 < g.adopted_share <= 1.0
    assert np.all(np.isnan(g.adoption_time) == ~g.adopted)


@pytest.mark.parametrize("bad", [dict(p=-0.1), dict(dt=0.0), dict(dt=2.0)])
def test_bad_parameters(bad):
    with pytest.raises(ValueError):
        Bass(network=10, **bad)
