"""Ways in to Lever from outside Python: the local page (``lever serve``).

A layer above the experiments and the store: it validates what comes in, bounds it, and
hands it to the same functions the command line uses; it never reaches into the kernels.
"""
