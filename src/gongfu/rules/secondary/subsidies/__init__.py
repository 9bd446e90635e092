"""Secondary tier: subsidies."""
