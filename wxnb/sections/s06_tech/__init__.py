"""wxnb.build.inputs.s06_tech."""
