"""Benchmarks (``make bench``): figures go to bench/results/*.json; never asserted in tests."""
