"""Benchmarks for samen (``make bench``, not part of the tests)."""
