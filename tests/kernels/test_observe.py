"""What is recorded each step."""

from __future__ import annotations

from lever.kernels.observe import observe

BIG, HOST, RIVAL, GROUP, K = 0, 1, 2, 3, 4


def test_observe_counts_persons(hand):
    params = hand.params()
    state = hand.state(
        [BIG, HOST, HOST, RIVAL, GROUP, K, RIVAL],
        [[0.1, 0.1], [0.7, 0.7], [0.7, 0.1], [0.9, 0.9], [0.9, 0.95], [0.65, 0.6], [0.9, 0.1]],
        weight=[10, 1, 2, 1, 1, 10, 3],
        faction=[False, True, False, False, True, False, False],
        cadre=[False, False, False, False, True, False, False],
        origin=[BIG, HOST, HOST, HOST, GROUP, K, HOST],
        kernel0=[False, False, False, True, True, True, False],
    )
    out = observe(state, params)
    assert out.tolist() == [
        10,
        3,
        4,
        1,
        10,  # sizes, the unorganized last
        0,
        3,
        4,
        1,
        10,  # kernels: radicalism >= 0.65
        2,
        1,  # the group's people, its cadre
        1 + 1 + 1 + 10,  # won: radicalism >= 0.65 and independence >= 0.6
        1,  # host's kernel of step 0 now in the rival (agent 3, not 6)
    ]
