"""wxnb.build."""
