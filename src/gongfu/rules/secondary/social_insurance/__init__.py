"""Secondary tier: social insurance contributions (employees, flexible workers, residents),
long-term care insurance, and their totals.

May import: gongfu.engine only (a formula's arguments are its dependencies).
"""
