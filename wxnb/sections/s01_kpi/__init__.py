"""wxnb.build.inputs.s01_kpi."""
