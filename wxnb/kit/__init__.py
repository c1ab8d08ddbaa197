"""wxnb.kit."""
