"""Tertiary distribution: philanthropy (charitable giving and targeted philanthropy), as vectorised formulas.

May import: gongfu.engine only (a formula's arguments are its dependencies).
"""
