"""Secondary tier: pensions (employee and urban-rural resident schemes).

May import: gongfu.engine only (a formula's arguments are its dependencies).
"""
