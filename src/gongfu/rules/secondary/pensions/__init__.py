"""Secondary tier: pensions."""
