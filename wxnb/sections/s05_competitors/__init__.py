"""wxnb.build.inputs.s05_competitors."""
