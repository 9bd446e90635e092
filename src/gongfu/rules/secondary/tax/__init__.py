"""Secondary tier: tax."""
