"""The law as vectorised formulas: one module per programme, by tier of distribution (primary: market
incomes and the minimum wage; secondary: taxes, social insurance, pensions, assistance, subsidies; tertiary:
philanthropy), plus the shared concepts and demographics. Their parameters are the YAML under gongfu/parameters/.

May import: gongfu.engine only (a formula's arguments are its dependencies).
"""
