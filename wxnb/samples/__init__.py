"""wxnb.samples."""
