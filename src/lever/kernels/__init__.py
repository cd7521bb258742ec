"""Compiled kernels: small pure functions over the population's arrays.

Every kernel takes plain NumPy arrays (and, where it draws, a ``numpy.random.Generator``)
and mutates only the arrays its docstring names. The engine's step loop and the classic
models both compose them; nothing here knows about scenarios or files.

Layer 1: may import :mod:`lever.model` (the state's array layout) and nothing else of Lever's.
"""
