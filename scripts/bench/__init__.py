"""The benchmark suite: ``scripts/bench-all`` runs it; see ``run.py``."""
