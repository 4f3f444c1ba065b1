"""technique."""
