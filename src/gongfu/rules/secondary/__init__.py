"""The law as vectorised formulas."""
