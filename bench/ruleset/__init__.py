"""The fixed benchmark rule set (SPEC.md), its population generator and its numpy reference."""
