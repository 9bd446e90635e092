"""Secondary tier: taxes (individual income tax, property tax).

May import: gongfu.engine only (a formula's arguments are its dependencies).
"""
