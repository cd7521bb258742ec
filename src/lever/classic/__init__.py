"""Classic opinion-dynamics models, seeded and compiled, for checking against published results.

Models (each a small dataclass; time in sweeps of ``n`` elementary updates):

- :class:`Voter` — voter model with optional zealots of either side.
- :class:`Deffuant` — Deffuant bounded confidence (shares the engine's exchange kernel).
- :class:`HegselmannKrause` — synchronous bounded confidence.
- :class:`NamingGame` — binary-agreement naming game with committed agents.
- :class:`MajorityRule` — majority rule in groups of three.
- :class:`Bass` — agent-based Bass diffusion; :func:`bass_ode` is its ODE.
- :class:`RelativeAgreement` — relative agreement with extremists (Deffuant et al. 2002; the
  engine's exchange under uncertainty).

Each runs on the complete graph (never materialized) or any :class:`Network`, built with
:func:`make_network` from ``"complete"``, ``"er:K"``, ``"ba:M"``, an edge-list file or a
NetworkX graph. Pass one ``numpy.random.Generator`` (or a seed) as ``rng``: the same seed
gives the same run bit for bit. The voter and Deffuant models draw their pairs ahead in
blocks, on all cores (:mod:`lever.classic.pairs`); the bits do not depend on the number of
threads, nor on how a run is split into calls.

Example
-------
>>> from lever.classic import Voter
>>> m = Voter(network=200, rho=0.5, rng=1)
>>> m.run_until_consensus(max_sweeps=10_000)
True

Layer 3 (beside :mod:`lever.sim`): may import :mod:`lever.kernels` and :mod:`lever.model` only.
"""

from __future__ import annotations

from lever.classic.bass import Bass, bass_closed_form, bass_ode, bass_peak
from lever.classic.clusters import cluster_sizes, cluster_summary
from lever.classic.deffuant import Deffuant
from lever.classic.hk import HegselmannKrause
from lever.classic.majority import MajorityRule, exit_probability
from lever.classic.naming_game import NamingGame, mean_field_critical_share
from lever.classic.network import (
    Network,
    NetworkSpecError,
    barabasi_albert,
    complete,
    erdos_renyi,
    from_csr,
    from_edge_list,
    from_edges,
    from_networkx,
    make_network,
)
from lever.classic.relative_agreement import RelativeAgreement, y_indicator
from lever.classic.voter import Voter, exact_consensus_time, mean_field_consensus_time

__all__ = [
    "Bass",
    "Deffuant",
    "HegselmannKrause",
    "MajorityRule",
    "NamingGame",
    "Network",
    "NetworkSpecError",
    "RelativeAgreement",
    "Voter",
    "barabasi_albert",
    "bass_closed_form",
    "bass_ode",
    "bass_peak",
    "cluster_sizes",
    "cluster_summary",
    "complete",
    "erdos_renyi",
    "exact_consensus_time",
    "exit_probability",
    "from_csr",
    "from_edge_list",
    "from_edges",
    "from_networkx",
    "make_network",
    "mean_field_consensus_time",
    "mean_field_critical_share",
    "y_indicator",
]
