"""wxnb.build.inputs.s03_content."""
