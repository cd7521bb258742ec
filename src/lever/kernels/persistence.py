"""What keeps currents alive and opens people to persuasion (issue 23; the brief, §4.8: Lofland & Stark 1965, Friedkin & Johnsen 1999).

- **Strain opens people** (Lofland & Stark 1965, "Becoming a world-saver"): each step an
  uncommitted person's uncertainty is raised to at least ``uncertainty x (1 + strain x (1 -
  satisfaction))``; the committed are held at ``uncertainty_committed``. Relative agreement
  then lets confident speakers (the group's cadre, the rival's core) reach the discontented
  from farther away. Runs only when relative agreement has weight.
- **Anchoring** (Friedkin & Johnsen 1999): after the week's conversations an uncommitted
  person's opinion moves back the share ``anchoring`` of the way to the one it held at week 0
  (its susceptibility to others is ``1 - anchoring``), so a current is not ground down to its
  organization's mean by months of talk.

Neither draws a random number: switching them on shifts no keyed stream.
"""

from __future__ import annotations

import numba as nb

from lever.kernels.threads import Threaded


def open_by_strain(state, params) -> None:
    """Raise the uncommitted's uncertainty to the floor their strain sets; hold the committed
    at theirs. Mutates ``state.uncertainty``. A no-op without relative agreement."""
    if params.relative_agreement <= 0.0:
        return
    n = int(state.count[0])
    _OPEN(n, n, state.uncertainty, state.committed, state.satisfaction, params.uncertainty,
          params.uncertainty_committed, params.strain_uncertainty)  # fmt: skip


def _open_body(n, uncertainty, committed, satisfaction, base, confident, strain) -> None:
    for i in nb.prange(n):
        if committed[i]:
            uncertainty[i] = confident
        else:
            uncertainty[i] = max(uncertainty[i], base * (1.0 + strain * (1.0 - satisfaction[i])))


_OPEN = Threaded(_open_body)


def anchor(state, params) -> None:
    """Pull the uncommitted's opinions the share ``params.anchoring`` back to their anchors.
    Mutates ``state.opinion``. A no-op at 0."""
    if params.anchoring <= 0.0:
        return
    n = int(state.count[0])
    _ANCHOR(n, n, state.opinion, state.anchor, state.committed, params.anchoring)


def _anchor_body(n, opinion, anchors, committed, share) -> None:
    for i in nb.prange(n):
        if committed[i]:
            continue
        for k in range(opinion.shape[1]):
            opinion[i, k] += share * (anchors[i, k] - opinion[i, k])


_ANCHOR = Threaded(_anchor_body)
