"""The population as a struct of arrays, and the numbers the kernels read.

``State`` holds one equal-length array per attribute of a person (an *agent*, who may stand
for several persons: ``weight``). Organizations are small integers ``0..K-1`` in the order of
``Scenario.organizations``; ``K`` is the unorganized. ``Params`` is the scenario and strategy
flattened into scalars and small arrays, so that the compiled kernels never see Python objects.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class State(NamedTuple):
    """Mutable per-agent arrays (length ``n``) plus the field's per-organization arrays.

    org : int16, organization index, ``K`` for none.
    branch : int32, global branch id inside ``org``, ``-1`` for none.
    stratum : int8, index into ``Params.receptivity``.
    opinion : float64 ``(n, 2)``, (radicalism, independence) in [0, 1].
    satisfaction : float64 in [0, 1], with the organization (or, for the group's people, its line).
    committed : bool, never changes its mind, nor leaves of its own accord (the group's cadre
        still move when the group enters a host or is expelled).
    faction : bool, one of the group's people, wherever they are.
    cadre : bool, a trained member of the group.
    convinced : bool, a cadre member who believes in the strategy (only they recruit); those
        who stay outside and those trained later are convinced.
    faction_since : int32, step the person joined the group.
    expelled_from : int16, organization that expelled them, ``-1`` if none.
    weight : float64, persons this agent stands for (a whole number).
    ident : uint64, who the person is, for the keyed draws: the agent's index at step 0,
        or for a person split off from an agent a hash of that agent's ident and how many
        it had split off before.
    root : int64, the agent at step 0 whose persons this one comes from (itself at first).
    social : int32, the row of the social network this agent's ties are read from: its own,
        or for a split-off person the agent it came from (it knows whom they knew).
    splits : int32, persons split off from this agent so far.
    origin : int16, organization at step 0.
    kernel0 : bool, in the kernel at step 0 (first-axis opinion at or above ``kernel_threshold``).
    uncertainty : float64, half-width of the views the person finds acceptable (relative
        agreement; read only when ``Params.relative_agreement > 0``).
    anchor : float64 ``(n, 2)``, the opinion held at step 0, which anchoring pulls back to.
    left_at : int32, the step the agent last left an organization (or the group) of its own
        accord, ``-1`` if never; read by the cascade of exits (issue 23).
    left_from : int16, the organization it then left, ``-1`` if none.
    tie_word : int64, what its ties read of it (organization, faction, recent exit, commitment),
        as of the week's leaving, ``-1`` before any (:mod:`lever.kernels.ties`). A cache of the
        engine's, like ``tie_counts``: a run starts with every word -1.
    tie_counts : int64, its ties inside, elsewhere and recently gone, packed, as last counted; not
        kept for the unorganized, the committed and those with no tie (their shares are 0).
    platform : float64 ``(K, 2)``, each organization's platform, which may drift.
    count : int64 ``(1,)``, agents alive: only rows ``[0, count[0])`` of the per-agent arrays
        hold persons, the rest is room for persons still to be split off.
    tally : float64 ``(T,)``, running counts of the run (see ``TALLY_*``).
    branch_start : int64 ``(B + 1,)``, CSR offsets of the membership layer (branch -> agents),
        as built at the start of the step (later moves of the step are not in it).
    branch_members : int32 ``(n,)``, agents sorted by branch (the unorganized at the end).
    expulsion : int64 ``(K,)``, the step at which each organization first expelled the group's
        people, ``-1`` if it never did (their contacts are rebuilt from then on).
    """

    org: np.ndarray
    branch: np.ndarray
    stratum: np.ndarray
    opinion: np.ndarray
    satisfaction: np.ndarray
    committed: np.ndarray
    faction: np.ndarray
    cadre: np.ndarray
    convinced: np.ndarray
    faction_since: np.ndarray
    expelled_from: np.ndarray
    weight: np.ndarray
    ident: np.ndarray
    root: np.ndarray
    social: np.ndarray
    splits: np.ndarray
    origin: np.ndarray
    kernel0: np.ndarray
    uncertainty: np.ndarray
    anchor: np.ndarray
    left_at: np.ndarray
    left_from: np.ndarray
    tie_word: np.ndarray
    tie_counts: np.ndarray
    platform: np.ndarray
    branch_start: np.ndarray
    branch_members: np.ndarray
    count: np.ndarray
    tally: np.ndarray
    expulsion: np.ndarray

    @property
    def n(self) -> int:
        """Agents alive (the arrays may hold more rows: room to split persons off)."""
        return int(self.count[0])

    @property
    def capacity(self) -> int:
        return int(self.org.shape[0])

    def copy(self) -> State:
        return State(*(a.copy() for a in self))

    def with_capacity(self, capacity: int) -> State:
        """The same population in arrays of ``capacity`` rows (never fewer than alive)."""
        capacity = max(capacity, self.n)
        grown = {}
        for name in PER_AGENT:
            a = getattr(self, name)
            b = np.zeros((capacity, *a.shape[1:]), a.dtype)
            b[: self.n] = a[: self.n]
            grown[name] = b
        members = np.zeros(capacity, self.branch_members.dtype)
        members[: self.n] = self.branch_members[: self.n]
        return self._replace(**grown, branch_members=members)

    def trimmed(self) -> State:
        """The population with exactly the agents alive (what a caller outside reads)."""
        n = self.n
        cut = {name: getattr(self, name)[:n].copy() for name in PER_AGENT}
        return self._replace(**cut, branch_members=self.branch_members[:n].copy())


#: the arrays that hold one row per agent
PER_AGENT = (
    "org", "branch", "stratum", "opinion", "satisfaction", "committed", "faction", "cadre",
    "convinced", "faction_since", "expelled_from", "weight", "ident", "root", "social",
    "splits", "origin", "kernel0", "uncertainty", "anchor", "left_at", "left_from", "tie_word", "tie_counts",
)  # fmt: skip

#: what ``State.tally`` counts over a run, in persons
TALLY_HOST_KERNEL_TO_RIVAL = 0  # in the kernel when they moved, host -> rival
TALLY_HOST_LEFT = 1  # left the host for anywhere
TALLY_HOST_LEFT_TO_RIVAL = 2
TALLY_HOST_LEFT_TO_GROUP = 3  # left the host for the group outside, or recruited away by it
TALLY_HOST_WON_INSIDE = 4  # host members recruited into the group while staying members
TALLY_SPLIT = 5  # persons split off from coarse agents
TALLY_MISSED = 6  # splits that found no room (the engine keeps room: always 0 in practice)
TALLY_CAPITULATED = 7  # cadre who gave up the group's views inside another organization
TALLY_DEMORALISED = 8  # expelled cadre who left politics
TALLY_BROKE_AWAY = 9  # members not convinced of entry who broke away from the group
# the group's funnel (issue 23): each contact, each contact within reach of the line, each
# recruit, each recruit trained to cadre, and each of its people who left it of their own accord
TALLY_CONTACTS = 10
TALLY_IN_REACH = 11
TALLY_RECRUITED = 12
TALLY_TRAINED = 13
TALLY_GROUP_LEFT = 14
TALLY_CONTACT_DISTANCE = 15  # the contacts' distances to the line, summed (their mean: / contacts)
N_TALLY = 16


#: most ties a node of the social network may have: a person's three tie counts are packed in 21
#: bits each (lever.kernels.ties)
MAX_TIES = (1 << 21) - 1


class Network(NamedTuple):
    """The static social layer in CSR form: the neighbours of ``i`` are
    ``indices[indptr[i]:indptr[i + 1]]`` (int64 offsets, int32 ids, symmetric, no self-loops)."""

    indptr: np.ndarray
    indices: np.ndarray


class Params(NamedTuple):
    """Scenario and strategy as numbers. Rates are per step, as the scenario gives them."""

    n_orgs: int
    group: int
    rival: int
    host: int
    # per organization (length K)
    homogeneity: np.ndarray
    attraction: np.ndarray  # float64 (steps + 1, K), the pull at each step: attraction times openings
    tolerance: np.ndarray
    branch_offset: np.ndarray  # int32 (K + 1,), global branch ids of org k: [off[k], off[k+1])
    disappointment: np.ndarray  # float64 (steps + 1, K), level at each step (below 0: an opening's elation)
    # per stratum
    receptivity: np.ndarray
    # press (O organs)
    organ_owner: np.ndarray  # int16 (O,)
    organ_reach: np.ndarray  # float64 (O, K + 1), per-step chance a member of k reads an issue
    organ_voice: np.ndarray  # float64 (O,), share of an issue carrying the group's line
    # dynamics
    confidence: float
    convergence: float
    trust_inside: float
    trust_outside: float
    trust_rival: float
    trust_expelled: float
    committed_talk: float
    satisfaction_rate: float
    leave_steepness: float
    gravity: float
    closeness: float
    ties_weight: float
    stay_unorganized: float
    join_rate: float
    joining: np.ndarray  # float64 (steps + 1,), how many times join_rate the unorganized join (openings)
    mobilised: np.ndarray  # float64 (steps + 1, K), each leader's share of the joiners openings add
    branch_talk: float
    branch_sorting: float  # how far branches differ in views; entrants then take the most sympathetic
    recruit_contacts: float
    recruit_radius: float
    recruit_prob: float
    training_steps: int
    platform_drift: float
    bloc_weight: float
    detection: float
    visibility: np.ndarray  # float64 (K,): how visible the group's current is in each
    expel_share: np.ndarray  # float64 (K,): share of it expelled once detected
    kernel_threshold: float
    independence_threshold: float
    # what makes entry fatal, or useless (docs/ODD.md §7.6-7.7); each is off at 0 (-1 for steps)
    capitulation: float  # hazard per step at h = 1, largest distance, fully assimilated
    assimilation_steps: float  # time inside over which that hazard rises to full
    gag: float  # a current inside recruits with chance x (1 - gag * h * visibility)
    brand: np.ndarray  # float64 (K + 1, K): weight of trust_expelled for listeners of row
    # toward persons expelled by column (beyond the expelling party's own members)
    demoralisation: float  # chance an expelled cadre member leaves politics
    rebuild_steps: int  # steps to rebuild a paper given up, after an expulsion; -1: never
    split_share: float  # chance a member not convinced of entry breaks away
    declared_trust: np.ndarray  # float64 (K,): factor on host members' trust toward the
    # group's people inside, for a declared entry
    entry_step: int  # the step the group enters (-1: it does not)
    # the group's line
    line: np.ndarray  # float64 (2,)
    # resolution: whether each population (organizations, the unorganized last) is held
    # person by person; a person who moves from a coarse one into a fine one, or whom the
    # group acts on, is split off from its agent first
    fine: np.ndarray  # bool (K + 1,)
    # False in the twin world: the group is there but does nothing (no speaking, recruiting,
    # entering or paper)
    active: bool
    # issue 23, each off at 0: relative agreement's weight in conversation, the uncertainty of
    # the uncommitted and of the committed, how far strain raises the former, anchoring
    relative_agreement: float = 0.0
    uncertainty: float = 0.25
    uncertainty_committed: float = 0.05
    strain_uncertainty: float = 0.0
    anchoring: float = 0.0
    # issue 23's second part, each off at its default: recruiting by the overlap rule, targeting the
    # sympathetic, ties and cascades in leaving, leaving for somewhere nearer (-1: the gravity rule),
    # recruits encapsulated, homophily in partner choice
    recruit_by_agreement: bool = False
    targeting: float = 0.0
    exit_ties: float = 0.0
    exit_cascade: float = 0.0
    cascade_steps: int = 8
    nearer_gravity: float = -1.0
    encapsulation: float = 0.0
    homophily: float = 0.0
    # issue 24, off at 0: an opening's added joiners scale with its leader's members (of the sizes
    # each organization starts with, in persons)
    member_recruitment: float = 0.0
    start_size: np.ndarray = np.zeros(0)  # float64 (K,)
