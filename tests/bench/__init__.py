"""Smoke tests of the benchmark (bench/): each scenario once, tiny."""
