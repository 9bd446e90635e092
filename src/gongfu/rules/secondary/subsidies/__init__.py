"""Secondary tier: subsidies (childcare subsidy, disability allowances, old-age allowance).

May import: gongfu.engine only (a formula's arguments are its dependencies).
"""
