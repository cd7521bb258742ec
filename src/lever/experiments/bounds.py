"""Bounds of the settings every sweep shares, whichever face asks: what one machine or cluster can run."""

from lever.model.scenario import MAX_STEPS as MAX_SCENARIO_STEPS

MAX_SAMPLES = 1_000_000
MAX_REPLICATIONS = 10_000
MAX_JOBS = 1024
MAX_SEED = 2**32 - 1
MAX_STEPS = MAX_SCENARIO_STEPS  # the schema's bound on steps bounds every option too
