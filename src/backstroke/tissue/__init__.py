"""tissue."""
