"""Evaluations of Keyfill against ground truth on real clips (rotoscoping, removal)."""
