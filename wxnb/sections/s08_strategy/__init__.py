"""wxnb.build.inputs.s08_strategy."""
