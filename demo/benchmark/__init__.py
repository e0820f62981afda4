"""The performance benchmark of issue 8 (``manage.py benchmark``): a synthetic city-scale data
set, the full and the one-enterprise recompute of matches, and pages under load. Figures and
how to read them are in ``docs/benchmarks.md``."""
