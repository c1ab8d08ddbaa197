"""wxnb.build.inputs.s99_appendix."""
