"""wxnb.build.inputs.s00_summary."""
