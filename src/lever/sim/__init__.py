"""One simulation: the step loop over the kernels, its outcomes against the twin, its series
and files, and its figure.

Layer 3: may import :mod:`lever.model`, :mod:`lever.kernels` and :mod:`lever.store`; nothing above.
"""
