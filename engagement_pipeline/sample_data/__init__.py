"""Synthetic Braze Currents exports for the demo, tests and benchmarks."""
