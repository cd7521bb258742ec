"""NDlib's models (run in benchmarks/.envs/ndlib).

Deffuant is ``AlgorithmicBiasModel`` with ``gamma = 0`` (no bias: a uniform random neighbour)
and ``epsilon = d``; its update moves both to their mean, i.e. mu = 0.5. One iteration is
``n`` updates. ``VoterModel``: one iteration is one update.
"""

from __future__ import annotations

import warnings

import ndlib.models.ModelConfig as mc
import ndlib.models.opinions as op
from common import args, measure, read_graph, report, rss_mb

warnings.filterwarnings("ignore")


def main() -> None:
    a = args()
    base = rss_mb()
    g = read_graph(a.edges)
    n = g.number_of_nodes()
    cfg = mc.Configuration()
    if a.model == "deffuant":
        model = op.AlgorithmicBiasModel(g, seed=a.seed)
        cfg.add_model_parameter("epsilon", 0.3)
        cfg.add_model_parameter("gamma", 0)
        per = n
    else:
        model = op.VoterModel(g, seed=a.seed)
        cfg.add_model_parameter("fraction_infected", 0.5)
        per = 1
    model.set_initial_status(cfg)
    model.iteration()  # iteration 0 only reports the initial state
    model.iteration()  # warm-up

    def unit():
        model.iteration(node_status=False)
        return per

    updates, el = measure(unit, a.seconds)
    report(updates, el, base, n=n)


if __name__ == "__main__":
    main()
