"""wxnb.io."""
