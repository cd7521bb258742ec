"""Experiments over many runs: the designs, the tasks they are made of, the executors that
run them (in-process, a process pool, Dask) and the seeds that pair them.

Layer 4: may import model, kernels, store, sim and classic; not analysis or anything above.
"""
