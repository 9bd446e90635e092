"""Primary distribution: market incomes and the minimum wage, as vectorised formulas.

May import: gongfu.engine only (a formula's arguments are its dependencies).
"""
