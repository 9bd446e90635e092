"""Secondary tier: assistance."""
