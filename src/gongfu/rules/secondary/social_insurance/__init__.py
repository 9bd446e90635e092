"""Secondary tier: social_insurance."""
