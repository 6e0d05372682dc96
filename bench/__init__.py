"""Benchmarks of the local cloud: they print figures and assert nothing (run with `python -m bench`)."""
