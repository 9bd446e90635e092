"""Secondary distribution: taxes, social insurance, pensions, social assistance and subsidies.

May import: gongfu.engine only (a formula's arguments are its dependencies).
"""
