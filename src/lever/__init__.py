"""Lever: simulate and weigh the strategy of a small committed group in a field of organizations."""
