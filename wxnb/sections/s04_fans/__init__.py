"""wxnb.build.inputs.s04_fans."""
