"""The ``lever`` command line: one module per command, registered in :mod:`lever.cli.main`.

A face (layer 9): it may import every layer below, never :mod:`lever.web` (except
:mod:`lever.cli.serve`, which starts the page); it validates options, calls a job and says
what the job found. Nothing below imports it.
"""
