"""Experiments over many runs: the executors that run them and the designs they run."""
