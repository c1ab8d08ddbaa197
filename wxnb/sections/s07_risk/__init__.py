"""wxnb.build.inputs.s07_risk."""
