"""The letter's eight theses as experiments, each with a verdict, and their report.

Layer 8: may import every layer below it, the weigh job's report included; not the faces.
"""
