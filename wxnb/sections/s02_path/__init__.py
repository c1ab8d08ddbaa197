"""wxnb.build.inputs.s02_path."""
