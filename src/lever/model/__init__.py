"""The model's description: the scenario schema (pydantic), the built-in fields, the loader
that validates a field at the edge, ``lever explain``'s reference, and the population's arrays
and network as built from a field.

Layer 0: imports nothing of Lever's outside this package.
"""
