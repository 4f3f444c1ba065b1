"""sense."""
