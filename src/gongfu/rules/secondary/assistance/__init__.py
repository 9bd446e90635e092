"""Secondary tier, social assistance: dibao (minimum living allowance), tekun (extreme poverty support),
medical assistance.

May import: gongfu.engine only (a formula's arguments are its dependencies).
"""
