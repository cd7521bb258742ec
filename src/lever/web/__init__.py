"""The local page (``lever serve``): a face, as the command line is the other.

Layer 9: it validates what comes in, bounds it, and hands it to the same jobs the command
line uses; it may import every layer below, never :mod:`lever.cli`, and never the kernels.
"""
