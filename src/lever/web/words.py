"""The page's words for the model's outcomes: a plain name and a one-line meaning each.

The meanings of :data:`lever.sim.outcomes.OUTCOMES` are the reference; here they are said
without the code's terms ("twin world" is "the same world with the group doing nothing").
"""

from __future__ import annotations

from typing import Any

from lever.sim.outcomes import OUTCOMES

#: name -> (plain name, one-line meaning)
PLAIN: dict[str, tuple[str, str]] = {
    "newly_won": ("people newly won",
                  "people holding the group's views at the end who would not hold them had the group done nothing"),
    "newly_won_gross": ("people won, counted one by one",
                        "people who hold the group's views here but not in the same world with the group doing nothing"),
    "host_platform_shift": ("larger body moved toward the group",
                            "how far the larger organization's line moved toward the group's, against doing nothing"),
    "host_kernel_to_rival": ("close members lost to the rival",
                             "members of the larger organization close to the group who left it for the rival"),
    "host_kernel_to_rival_vs_twin": ("close members lost to the rival, beyond doing nothing",
                                     "the same, less what the rival would have won had the group done nothing"),
    "host_won": ("members of the larger body won",
                 "members of the larger organization won to the group (inside it, or as they left it)"),
    "host_leavers_to_group_share": ("share of leavers who came to the group",
                                    "of those who left the larger organization for the group or the rival, "
                                    "the share who came to the group"),
    "group_members": ("the group's members", "how many people the group has at the end"),
    "group_cadre": ("the group's trained members", "members of the group trained to recruit, at the end"),
    "cadre_gained": ("trained members gained", "trained members at the end beyond what doing nothing leaves"),
    "survived": ("the group held together", "1 if the group kept at least half its most trained members, 0 if it broke up"),
    "views_held": ("people holding the group's views",
                   "everyone holding the group's views at the end (most held them anyway: see people newly won)"),
    "host_kernel": ("close members of the larger body", "members of the larger organization close to the group, at the end"),
    "expelled": ("people expelled", "people expelled over the run"),
    "weeks_to_first": ("weeks to the first milestone", "weeks until the group first reaches its first milestone size"),
    "weeks_to_second": ("weeks to the second milestone", "weeks until the group first reaches its second milestone size"),
    "won_from_host": ("members of the larger body who came over",
                      "members of the larger organization at the start who are in the group at the end"),
    "kernel_won_from_host": ("close members of the larger body who came over",
                             "its members close to the group at the start who are in the group at the end"),
}  # fmt: skip


def glossary() -> dict[str, dict[str, Any]]:
    """Every outcome: its plain name, its meaning in a line, whether more is better, and the
    model's own sentence for it (``code``: the conclusion says it; the page puts the plain one in)."""
    out = {}
    for name, (meaning, more_is_better) in OUTCOMES.items():
        plain, said = PLAIN.get(name, (name.replace("_", " "), meaning.replace("the twin world", "doing nothing")))
        out[name] = {"name": plain, "meaning": said, "better": "more" if more_is_better else "less", "code": meaning}
    return out
